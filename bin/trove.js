#!/usr/bin/env node
// `npx trove` works right after `npm install`: it runs the compiled dist/ (built by `npm install`'s
// prepare step) or, when the sources are newer, the TypeScript sources through tsx.
import { importTrove } from './load-trove.js';

await importTrove('src/cli/main.ts');

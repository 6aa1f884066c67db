// Worker threads do not inherit the tsx loader registered by the CLI (or jest's transform), so the
// inference thread registers it before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./inference-worker.ts');

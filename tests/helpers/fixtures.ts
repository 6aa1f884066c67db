import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Data the tests read, copied into the repository with its licence (see each folder's README.md). */
export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

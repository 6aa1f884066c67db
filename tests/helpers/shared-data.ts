import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Data the tests read, carried by the repository (each folder's README.md gives source and licence). */
export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
export const datasetsDir = path.join(fixturesDir, 'datasets');
export const chinookDir = path.join(fixturesDir, 'chinook');

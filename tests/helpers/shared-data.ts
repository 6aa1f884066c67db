import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workplace's shared data (datasets, fixtures) lives beside the repository, in ../shared. */
export const sharedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const datasetsDir = path.join(sharedDir, 'datasets');

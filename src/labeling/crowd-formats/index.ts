import type { ParsedCrowdFile, ParseOptions } from './common.js';
import { parseGroundTruth } from './groundtruth.js';
import { parseJsonl } from './jsonl.js';
import { parseLabelStudio } from './labelstudio.js';
import { parseMturk } from './mturk.js';

export const CROWD_IMPORT_FORMATS = ['mturk', 'labelstudio', 'groundtruth', 'jsonl'] as const;
export type CrowdImportFormat = (typeof CROWD_IMPORT_FORMATS)[number];
export type { IdMatch, ItemMatch, ValueMatch, ParsedAnswer, ParsedCrowdFile, ParsedTask, ParseOptions } from './common.js';
export { isIdMatch, LineError } from './common.js';

/** Reads a crowd results file into tasks and answers: no store involved, nothing checked against it yet. */
export function parseCrowdFile(format: CrowdImportFormat, text: string, opts: ParseOptions): ParsedCrowdFile {
  switch (format) {
    case 'mturk':
      return parseMturk(text, opts);
    case 'labelstudio':
      return parseLabelStudio(text, opts);
    case 'groundtruth':
      return parseGroundTruth(text, opts);
    case 'jsonl':
      return parseJsonl(text, opts);
  }
}

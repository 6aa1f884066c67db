import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temp folder per test run for what several test files share (the trained flower model):
 * test workers inherit TROVE_TEST_RUN_DIR, and global-teardown.ts removes the folder.
 */
export default function globalSetup(): void {
  process.env.TROVE_TEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-test-run-'));
}

import fs from 'node:fs';

/** Removes the run's shared temp folder made by global-setup.ts. */
export default function globalTeardown(): void {
  const dir = process.env.TROVE_TEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';

/** What the CLI user may import: their own files anywhere, never the kernel's or device trees. */
describe('trove import and local paths', () => {
  const dataDir = tempDir();
  const own = tempDir('trove-own-files-');
  afterAll(() => {
    for (const dir of [dataDir, own]) fs.rmSync(dir, { recursive: true, force: true });
  });
  const trove = (args: string[], env: Record<string, string> = {}) => runCli(['--data-dir', dataDir, ...args], { env: { DATABASE_URL: undefined, TROVE_DATA_DIR: undefined, ...env }, timeoutMs: 60_000 });

  test('/proc/self/environ is refused with one line that repeats none of the environment', async () => {
    const r = await trove(['import', '/proc/self/environ', '--source', 'environ', '--format', 'csv', '--key', 'missing'], { TROVE_ADMIN_PASSWORD: 'cli-admin-secret-99' });

    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('trove: path: /proc/self/environ: system folders (/proc, /sys, /dev) are never read');
    expect(r.stderr + r.stdout).not.toContain('cli-admin-secret-99');
  });

  test("the CLI user's own file outside any import root is imported", async () => {
    const file = path.join(own, 'mine.csv');
    fs.writeFileSync(file, 'id,text\n1,one\n');

    const r = await trove(['import', file, '--source', 'mine', '--key', 'id', '--json']);

    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', inserted: 1 });
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { runCli, troveBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';

// Each command is a fresh process compiling the sources; on a busy machine that takes a while.
const SLOW = 120_000;

describe('trove start', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = tempDir('trove-start-');
    dirs.push(dir);
    return dir;
  };
  const env = { DATABASE_URL: undefined, TROVE_DATA_DIR: undefined, TROVE_HOST: undefined, PORT: undefined };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test(
    '--queue on SQLite is refused in one line before any admin is created',
    async () => {
      const dir = dataDir();
      const refused = await runCli(['start', '--queue', '--port', '0', '--data-dir', dir], { env, timeoutMs: SLOW });
      const users = await runCli(['users', 'list', '--json', '--data-dir', dir], { env, timeoutMs: SLOW });

      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toBe('trove: --queue needs PostgreSQL: set DATABASE_URL (on SQLite the hub runs sources itself)\n');
      expect(JSON.parse(users.stdout)).toEqual([]);
    },
    SLOW,
  );

  test(
    'listens on the address given with --host and logs that address',
    async () => {
      const child = spawn(process.execPath, [troveBin, 'start', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir()], {
        env: { ...process.env, ...env, TROVE_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let log = '';
          child.once('exit', (code) => reject(new Error(`trove start exited with ${code} before listening: ${log}`)));
          const scan = (chunk: Buffer) => {
            log += chunk.toString();
            const m = /trove hub listening on (http:\/\/\S+?)["\s]/.exec(log);
            if (m) resolve(m[1]);
          };
          child.stdout.on('data', scan);
          child.stderr.on('data', scan);
        });
        const health = await fetch(`${url}/healthz`);

        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(health.status).toBe(200);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
    SLOW,
  );
});

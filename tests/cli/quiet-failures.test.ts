import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';

/**
 * What reaches the user when things go wrong outside Trove: a reader that stops early, a database
 * that cannot be reached. One line on stderr at most, never a stack trace, never noise on stdout.
 */
const env = { TROVE_DATA_DIR: undefined, DATABASE_URL: undefined };

async function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runCli(args, { env, closeStdoutEarly: true });
  return { code, stderr };
}

describe('a closed pipe', () => {
  const dir = tempDir('trove-pipe-');
  beforeAll(async () => {
    const csv = path.join(dir, 'rows.csv');
    const lines = ['id,body,label'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},row number ${i} with a few more words in it,${i % 2 ? 'odd' : 'even'}`);
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    expect((await runCli(['import', csv, '--source', 'rows', '--key', 'id', '--text', 'body', '--data-dir', dir], { env })).code).toBe(0);
    expect((await runCli(['snapshots', 'create', 'rows-v1', '--source', 'rows', '--label-field', 'label', '--data-dir', dir], { env, timeoutMs: 60_000 })).code).toBe(0);
  });

  test.each([['jsonl'], ['csv']])('ends `items export --format %s | head` quietly with status 0', async (format) => {
    const r = await runIntoClosedPipe(['items', 'export', '--source', 'rows', '--format', format, '--data-dir', dir]);

    expect(r).toEqual({ code: 0, stderr: '' });
  });

  test('ends `snapshots export | head` quietly with status 0', async () => {
    const r = await runIntoClosedPipe(['snapshots', 'export', 'rows-v1', '--data-dir', dir]);

    expect(r).toEqual({ code: 0, stderr: '' });
  });
});

describe('an unreachable or refused database', () => {
  const unreachable = { ...env, DATABASE_URL: 'postgres://trove:pw-never-shown@127.0.0.1:1/trove' };

  test.each([['sources list --json'], ['migrate'], ['start --port 0']])('`trove %s` prints nothing on stdout and one line on stderr', async (command) => {
    const r = await runCli([...command.split(' '), '--data-dir', tempDir()], { env: unreachable });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('trove: cannot use the database at postgres://trove:***@127.0.0.1:1/trove: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  test('a role the server does not know is one line naming it, without its password', async () => {
    const pg = new URL(process.env.TROVE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/trove_test');
    pg.username = 'no_such_trove_role';
    pg.password = 'pw-never-shown';
    const r = await runCli(['sources', 'list', '--json', '--data-dir', tempDir()], { env: { ...env, DATABASE_URL: pg.toString() } });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('role "no_such_trove_role" does not exist')]);
    expect(r.stderr).not.toContain('pw-never-shown');
  });
});

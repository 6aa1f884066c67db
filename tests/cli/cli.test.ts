import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, storeKinds, tempDir } from '../helpers/stores.js';

/** The CLI as a user meets it: one process per command, on SQLite and on PostgreSQL. */
describe.each(storeKinds)('trove CLI [%s]', (kind) => {
  let dataDir: string;
  let env: Record<string, string | undefined>;
  let dropPg: (() => Promise<void>) | undefined;
  const csv = path.join(tempDir('trove-cli-'), 'reviews.csv');

  beforeAll(async () => {
    dataDir = tempDir();
    fs.writeFileSync(csv, 'id,body,sentiment\n1,great,pos\n2,awful,neg\n3,fine,pos\n');
    env = { TROVE_DATA_DIR: undefined, DATABASE_URL: undefined };
    if (kind === 'pg') {
      const db = await createPgDatabase();
      env.DATABASE_URL = db.url;
      dropPg = db.drop;
    }
  });
  afterAll(async () => {
    await dropPg?.();
  });

  test('import --json prints the run, and --data-dir works before the command', async () => {
    const r = await runCli(['--data-dir', dataDir, 'import', csv, '--source', 'reviews', '--key', 'id', '--text', 'body', '--label', 'sentiment', '--json'], { env });

    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'reviews', status: 'succeeded', seen: 3, inserted: 3 });
  });

  test('items export writes JSON Lines in the documented shape, with --data-dir after the command', async () => {
    const r = await runCli(['items', 'export', '--source', 'reviews', '--data-dir', dataDir], { env });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));

    expect(r.code).toBe(0);
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0]).sort()).toEqual(['contentHash', 'fetchedAt', 'fields', 'id', 'key', 'source', 'text', 'url']);
    expect(lines[0]).toMatchObject({ source: 'reviews', key: '1', text: 'great', fields: { id: 1, sentiment: 'pos' } });
  });

  test('sources list and runs list show the import', async () => {
    const sources = await runCli(['sources', 'list', '--json', '--data-dir', dataDir], { env });
    const runs = await runCli(['runs', 'list', '--json', '--data-dir', dataDir], { env });

    expect(JSON.parse(sources.stdout)).toEqual([expect.objectContaining({ name: 'reviews', kind: 'file', itemCount: 3 })]);
    expect(JSON.parse(runs.stdout)[0]).toMatchObject({ source: 'reviews', status: 'succeeded' });
  });

  test('items history shows an item that never changed, and an unknown item is a one-line error', async () => {
    const shown = await runCli(['items', 'history', '1', '--json', '--data-dir', dataDir], { env });
    const missing = await runCli(['items', 'history', '999999', '--data-dir', dataDir], { env });

    expect(JSON.parse(shown.stdout)).toMatchObject({ item: { id: 1, source: 'reviews', key: '1' }, versions: [] });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toBe('trove: item not found: 999999\n');
  });

  test('a first import that fails before storing an item leaves no source behind', async () => {
    const r = await runCli(['import', csv, '--source', 'misread', '--format', 'tsv', '--data-dir', dataDir], { env });
    const sources = await runCli(['sources', 'list', '--json', '--data-dir', dataDir], { env });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('source "misread" was not kept: its first import failed before storing an item');
    expect(JSON.parse(sources.stdout).map((s: { name: string }) => s.name)).toEqual(['reviews']);
  });

  test('a column that does not exist fails with one line and writes nothing', async () => {
    const r = await runCli(['import', csv, '--source', 'other', '--key', 'nope', '--data-dir', dataDir], { env });
    const sources = await runCli(['sources', 'list', '--json', '--data-dir', dataDir], { env });

    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`trove: ${csv}: --key column "nope" does not exist (3 columns, header starts "id,body,sentiment")`);
    expect(JSON.parse(sources.stdout).map((s: { name: string }) => s.name)).toEqual(['reviews']);
  });

  test('an unknown source is a one-line error', async () => {
    const r = await runCli(['sources', 'show', 'missing', '--data-dir', dataDir], { env });

    expect(r.code).toBe(1);
    expect(r.stderr).toBe('trove: source not found: missing\n');
  });
});

describe('trove CLI environment errors', () => {
  test('an unwritable data directory is one clear line, no stack trace', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, '');
    const r = await runCli(['sources', 'list', '--data-dir', path.join(file, 'sub')], { env: { DATABASE_URL: undefined } });

    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^trove: data directory .*not-a-dir\/sub is not writable: ENOTDIR\n$/);
  });

  test('an unreachable DATABASE_URL is one clear line, without the password, and the command ends by itself', async () => {
    const r = await runCli(['sources', 'list', '--data-dir', tempDir()], { env: { DATABASE_URL: 'postgres://u:secret-pw@127.0.0.1:1/db' } });

    // 2, not null: the command gave up on its own (a hung one is killed by runCli and has no code).
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^trove: cannot use the database at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED.*\n$/);
    expect(r.stderr).not.toContain('secret-pw');
  });

  test('evaluate --model on a path that does not exist says the path is missing', async () => {
    const missing = path.join(tempDir(), 'no-such-model');
    const r = await runCli(['evaluate', '--model', missing, '--snapshot', 'any', '--data-dir', tempDir()], { env: { DATABASE_URL: undefined } });

    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`trove: --model ${missing}: no such directory\n`);
  });

  test('every command has --help', async () => {
    const r = await runCli(['items', 'export', '--help']);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--format <format>');
    expect(r.stdout).toContain('--json');
  });
});

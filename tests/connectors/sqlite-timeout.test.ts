import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { listItems } from '../../src/core/items.js';
import { createSource, getSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { chinookSqliteCopy } from './helpers/chinook.js';

/** A statement whose first row needs about a billion steps: minutes of work before any row. */
const ENDLESS = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000000000) SELECT max(x) AS id FROM n';

function readerChildren(): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('sqlite-read-child'));
}

describeEachStore('SQLite sources and the statement timeout', (get) => {
  let file: string;
  beforeAll(() => {
    file = chinookSqliteCopy();
  });
  afterAll(() => fs.rmSync(file, { force: true }));

  async function run(name: string, config: Record<string, unknown>) {
    const { hub } = get();
    const parsed = hub.kinds.parseConfig('sql', { kind: 'sql', url: `sqlite://${file}`, key: 'id', ...config }) as Record<string, unknown>;
    await createSource(hub.store.db, { name, kind: 'sql', config: parsed });
    return runSource(hub, name);
  }

  test('a statement running past timeoutSeconds is stopped: the run fails saying so, and no reader is left running', async () => {
    const started = Date.now();
    const result = await run('sqlite-endless', { query: ENDLESS, timeoutSeconds: 1 });

    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/SQLite statement timeout: no rows within 1 s \(timeoutSeconds\)/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readerChildren()).toEqual([]);
  });

  test('rows still stream in batches, blobs stay bytes, and the cursor resumes past the checkpoint', async () => {
    const { hub } = get();
    const config = { query: 'SELECT InvoiceId AS id, BillingCity, Total, CAST(BillingCity AS BLOB) AS raw FROM Invoice', cursor: 'id', batchSize: 50 };
    const first = await run('sqlite-invoices', config);
    const again = await runSource(hub, 'sqlite-invoices');

    expect(first.status).toBe('succeeded');
    expect(first.inserted).toBe(412);
    expect(again).toMatchObject({ status: 'succeeded', seen: 0 });
    const source = await getSource(hub.store.db, 'sqlite-invoices');
    const [item] = (await listItems(hub.store.db, { sourceId: source.id, limit: 1 })).items;
    expect(Buffer.from(item.fields.raw as string, 'base64').toString()).toBe(item.fields.BillingCity);
  });
});

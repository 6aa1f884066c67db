import { createSource } from '../../../src/core/sources.js';
import { listRunErrors, type Run } from '../../../src/core/runs.js';
import { runSource, type Hub } from '../../../src/hub.js';

let seq = 0;

/** Crawls with a fresh source; fast retries so fault tests stay quick. */
export async function crawlOnce(hub: Hub, config: Record<string, unknown>, name = `crawl-${process.pid}-${++seq}`): Promise<{ run: Run; name: string; sourceId: number }> {
  const source = await createSource(hub.store.db, { name, kind: 'crawl', config: { retryBaseMs: 5, retryMaxMs: 50, timeoutMs: 5000, ...config } });
  const run = await runSource(hub, name);
  return { run, name, sourceId: source.id };
}

export async function itemsOf(hub: Hub, sourceId: number) {
  const rows = await hub.store.db('items').where({ source_id: sourceId }).orderBy('key');
  return rows.map((r) => ({ ...r, fields: JSON.parse(r.fields) as Record<string, unknown> }));
}

export async function keysOf(hub: Hub, sourceId: number): Promise<string[]> {
  return (await itemsOf(hub, sourceId)).map((r) => r.key as string);
}

export async function errorsOf(hub: Hub, runId: number): Promise<string[]> {
  return (await listRunErrors(hub.store.db, runId)).map((e) => `${e.location}: ${e.message}`);
}

import type { Knex } from 'knex';
import { queueRun } from '../../src/core/runs.js';
import { createSource, removeSource } from '../../src/core/sources.js';
import { describeEachStore } from '../helpers/stores.js';

// better-sqlite3's errors come from another realm when several test files share a worker, so
// rejections are matched by message rather than with toThrow.
const now = '2026-11-26T00:00:00.000Z';
const item = (sourceId: number, runId: number | null, key: string) => ({
  source_id: sourceId,
  run_id: runId,
  key,
  fields: '{}',
  content_hash: `h-${key}`,
  fetched_at: now,
  created_at: now,
  updated_at: now,
});

describeEachStore('items refer to their source and run', (get, kind) => {
  let seq = 0;
  const db = (): Knex => get().hub.store.db;
  async function sourceWithRun(): Promise<{ sourceId: number; runId: number; name: string }> {
    const name = `refs-${++seq}`;
    const source = await createSource(db(), { name, kind: 'file', config: { path: '/dev/null' } });
    return { sourceId: source.id, runId: await queueRun(db(), source.id, 'manual'), name };
  }

  test('an item of a source that does not exist is refused, and nothing of its statement is kept', async () => {
    const { sourceId, runId } = await sourceWithRun();
    await expect(db()('items').insert([item(sourceId, runId, 'ok'), item(999_999, runId, 'orphan')])).rejects.toMatchObject({ message: expect.stringMatching(/foreign key|source that does not exist/i) });
    expect(await db()('items').where({ source_id: sourceId }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  test('an item of a run that does not exist is refused; an item without a run is kept', async () => {
    const { sourceId, runId } = await sourceWithRun();
    await expect(db()('items').insert(item(sourceId, 999_999, 'bad-run'))).rejects.toMatchObject({ message: expect.stringMatching(/foreign key|run that does not exist/i) });
    await db()('items').insert([item(sourceId, runId, 'a'), item(sourceId, null, 'b')]);
    expect(await db()('items').where({ source_id: sourceId }).orderBy('key').pluck('key')).toEqual(['a', 'b']);
  });

  test('moving an item to a run that does not exist is refused; clearing its run is not', async () => {
    const { sourceId, runId } = await sourceWithRun();
    await db()('items').insert(item(sourceId, runId, 'moved'));
    await expect(db()('items').where({ source_id: sourceId }).update({ run_id: 999_999 })).rejects.toMatchObject({ message: expect.stringMatching(/foreign key|run that does not exist/i) });
    await db()('items').where({ source_id: sourceId }).update({ run_id: null, text: 'changed' });
    expect(await db()('items').where({ source_id: sourceId }).first('run_id', 'text')).toEqual({ run_id: null, text: 'changed' });
  });

  test('removing a source removes its items and leaves other sources alone', async () => {
    const gone = await sourceWithRun();
    const kept = await sourceWithRun();
    await db()('items').insert([item(gone.sourceId, gone.runId, 'x'), item(gone.sourceId, gone.runId, 'y'), item(kept.sourceId, kept.runId, 'x')]);
    await removeSource(db(), gone.name);
    expect(await db()('items').whereIn('source_id', [gone.sourceId, kept.sourceId]).pluck('source_id')).toEqual([kept.sourceId]);
  });

  test('deleting a run keeps its items, without a run', async () => {
    const { sourceId, runId } = await sourceWithRun();
    await db()('items').insert(item(sourceId, runId, 'kept'));
    await db()('runs').where({ id: runId }).del();
    expect(await db()('items').where({ source_id: sourceId }).first('key', 'run_id')).toEqual({ key: 'kept', run_id: null });
  });

  // SQLite has one writer at a time: there is no interleaving to test there.
  (kind === 'pg' ? test : test.skip)('a source removed while an import is writing to it takes the import\'s rows with it', async () => {
    const { sourceId, runId, name } = await sourceWithRun();
    const importing = await db().transaction();
    await importing('items').insert([item(sourceId, runId, 'in-flight-1'), item(sourceId, runId, 'in-flight-2')]);
    const removal = removeSource(db(), name);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await importing.commit();
    await removal;
    expect(await db()('items').where({ source_id: sourceId }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});

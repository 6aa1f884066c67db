import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ConflictError, InputError } from '../../src/core/errors.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createSnapshot } from '../../src/ml/snapshots/create-snapshot.js';
import { writeSnapshot } from '../../src/ml/snapshots/snapshot-export.js';
import { getSnapshot, listSnapshots, loadSnapshotRows, streamSnapshotRows } from '../../src/ml/snapshots/snapshot-store.js';
import { describeEachStore } from '../helpers/stores.js';
import { datasetsDir } from '../helpers/shared-data.js';

describeEachStore('snapshots of a labeled source', (get) => {
  beforeAll(async () => {
    const { hub } = get();
    const config = hub.kinds.parseConfig('file', { kind: 'file', path: path.join(datasetsDir, 'iris.csv'), label: 'species', licence: 'CC BY 4.0 (UCI)' }, 'test') as Record<string, unknown>;
    await createSource(hub.store.db, { name: 'iris', kind: 'file', config });
    await runSource(hub, 'iris');
  });

  test('freezes every labeled item with a content hash and a datasheet', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: 'iris-1', source: 'iris', labelField: 'species' });
    expect(snapshot.rowCount).toBe(150);
    expect(snapshot.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshot.datasheet.labelDistribution).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
    expect(snapshot.datasheet.sources).toEqual([{ name: 'iris', kind: 'file', items: 150, licence: 'CC BY 4.0 (UCI)' }]);
    expect(snapshot.datasheet.fields).toEqual(['petal_length', 'petal_width', 'sepal_length', 'sepal_width']);
    const { rows } = await loadSnapshotRows(hub.store.db, 'iris-1');
    expect(rows[0].features).toEqual({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 });
  });

  test('the same content hashes the same, and a name is never reused', async () => {
    const { hub } = get();
    const again = await createSnapshot(hub.store, { name: 'iris-2', source: 'iris', labelField: 'species' });
    expect(again.contentHash).toBe((await getSnapshot(hub.store.db, 'iris-1')).contentHash);
    await expect(createSnapshot(hub.store, { name: 'iris-2', source: 'iris', labelField: 'species' })).rejects.toThrow(ConflictError);
    expect((await listSnapshots(hub.store.db)).map((s) => s.name)).toEqual(['iris-1', 'iris-2']);
  });

  test('a label field no item has is refused', async () => {
    await expect(createSnapshot(get().hub.store, { name: 'bad', source: 'iris', labelField: 'colour' })).rejects.toThrow(InputError);
  });

  test('exports as JSON Lines and CSV', async () => {
    const { hub } = get();
    const { id } = await getSnapshot(hub.store.db, 'iris-1');
    const chunks: string[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    expect(await writeSnapshot(streamSnapshotRows(hub.store.db, id), 'csv', out)).toBe(150);
    const lines = chunks.join('').trim().split('\n');
    expect(lines[0]).toBe('item_id,key,url,label,confidence,petal_length,petal_width,sepal_length,sepal_width');
    expect(lines).toHaveLength(151);
    const jsonl: string[] = [];
    const out2 = new PassThrough();
    out2.on('data', (c: Buffer) => jsonl.push(c.toString()));
    await writeSnapshot(streamSnapshotRows(hub.store.db, id), 'jsonl', out2);
    expect(JSON.parse(jsonl.join('').split('\n')[0])).toMatchObject({ label: 'setosa', features: { sepal_length: 5.1 } });
  });
});

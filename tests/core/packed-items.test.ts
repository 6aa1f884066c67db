import { copyLine, copyLines, itemDone, PackedBatch, PackedItemsWriter, plainItem, type PackedItems } from '../../src/core/packed-items.js';
import { prepareItem, type PreparedItem } from '../../src/core/prepare-item.js';

const AT = '2026-11-26T06:00:00.000Z';
const items: PreparedItem[] = [
  prepareItem({ key: 'a', text: 'plain', fields: { n: 1 } }, null, AT),
  prepareItem({ key: 'tab\tkey', text: 'back\\slash, \\N and\nlines', url: 'https://example.com/x' }, null, AT),
  prepareItem({ key: 'c', text: null, fields: { s: 'café ☕ 𝄞' } }, 'f'.repeat(64), AT),
  prepareItem({ key: 'd', text: '\\N' }, null, AT),
];

function pack(list: readonly PreparedItem[]): PackedItems {
  const writer = new PackedItemsWriter();
  for (const item of list) writer.add(item);
  return writer.take();
}

describe('packed items', () => {
  test('read back exactly as they were packed, nulls and escapes included', () => {
    const views = new PackedBatch(pack(items)).views();

    expect(views.map(plainItem)).toEqual(items);
    expect(views.map((v) => v.key)).toEqual(items.map((i) => i.key));
    const fieldByField = (i: PreparedItem) => [i.url, i.text, i.fields, i.content_hash, i.blob_hash, i.fetched_at];
    expect(views.map(fieldByField)).toEqual(items.map(fieldByField));
  });

  test('their COPY lines are the packed bytes, consecutive items in one piece, other items encoded', () => {
    const views = new PackedBatch(pack(items)).views();
    const extra = prepareItem({ key: 'e', text: 'extra' }, null, AT);
    const pieces = copyLines([views[0], views[1], extra, views[3]]);

    expect(pieces).toHaveLength(3);
    expect(Buffer.concat(pieces).toString()).toBe([items[0], items[1], extra, items[3]].map(copyLine).join(''));
  });

  test('the batch goes back once the ingest is done with every item, once', () => {
    const packed = pack(items);
    const returned: PackedItems[] = [];
    const views = new PackedBatch(packed, (p) => returned.push(p)).views();
    for (const view of views.slice(0, 3)) itemDone(view);
    itemDone(views[0]);

    expect(returned).toEqual([]);
    itemDone(views[3]);
    expect(returned).toEqual([packed]);
  });

  test('a writer fills buffers given back instead of new ones', () => {
    const writer = new PackedItemsWriter();
    for (const item of items) writer.add(item);
    const first = writer.take();
    writer.reuse(first);
    for (const item of items.slice(0, 2)) writer.add(item);
    const second = writer.take();

    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(new PackedBatch(second).views().map(plainItem)).toEqual(items.slice(0, 2));
  });
});

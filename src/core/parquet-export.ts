import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ByteWriter, parquetWriteRows } from 'hyparquet-writer';
import type { Item } from './items.js';

const ROW_GROUP = 10_000;

/**
 * A hyparquet-writer sink over a Node stream: bytes accumulate for one row group, then go out
 * with backpressure, so memory stays bounded by a row group whatever the export's size.
 */
class StreamByteWriter extends ByteWriter {
  constructor(private readonly out: Writable) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

/** Items as Parquet with the export's columns; `fields` is a JSON column, so nesting survives. */
export async function writeParquet(items: AsyncIterable<Item>, out: Writable): Promise<number> {
  let n = 0;
  async function* rows() {
    for await (const item of items) {
      n++;
      yield item;
    }
  }
  const writer = new StreamByteWriter(out);
  await parquetWriteRows({
    writer,
    rows: rows(),
    columns: [
      { name: 'id', type: 'INT32', nullable: false },
      { name: 'source', type: 'STRING', nullable: false },
      { name: 'key', type: 'STRING', nullable: false },
      { name: 'url', type: 'STRING' },
      { name: 'text', type: 'STRING' },
      { name: 'fields', type: 'JSON', nullable: false },
      { name: 'contentHash', type: 'STRING', nullable: false },
      { name: 'fetchedAt', type: 'STRING', nullable: false },
    ],
    rowGroupSize: ROW_GROUP,
    createdBy: 'trove',
  });
  await writer.flush();
  return n;
}

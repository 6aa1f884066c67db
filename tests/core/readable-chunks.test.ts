import { Readable } from 'node:stream';
import { readableChunks } from '../../src/connectors/file/readable-chunks.js';

describe('reading an object stream a chunk at a time', () => {
  test('a stream that fails yields every item it produced before the error, then the error', async () => {
    const stream = new Readable({ objectMode: true, read: () => undefined });
    for (const item of [1, 2, 3]) stream.push(item);
    // Failing before the consumer read anything: the items stay buffered in the destroyed stream.
    stream.destroy(new Error('bad input at the end'));
    const seen: number[] = [];

    await expect(
      (async () => {
        for await (const chunk of readableChunks<number>(stream)) seen.push(...chunk);
      })(),
    ).rejects.toThrow('bad input at the end');
    expect(seen).toEqual([1, 2, 3]);
  });

  test('a stream that ends yields all its items', async () => {
    const seen: number[] = [];
    for await (const chunk of readableChunks<number>(Readable.from([1, 2, 3, 4]))) seen.push(...chunk);

    expect(seen).toEqual([1, 2, 3, 4]);
  });
});

import { finished, type Readable } from 'node:stream';

/**
 * An object-mode stream's items, as arrays of whatever it has buffered. Iterating a stream item
 * by item costs a promise per item; a CSV parser buffers thousands of rows per input chunk, so
 * this takes one per chunk. An error ends it after every item the stream produced before it, and
 * leaving early destroys the stream.
 */
export async function* readableChunks<T>(stream: Readable): AsyncGenerator<T[]> {
  let wake: () => void = () => undefined;
  const onReadable = () => wake();
  stream.on('readable', onReadable);
  // undefined while the stream is open; null once it ended cleanly.
  let error: Error | null | undefined;
  const stopWatching = finished(stream, { writable: false }, (err) => {
    error = err ?? null;
    wake();
  });
  try {
    for (;;) {
      const chunk: T[] = [];
      for (let item = read<T>(stream); item !== null; item = read<T>(stream)) chunk.push(item);
      if (chunk.length > 0) yield chunk;
      else if (error) throw error;
      else if (error === null) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', onReadable);
    stopWatching();
    if (error === undefined) stream.destroy();
  }
}

/**
 * Unlike the stream's own iterator, items still buffered when the stream is destroyed by an error
 * are read: a CSV parser that fails at the end of its input has the rows before the bad one
 * buffered while a slow consumer (a store, a full prepare queue) has not read them yet.
 */
function read<T>(stream: Readable): T | null {
  return stream.destroyed && stream.readableLength === 0 ? null : (stream.read() as T | null);
}

import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { InputError } from '../../core/errors.js';
import { quotePrefix } from './content-quote.js';
import type { TabularRow } from './delimited-reader.js';
import { LineTooLongError } from './open-input.js';

/** Streams JSON Lines: one object per line, blank lines skipped; a bad line stops with file, line and reason. */
export async function* readJsonl(stream: Readable, opts: { file: string }): AsyncGenerator<TabularRow> {
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      yield { line, values: parseObject(text, opts.file, line) };
    }
  } catch (err) {
    if (err instanceof LineTooLongError) throw new InputError(`${opts.file}:${line + 1}: ${err.message}`);
    throw err;
  } finally {
    // Left early (only the first row was wanted): stop reading, or a later failure would have no listener.
    stream.destroy();
  }
}

export function parseObject(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}:${line}: invalid JSON (${quotePrefix((err as Error).message)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${file}:${line}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The most characters of a file's own content that an error message repeats. */
const MAX_QUOTED = 60;

/**
 * A short, quoted prefix of text read from a file, for error messages: a file may be anything the
 * hub can read (a process's environment, a secrets file), so an error never repeats more of it.
 */
export function quotePrefix(text: string, max = MAX_QUOTED): string {
  const cut = text.length > max;
  return `${JSON.stringify(cut ? text.slice(0, max) : text)}${cut ? '…' : ''}`;
}

/** The header's first columns as one short quoted prefix, and how many there are. */
export function headerPrefix(columns: readonly string[]): string {
  return `${columns.length} column${columns.length === 1 ? '' : 's'}, header starts ${quotePrefix(columns.join(','))}`;
}

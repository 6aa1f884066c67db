/** Follows a dotted path ("data.items", "meta.next_cursor") into parsed JSON; "" is the value itself. */
export function getPath(value: unknown, dotted: string | undefined): unknown {
  if (!dotted) return value;
  let current: unknown = value;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

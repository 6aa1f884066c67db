/** An item as the review lists receive it. */
export interface ListedItem {
  id: number;
  key: string;
  text: string | null;
  fields: Record<string, unknown>;
  url: string | null;
}

const MAX_CHARS = 140;

function fieldValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * How a list names an item: its key, then its text, or its address, or its fields when it has
 * neither, so tabular items can be told apart too.
 */
export function itemSummary(item: ListedItem): string {
  const body = item.text ?? item.url ?? Object.entries(item.fields).map(([name, value]) => `${name}=${fieldValue(value)}`).join(', ');
  const line = body ? `${item.key} · ${body}` : item.key;
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS)}…` : line;
}

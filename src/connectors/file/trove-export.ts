import type { RecordInput } from '../../core/source.js';

/** The columns `trove items export` writes, in every format. */
export const EXPORT_COLUMNS = ['id', 'source', 'key', 'url', 'text', 'fields', 'contentHash', 'fetchedAt'] as const;

export function isTroveExport(columns: string[]): boolean {
  return columns.length === EXPORT_COLUMNS.length && EXPORT_COLUMNS.every((c) => columns.includes(c));
}

/**
 * A row of a Trove export back as the record it came from: same key, url, text, fields and fetch
 * time, so the imported item has the same content hash as the exported one.
 */
export function recordFromExport(values: Record<string, unknown>): RecordInput {
  const fields = typeof values.fields === 'string' ? (JSON.parse(values.fields) as Record<string, unknown>) : (values.fields as Record<string, unknown>);
  return {
    key: String(values.key),
    url: values.url === null || values.url === undefined ? null : String(values.url),
    text: values.text === null || values.text === undefined ? null : String(values.text),
    fields: fields ?? {},
    fetchedAt: typeof values.fetchedAt === 'string' ? values.fetchedAt : undefined,
  };
}

import { InputError } from '../../core/errors.js';
import { prepareSerialized, type PreparedItem } from '../../core/prepare-item.js';
import type { Timestamp } from '../../core/time.js';
import type { RowMapping } from './file-rows.js';
import { cellJson } from './tabular-value.js';

/**
 * Prepares a delimited file's records straight from their cells. The fields are serialised to the
 * exact text JSON.stringify gives for the row object the other readers build (same key order,
 * same escaping), so the content hashes are the same, without the object, the copy without the
 * text column, and the generic serialisation.
 */
export class CellItems {
  private constructor(
    private readonly mapping: RowMapping,
    private readonly label: string,
    private readonly keyAt: number,
    private readonly textAt: number,
    /** Per field, in the order JSON.stringify lists the row object's keys: its column ... */
    private readonly fieldAt: readonly number[],
    /** ... and what precedes its value: `{"name":` for the first, `,"name":` after. */
    private readonly prefixes: readonly string[],
  ) {}

  /**
   * undefined when the row objects are needed: a Trove export is restored from them, a column
   * named `__proto__` is not an own property of a row object (its fields would differ), and a
   * named column the header lacks is the object path's to report.
   */
  static of(columns: readonly string[], mapping: RowMapping, label: string): CellItems | undefined {
    const keyAt = mapping.key === undefined ? -1 : columns.indexOf(mapping.key);
    const textAt = mapping.text === undefined ? -1 : columns.indexOf(mapping.text);
    const missing = (mapping.key !== undefined && keyAt < 0) || (mapping.text !== undefined && textAt < 0);
    if (mapping.restore || missing || columns.includes('__proto__')) return undefined;
    const fieldAt = fieldOrder(columns, mapping.text);
    const prefixes = fieldAt.map((at, j) => `${j === 0 ? '{' : ','}${JSON.stringify(columns[at])}:`);
    return new CellItems(mapping, label, keyAt, textAt, fieldAt, prefixes);
  }

  /** The record's item; throws as the object path would (empty key, with file and line). */
  item(cells: readonly string[], line: number, readAt: Timestamp): PreparedItem {
    let key: string;
    if (this.keyAt >= 0) {
      key = cells[this.keyAt];
      if (key === '') throw new InputError(`${this.label}:${line}: key column "${this.mapping.key}" is empty`);
    } else {
      key = String(line);
    }
    const text = this.textAt >= 0 && cells[this.textAt] !== '' ? cells[this.textAt] : null;
    return prepareSerialized(key, text, this.fields(cells), readAt);
  }

  private fields(cells: readonly string[]): string {
    const { fieldAt, prefixes } = this;
    if (fieldAt.length === 0) return '{}';
    let json = '';
    for (let j = 0; j < fieldAt.length; j++) json += prefixes[j] + cellJson(cells[fieldAt[j]]);
    return `${json}}`;
  }
}

/**
 * The field columns in the order an object built column by column lists its keys: names that are
 * array indices ("0", "17") first in numeric order, then the others as they come. An object built
 * once per header gives that order exactly as the object path would.
 */
function fieldOrder(columns: readonly string[], textColumn: string | undefined): number[] {
  const at: Record<string, number> = {};
  columns.forEach((name, i) => {
    if (name !== textColumn) at[name] = i;
  });
  return Object.keys(at).map((name) => at[name]);
}

/**
 * CSV injection (OWASP): a spreadsheet opening an exported CSV runs a cell that starts with `=`,
 * `+`, `-` or `@` (or a tab, carriage return or NUL before one) as a formula, so scraped or annotated
 * text could compute, link out or run commands on the reader's machine. Such cells get a leading
 * single quote, which spreadsheets show as text; plain numbers (-3.5, +1e3) stay numbers.
 * Machine-to-machine exports can turn this off (`rawCells`) to keep every value byte for byte.
 */
const FORMULA_START = /^[=+\-@\t\r\0]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface CsvCellOptions {
  /** Write cells exactly as stored, formula-like ones included. */
  rawCells?: boolean;
}

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** The csv-stringify `cast` for string cells under these options. */
export function stringCast(opts: CsvCellOptions): { string?: (value: string) => string } {
  return opts.rawCells ? {} : { string: neutralizeCell };
}

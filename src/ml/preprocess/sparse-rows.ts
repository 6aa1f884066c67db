/**
 * Rows of a wide, mostly-zero feature space (TF-IDF) in compressed sparse row form: row i's
 * non-zero columns are `indices[indptr[i] .. indptr[i+1])` with their `values`. Training and
 * serving keep rows this way and build a dense matrix one batch at a time.
 */
export interface SparseRows {
  width: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Appends rows one at a time; each row's columns are given in increasing order. */
export class SparseRowsBuilder {
  private indices: Int32Array;
  private values: Float32Array;
  private readonly indptr: Int32Array;
  private rows = 0;
  private end = 0;

  constructor(
    private readonly width: number,
    n: number,
    expectedNonZeros = n * 16,
  ) {
    this.indptr = new Int32Array(n + 1);
    this.indices = new Int32Array(Math.max(expectedNonZeros, 16));
    this.values = new Float32Array(this.indices.length);
  }

  push(columns: ArrayLike<number>, values: ArrayLike<number>, offset = 0): void {
    this.reserve(this.end + columns.length);
    for (let j = 0; j < columns.length; j++) {
      this.indices[this.end + j] = columns[j] + offset;
      this.values[this.end + j] = values[j];
    }
    this.end += columns.length;
  }

  /** Ends the current row (several `push` calls may fill it, one per text field). */
  endRow(): void {
    this.indptr[++this.rows] = this.end;
  }

  build(): SparseRows {
    const nnz = this.end;
    return { width: this.width, indptr: this.indptr.slice(0, this.rows + 1), indices: this.indices.slice(0, nnz), values: this.values.slice(0, nnz) };
  }

  private reserve(size: number): void {
    if (size <= this.indices.length) return;
    const grown = Math.max(size, this.indices.length * 2);
    const indices = new Int32Array(grown);
    indices.set(this.indices);
    const values = new Float32Array(grown);
    values.set(this.values);
    this.indices = indices;
    this.values = values;
  }
}

/** Rows `rows` of `x` as one dense row-major block. */
export function densify(x: SparseRows, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * x.width);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const base = r * x.width;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) out[base + x.indices[p]] = x.values[p];
  }
  return out;
}

/** The rows `picks` of `x`, in that order (repeats allowed), as a new sparse block. */
export function selectSparseRows(x: SparseRows, picks: ArrayLike<number>): SparseRows {
  let nnz = 0;
  for (let r = 0; r < picks.length; r++) nnz += x.indptr[picks[r] + 1] - x.indptr[picks[r]];
  const indptr = new Int32Array(picks.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < picks.length; r++) {
    const from = x.indptr[picks[r]];
    const to = x.indptr[picks[r] + 1];
    indices.set(x.indices.subarray(from, to), at);
    values.set(x.values.subarray(from, to), at);
    at += to - from;
    indptr[r + 1] = at;
  }
  return { width: x.width, indptr, indices, values };
}

/** Several blocks of rows of the same width, one after another. */
export function concatSparseRows(parts: SparseRows[]): SparseRows {
  const n = parts.reduce((s, p) => s + p.indptr.length - 1, 0);
  const nnz = parts.reduce((s, p) => s + p.indices.length, 0);
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let row = 0;
  let at = 0;
  for (const part of parts) {
    indices.set(part.indices, at);
    values.set(part.values, at);
    for (let i = 1; i < part.indptr.length; i++) indptr[row + i] = at + part.indptr[i];
    row += part.indptr.length - 1;
    at += part.indices.length;
  }
  return { width: parts[0].width, indptr, indices, values };
}

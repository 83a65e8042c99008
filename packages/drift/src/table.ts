import type { WorkerPool } from '@mlops/core'

/**
 * A loaded data file, typed into columns by the reference README's rules.
 *
 * Column arrays are plain `Float64Array`/`Int32Array` rather than `<ArrayBuffer>` (CONVENTIONS §10), on
 * purpose: a file parsed in a pool worker comes back in SharedArrayBuffers, so neither the reply nor the
 * test tasks that read the columns copy them.
 */

export interface NumericColumn {
  name: string
  kind: 'numeric'
  /** One entry per row; NaN where the cell was empty or "nan". ±Infinity kept (dropped before tests). */
  values: Float64Array
  /** No empty cell in this file and every cell an integer literal (pandas int64): numpy's sturges width is then ≥ 1. */
  isInteger: boolean
}

export interface CategoricalColumn {
  name: string
  kind: 'categorical'
  /** One entry per row: index into `labels`, -1 for an empty cell. */
  codes: Int32Array
  /** Distinct non-empty cell texts, in first-seen order. */
  labels: string[]
}

export type TableColumn = NumericColumn | CategoricalColumn

export type TableFormat = 'csv' | 'jsonl' | 'parquet'

export interface Table {
  /** The file it was read from, as given. */
  source: string
  format: TableFormat
  rowCount: number
  columns: TableColumn[]
}

export interface LoadTableOptions {
  signal?: AbortSignal
  /** Read only these columns (others are skipped while parsing); names not in the file are ignored. */
  columns?: readonly string[]
  /** Columns to read as text (categorical) even when every cell is a number. */
  textColumns?: readonly string[]
  /** Core's worker pool: a large CSV file is then parsed by all its threads at once (byte ranges). */
  pool?: WorkerPool
  /** Force a format instead of choosing by extension (.csv, .jsonl/.ndjson, .parquet). */
  format?: TableFormat
}

/** Bytes held by a table's column arrays. */
export function tableBytes(table: Table): number {
  let total = 0
  for (const c of table.columns) total += c.kind === 'numeric' ? c.values.byteLength : c.codes.byteLength
  return total
}

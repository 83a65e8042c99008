/**
 * A column reduced to what the drift tests need: numeric columns as their finite values sorted ascending
 * plus the integer flag; categorical columns as row codes (missing rows dropped) into their labels. This is
 * also exactly what a reference profile stores, so a profile and its raw file give identical results.
 */
export interface PreparedNumeric {
  name: string
  kind: 'numeric'
  /** Finite values, ascending (empty cells, NaN and ±Infinity dropped). */
  sorted: Float64Array
  /** pandas int64 in its file: no empty cell and every cell an integer literal. */
  isInteger: boolean
  /** Rows in the file, and rows dropped as missing or infinite. */
  rows: number
  missing: number
}

export interface PreparedCategorical {
  name: string
  kind: 'categorical'
  labels: string[]
  /** Index into `labels` for each non-empty cell, in row order (TVD's permutation replays rows). */
  codes: Int32Array
  rows: number
  missing: number
}

export type PreparedColumn = PreparedNumeric | PreparedCategorical

/** Count per label. */
export function categoryCounts(column: PreparedCategorical): Float64Array<ArrayBuffer> {
  const counts = new Float64Array(column.labels.length)
  const codes = column.codes
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++
  return counts
}

/**
 * Builders for prepared columns.
 */
import { countLabels, countsFromProfile } from '../categorical/counts.js'
import type { CategoricalColumnData, NumericColumnData } from './types.js'

export interface NumericColumnOptions {
  /** The source column has an integer dtype (see `NumericColumnData.isInteger`). Default false. */
  readonly isInteger?: boolean
  /** Keep the finite values in row order too (`NumericColumnData.rowOrder`, used by empirical_mmd). Default false. */
  readonly keepRowOrder?: boolean
}

/**
 * A numeric sample from raw values: drops NaN and ±infinity (Evidently drops them per sample), then
 * sorts ascending (keeping a row-order copy if asked). The input is not modified.
 */
export function numericColumn(values: ArrayLike<number>, options: NumericColumnOptions = {}): NumericColumnData {
  let finite = 0
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite++
  const sorted = new Float64Array(finite)
  let k = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) sorted[k++] = v
  }
  const column: NumericColumnData = { kind: 'numeric', sorted, isInteger: options.isInteger ?? false }
  if (options.keepRowOrder) {
    const rowOrder = Float64Array.from(sorted)
    sorted.sort()
    return { ...column, rowOrder }
  }
  sorted.sort()
  return column
}

/** A categorical sample from raw labels in row order (drop missing values first). */
export function categoricalColumn(labels: readonly string[]): CategoricalColumnData {
  return { kind: 'categorical', ...countLabels(labels) }
}

/** A categorical sample from a stored profile: category → count, without row order. */
export function categoricalColumnFromProfile(
  profile: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): CategoricalColumnData {
  return { kind: 'categorical', ...countsFromProfile<string>(profile) }
}

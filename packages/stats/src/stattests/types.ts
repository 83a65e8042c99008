/**
 * Prepared columns and results of the stattest registry.
 */
import type { CategoryCounts } from '../categorical/counts.js'

/** Evidently's stattest ids. */
export type StatTestId =
  | 'ks'
  | 'chisquare'
  | 'z'
  | 'jensenshannon'
  | 'kl_div'
  | 'psi'
  | 'wasserstein'
  | 'anderson'
  | 'cramer_von_mises'
  | 'mannw'
  | 't_test'
  | 'ed'
  | 'es'
  | 'hellinger'
  | 'TVD'
  | 'fisher_exact'
  | 'g_test'
  | 'empirical_mmd'

export type ColumnKind = 'numeric' | 'categorical'

/**
 * A numeric column sample: finite values, ascending. Missing values and ±infinity are dropped per
 * sample before (as Evidently does). `isInteger` is the source dtype (pandas int64: no missing cell
 * and every cell an integer literal), which changes numpy's 'sturges' bins for psi/kl_div/
 * jensenshannon/hellinger; it is a property of the file, not of the values (1.0 in a float column
 * is not integer-typed).
 */
export interface NumericColumnData {
  readonly kind: 'numeric'
  readonly sorted: Float64Array
  readonly isInteger: boolean
  /**
   * Optional: the same finite values in row order. Only empirical_mmd uses it: its permutation
   * p-value replays numpy's legacy generator over the rows, so in row order it draws the same
   * permutations as Evidently (from the sorted values it is an equally valid estimate).
   */
  readonly rowOrder?: Float64Array
}

/**
 * A categorical column sample: category counts, from raw labels (with row codes, which make TVD's
 * permutation p-value bit-identical to Evidently's) or from a stored profile (category → count).
 * Values are compared as strings.
 */
export interface CategoricalColumnData extends CategoryCounts<string> {
  readonly kind: 'categorical'
}

export type ColumnData = NumericColumnData | CategoricalColumnData

/** What a kernel returns; `pValue` is null for distances, `statistic` null where Evidently has none. */
export interface StatResult {
  readonly statistic: number | null
  readonly pValue: number | null
}

/** The drift verdict rule of a test, in the words of the reference generator. */
export type DriftRule = 'pValue <= threshold' | 'pValue < threshold' | 'statistic >= threshold' | 'statistic > threshold'

export interface StatTestSuccess {
  readonly test: StatTestId
  readonly statistic: number | null
  readonly pValue: number | null
  readonly threshold: number
  readonly drift: boolean
}

/** The test could not be computed on these samples (where Evidently/scipy raise). */
export interface StatTestFailure {
  readonly test: StatTestId
  readonly error: string
}

export type StatTestOutcome = StatTestSuccess | StatTestFailure

/**
 * Evidently's binned distances for numeric columns (`get_binned_data` in its stattests utils, and
 * the numeric branch of `hellinger`), on ascending finite samples.
 */
import { StatsInputError } from '../errors.js'
import {
  fillZeroShares,
  hellingerFromDensities,
  jensenShannonFromShares,
  klDivFromShares,
  psiFromShares,
} from './distances.js'
import { histogramSorted, sturgesEdges } from './histogram.js'
import { alignSortedValueCounts, countDistinctSorted, countDistinctUnionSorted } from './value-counts.js'

/** A numeric sample prepared for the binned distances. */
export interface SortedSample {
  /** Finite values in ascending order (missing and ±infinity already dropped). */
  readonly sorted: Float64Array
  /**
   * Whether the column has an integer dtype in its source (pandas int64: no missing cell, every cell an
   * integer literal). numpy raises the 'sturges' bin width to 1 for integer arrays, which changes the bins.
   */
  readonly isInteger: boolean
}

/** Shares of reference and current over common bins. */
export interface BinnedShares {
  readonly reference: Float64Array
  readonly current: Float64Array
  /** `sturges`: numpy 'sturges' edges over reference+current; `values`: one bin per distinct value of the union. */
  readonly method: 'sturges' | 'values'
  readonly bins: number
}

/** Above this many distinct reference values Evidently switches from value bins to 'sturges' edges. */
export const MAX_VALUE_BINS = 20

export interface DistanceResult {
  readonly statistic: number
  readonly pValue: null
}

function requireValues(reference: SortedSample, current: SortedSample, test: string): void {
  if (reference.sorted.length === 0 || current.sorted.length === 0) {
    const which = reference.sorted.length === 0 ? 'reference' : 'current'
    throw new StatsInputError(test, `the ${which} sample has no finite values`, 'a binned distance needs values in both samples')
  }
}

function shares(counts: Float64Array, n: number): Float64Array {
  const out = new Float64Array(counts.length)
  for (let i = 0; i < out.length; i++) out[i] = counts[i]! / n
  return out
}

/**
 * Evidently's `get_binned_data` for a numeric column: more than 20 distinct reference values →
 * `np.histogram_bin_edges(reference + current, "sturges")` (integer rule when both samples are
 * integer-typed, as their concatenation then is), else one bin per distinct value of the union.
 * With `fillZeroes`, zero shares are replaced as PSI and KL do.
 */
export function binNumeric(reference: SortedSample, current: SortedSample, fillZeroes: boolean, test: string): BinnedShares {
  requireValues(reference, current, test)
  const ref = reference.sorted
  const cur = current.sorted
  let result: BinnedShares
  if (countDistinctSorted(ref) > MAX_VALUE_BINS) {
    const min = Math.min(ref[0]!, cur[0]!)
    const max = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!)
    const edges = sturgesEdges(ref.length + cur.length, min, max, reference.isInteger && current.isInteger, test)
    result = {
      reference: shares(histogramSorted(ref, edges), ref.length),
      current: shares(histogramSorted(cur, edges), cur.length),
      method: 'sturges',
      bins: edges.length - 1,
    }
  } else {
    const counts = alignSortedValueCounts(ref, cur)
    result = {
      reference: shares(counts.reference, ref.length),
      current: shares(counts.current, cur.length),
      method: 'values',
      bins: counts.values.length,
    }
  }
  if (fillZeroes) {
    fillZeroShares(result.reference, test)
    fillZeroShares(result.current, test)
  }
  return result
}

/** Evidently `psi` on a numeric column. */
export function psiNumeric(reference: SortedSample, current: SortedSample): DistanceResult {
  const b = binNumeric(reference, current, true, 'psi')
  return { statistic: psiFromShares(b.reference, b.current), pValue: null }
}

/** Evidently `kl_div` on a numeric column. */
export function klDivNumeric(reference: SortedSample, current: SortedSample): DistanceResult {
  const b = binNumeric(reference, current, true, 'kl_div')
  return { statistic: klDivFromShares(b.reference, b.current), pValue: null }
}

/** Evidently `jensenshannon` on a numeric column (no zero-share replacement). */
export function jensenShannonNumeric(reference: SortedSample, current: SortedSample): DistanceResult {
  const b = binNumeric(reference, current, false, 'jensenshannon')
  return { statistic: jensenShannonFromShares(b.reference, b.current), pValue: null }
}

/**
 * Evidently `hellinger` on a numeric column. Unlike PSI/KL/JS, its 'sturges' edges are computed over
 * the distinct values of reference+current (so the sample size in Sturges' rule is the number of
 * distinct values), always, and it compares histogram densities times the bin width.
 */
export function hellingerNumeric(reference: SortedSample, current: SortedSample): DistanceResult {
  requireValues(reference, current, 'hellinger')
  const ref = reference.sorted
  const cur = current.sorted
  const distinct = countDistinctUnionSorted(ref, cur)
  const min = Math.min(ref[0]!, cur[0]!)
  const max = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!)
  const edges = sturgesEdges(distinct, min, max, reference.isInteger && current.isInteger, 'hellinger')
  const h1 = density(histogramSorted(ref, edges), edges)
  const h2 = density(histogramSorted(cur, edges), edges)
  const width = (edges[edges.length - 1]! - edges[0]!) / (edges.length - 1)
  return { statistic: hellingerFromDensities(h1, h2, width), pValue: null }
}

/** `np.histogram(..., density=True)`: counts / bin width / total count. */
function density(counts: Float64Array, edges: Float64Array): Float64Array {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  const out = new Float64Array(counts.length)
  for (let i = 0; i < out.length; i++) out[i] = counts[i]! / (edges[i + 1]! - edges[i]!) / total
  return out
}

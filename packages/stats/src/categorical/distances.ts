/**
 * PSI, KL, Jensen-Shannon and Hellinger on category shares (Evidently's value-count binning: one bin
 * per category of reference ∪ current, in sorted order).
 */
import {
  fillZeroShares,
  hellingerFromShares,
  jensenShannonFromShares,
  klDivFromShares,
  psiFromShares,
} from '../binned/distances.js'
import type { AlignedCategoryCounts } from './counts.js'
import { requireBothSamples } from './counts.js'

export interface CategoricalDistanceResult {
  readonly statistic: number
  readonly pValue: null
}

function shares(counts: Float64Array, total: number): Float64Array {
  const out = new Float64Array(counts.length)
  for (let i = 0; i < out.length; i++) out[i] = counts[i]! / total
  return out
}

function sharesOf(a: AlignedCategoryCounts, test: string, fillZeroes: boolean): [Float64Array, Float64Array] {
  requireBothSamples(a, test)
  const r = shares(a.reference, a.referenceTotal)
  const c = shares(a.current, a.currentTotal)
  if (fillZeroes) {
    fillZeroShares(r, test)
    fillZeroShares(c, test)
  }
  return [r, c]
}

/** Evidently `psi` on categories (zero shares replaced by min/1e6 or 1e-4). */
export function psiCategorical(a: AlignedCategoryCounts): CategoricalDistanceResult {
  const [r, c] = sharesOf(a, 'psi', true)
  return { statistic: psiFromShares(r, c), pValue: null }
}

/** Evidently `kl_div` on categories (zero shares replaced as for PSI). */
export function klDivCategorical(a: AlignedCategoryCounts): CategoricalDistanceResult {
  const [r, c] = sharesOf(a, 'kl_div', true)
  return { statistic: klDivFromShares(r, c), pValue: null }
}

/** Evidently `jensenshannon` on categories. */
export function jensenShannonCategorical(a: AlignedCategoryCounts): CategoricalDistanceResult {
  const [r, c] = sharesOf(a, 'jensenshannon', false)
  return { statistic: jensenShannonFromShares(r, c), pValue: null }
}

/** Evidently `hellinger` on categories: `sqrt(1 - sum(sqrt(r * c)))` over category shares. */
export function hellingerCategorical(a: AlignedCategoryCounts): CategoricalDistanceResult {
  const [r, c] = sharesOf(a, 'hellinger', false)
  return { statistic: hellingerFromShares(r, c), pValue: null }
}

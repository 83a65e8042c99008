/**
 * Evidently's categorical stattests (chisquare, z, g_test) on aligned category counts, with
 * scipy's arithmetic: `stats.chisquare` / `stats.power_divergence` (including their check that the
 * observed and expected totals agree) and Evidently's own two-proportion z statistic.
 */
import { StatsInputError } from '../errors.js'
import { numpySum } from '../binned/pairwise-sum.js'
import { chi2Sf } from '../special/index.js'
import { normalCdf } from '../special/index.js'
import type { AlignedCategoryCounts } from './counts.js'
import { requireBothSamples } from './counts.js'

export interface CategoricalTestResult {
  /** The test statistic; null where Evidently defines none (z on a single shared value). */
  readonly statistic: number | null
  readonly pValue: number
}

/** scipy's `sqrt(eps)` tolerance on |sum(observed) - sum(expected)| / min(sums). */
const SUM_RTOL = Math.sqrt(Number.EPSILON)

/** scipy.special.chdtrc(df, x), including its df = 0 limit (0 for x > 0, NaN at x = 0). */
export function chiSquareSurvival(x: number, df: number): number {
  if (Number.isNaN(x) || x < 0) return NaN
  if (df === 0) return x > 0 ? 0 : NaN
  if (x === Infinity) return 0
  return chi2Sf(x, df)
}

function checkTotals(observed: Float64Array, expected: Float64Array, test: string, hint: string): void {
  const obsSum = numpySum(observed)
  const expSum = numpySum(expected)
  const relative = Math.abs(obsSum - expSum) / Math.min(obsSum, expSum)
  if (relative > SUM_RTOL) {
    throw new StatsInputError(
      test,
      `the sum of the observed frequencies (${obsSum}) must agree with the sum of the expected frequencies (${expSum}) ` +
        `to a relative tolerance of ${SUM_RTOL}, but differs by ${relative}`,
      hint,
    )
  }
}

/**
 * Evidently `chisquare`: Pearson's chi-square of the current counts against the reference counts
 * scaled to the current total (`f_exp = ref * (n_cur / n_ref)`), df = categories - 1. A category
 * absent from the reference gives an infinite statistic and p = 0.
 */
export function chiSquare(a: AlignedCategoryCounts): CategoricalTestResult {
  requireBothSamples(a, 'chisquare')
  const k = a.categories.length
  const kNorm = a.currentTotal / a.referenceTotal
  const expected = new Float64Array(k)
  for (let i = 0; i < k; i++) expected[i] = a.reference[i]! * kNorm
  checkTotals(a.current, expected, 'chisquare', 'scaled reference counts should add up to the current total')
  const terms = new Float64Array(k)
  for (let i = 0; i < k; i++) {
    const d = a.current[i]! - expected[i]!
    terms[i] = (d * d) / expected[i]!
  }
  const statistic = numpySum(terms)
  return { statistic, pValue: chiSquareSurvival(statistic, k - 1) }
}

/**
 * Evidently `g_test`: the log-likelihood ratio `power_divergence(current, reference, "log-likelihood")`
 * on raw counts. scipy requires both totals to agree, so samples of different sizes raise (as in Evidently).
 */
export function gTest(a: AlignedCategoryCounts): CategoricalTestResult {
  requireBothSamples(a, 'g_test')
  const k = a.categories.length
  checkTotals(
    a.current,
    a.reference,
    'g_test',
    'Evidently compares raw counts, so reference and current need the same number of values',
  )
  const terms = new Float64Array(k)
  for (let i = 0; i < k; i++) terms[i] = 2.0 * xlogy(a.current[i]!, a.current[i]! / a.reference[i]!)
  const statistic = numpySum(terms)
  return { statistic, pValue: chiSquareSurvival(statistic, k - 1) }
}

/** scipy.special.xlogy: x log(y), 0 when x = 0 and y is not NaN. */
function xlogy(x: number, y: number): number {
  if (x === 0 && !Number.isNaN(y)) return 0
  return x * Math.log(y)
}

/**
 * Evidently `z`: two-proportion z test where "success" is any value other than the first category in
 * sorted order; p = 2 (1 - Phi(|z|)). Both samples holding one and the same value gives p = 1 and no
 * statistic.
 */
export function zTest(a: AlignedCategoryCounts): CategoricalTestResult {
  requireBothSamples(a, 'z')
  if (a.categories.length === 1) return { statistic: null, pValue: 1 }
  const n1 = a.referenceTotal
  const n2 = a.currentTotal
  const p1 = (n1 - a.reference[0]!) / n1
  const p2 = (n2 - a.current[0]!) / n2
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) }
}

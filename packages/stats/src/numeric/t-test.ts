/**
 * Student's two-sample t-test with pooled variance, two-sided: scipy.stats.ttest_ind(reference,
 * current) with its defaults (equal_var=True), as Evidently's `t_test` calls it.
 */
import { studentTSf } from '../special/distributions.js'
import { meanVariance } from './summation.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

/**
 * t = (mean_ref - mean_cur) / sqrt(s_p² (1/n1 + 1/n2)), df = n1 + n2 - 2, p = 2 P(T_df > |t|).
 * Like scipy this never throws on degenerate input: equal constant samples give NaN (0/0),
 * different constants ±Infinity with p = 0, an empty sample NaN.
 * Inputs: finite values sorted ascending. O(n + m).
 */
export function tTest(reference: Float64Array, current: Float64Array): TwoSampleResult {
  assertSortedFinite('t_test', reference, 'reference')
  assertSortedFinite('t_test', current, 'current')
  const n1 = reference.length
  const n2 = current.length
  if (n1 === 0 || n2 === 0) return { statistic: NaN, pValue: NaN }
  const a = meanVariance(reference, 1)
  const b = meanVariance(current, 1)
  // a single observation has no variance, but its (n - 1) weight is 0 in the pooled variance
  const v1 = n1 === 1 ? 0 : a.variance
  const v2 = n2 === 1 ? 0 : b.variance
  const df = n1 + n2 - 2
  const svar = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
  const denom = Math.sqrt(svar * (1 / n1 + 1 / n2))
  const t = (a.mean - b.mean) / denom
  const p = 2 * studentTSf(Math.abs(t), df)
  return { statistic: t, pValue: p }
}

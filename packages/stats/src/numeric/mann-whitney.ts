/**
 * Mann-Whitney U test as Evidently's `mannw` calls it: scipy.stats.mannwhitneyu(reference, current,
 * alternative='less') with scipy's defaults (continuity correction, method='auto').
 *
 * The statistic is U1 of the reference sample (midranks for ties). The p-value is P(U2 >= u2) for
 * U2 = n1 n2 - U1: exact (the null distribution's frequencies by the recurrence behind scipy's
 * `_MWU`) when one sample has at most 8 values and there are no ties, otherwise the normal
 * approximation with tie-corrected variance and a 0.5 continuity correction.
 */
import { StatsInputError } from '../errors.js'
import { normalCdf } from '../special/erf.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

/** Rank sum of `x`, tie term sum(t³ - t) and whether any tie exists, from one merge of sorted samples. */
function rankSumAndTies(x: Float64Array, y: Float64Array): { rankSumX: number; tieTerm: number; hasTies: boolean } {
  const n1 = x.length
  const n2 = y.length
  let i = 0
  let j = 0
  let position = 0 // number of pooled values already ranked
  let rankSumX = 0
  let tieTerm = 0
  let hasTies = false
  while (i < n1 || j < n2) {
    const v = i < n1 && (j === n2 || x[i]! <= y[j]!) ? x[i]! : y[j]!
    let cx = 0
    let cy = 0
    while (i < n1 && x[i]! === v) {
      i++
      cx++
    }
    while (j < n2 && y[j]! === v) {
      j++
      cy++
    }
    const t = cx + cy
    // midrank of ranks position+1 .. position+t
    rankSumX += cx * (position + (t + 1) / 2)
    if (t > 1) {
      hasTies = true
      tieTerm += t * t * t - t
    }
    position += t
  }
  return { rankSumX, tieTerm, hasTies }
}

/**
 * Null distribution of U for sample sizes (n1, n2), as frequencies f(0..maxu) of each value: the
 * coefficients of the Gaussian binomial [n1 + n2 choose n1]_q = prod_{i<=n1} (1 - q^(n2+i)) / (1 - q^i).
 * Dividing by each (1 - q^i) is a running sum and multiplying by (1 - q^(n2+i)) a lagged
 * difference, so this costs O(n1 maxu), where scipy's recurrence (`_MWU`) costs O(maxu²); the
 * frequencies are the same integers (exact while they fit in 2^53).
 */
function mwuFrequencies(n1: number, n2: number, maxu: number): Float64Array {
  const f = new Float64Array(maxu + 1)
  f[0] = 1
  for (let i = 1; i <= n1; i++) {
    for (let u = i; u <= maxu; u++) f[u]! += f[u - i]!
  }
  for (let i = 1; i <= n1; i++) {
    const shift = n2 + i
    for (let u = maxu; u >= shift; u--) f[u]! -= f[u - shift]!
  }
  return f
}

function binomial(n: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i
  return Math.round(r) < 9007199254740992 ? Math.round(r) : r
}

/** P(U >= k) under the null, exact (scipy `_MWU.sf`), using the symmetry U <-> n1 n2 - U. */
function mwuExactSf(k: number, n1: number, n2: number): number {
  // the distribution is symmetric in the sample sizes; the product runs over the smaller one
  const a = Math.min(n1, n2)
  const b = Math.max(n1, n2)
  const kc = a * b - k
  const total = binomial(a + b, a)
  if (k < kc) {
    // P(U >= k) = 1 - P(U <= k) + P(U = k)
    const f = mwuFrequencies(a, b, k)
    let cdf = 0
    for (let u = 0; u <= k; u++) cdf += f[u]! / total
    return 1 - cdf + f[k]! / total
  }
  // P(U >= k) = P(U <= n1 n2 - k)
  const f = mwuFrequencies(a, b, kc)
  let cdf = 0
  for (let u = 0; u <= kc; u++) cdf += f[u]! / total
  return cdf
}

/**
 * scipy.stats.mannwhitneyu(reference, current, alternative='less'): statistic U1 (reference),
 * p-value for "reference is stochastically less than current". Inputs: finite values sorted
 * ascending. O(n + m) for the asymptotic case; the exact case (min(n, m) <= 8, no ties) costs
 * O(min(n, m) · u) with u <= n m / 2.
 */
export function mannWhitneyU(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const n1 = reference.length
  const n2 = current.length
  if (n1 === 0 || n2 === 0) {
    throw new StatsInputError('mannw', `needs at least one value in each sample (reference ${n1}, current ${n2})`)
  }
  assertSortedFinite('mannw', reference, 'reference')
  assertSortedFinite('mannw', current, 'current')
  const { rankSumX, tieTerm, hasTies } = rankSumAndTies(reference, current)
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2
  const u2 = n1 * n2 - u1
  let p: number
  if ((n1 > 8 && n2 > 8) || hasTies) {
    const mu = (n1 * n2) / 2
    const n = n1 + n2
    const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))))
    const z = (u2 - mu - 0.5) / s
    p = normalCdf(-z)
  } else {
    p = mwuExactSf(u2, n1, n2)
  }
  if (p < 0) p = 0
  if (p > 1) p = 1
  return { statistic: u1, pValue: p }
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(method='auto') computes it
 * (scipy 1.17, used by Evidently's `ks` stattest and River's KSWIN):
 *
 * - D = max |F_ref - F_cur| over the pooled values, by one merge of the two sorted samples;
 * - when both samples hold at most 10,000 values the p-value is exact: D is snapped to h / lcm(n1, n2)
 *   (h integer), then for n1 = n2 the reflection series of the lattice-path count, otherwise Hodges'
 *   "inside" lattice recursion in Viehmann's form (1 - p directly, no cancellation);
 * - if the exact computation fails (it cannot produce a probability) or a sample is larger, the
 *   asymptotic p-value kstwo.sf(D, round(n1 n2 / (n1 + n2))), the one-sample two-sided distribution.
 *
 * The statistic returned is the snapped h / lcm when the exact branch ran, as scipy returns it.
 */
import { StatsInputError } from '../errors.js'
import { kolmogorovNSf } from '../special/kolmogorov.js'
import { assertSortedFinite, gcd, roundHalfEven, type TwoSampleResult } from './types.js'

const MAX_AUTO_N = 10000

/**
 * max |F_ref(x) - F_cur(x)| over the pooled sample values, with F the right-continuous ECDFs.
 * Returns scipy's choice: the larger of max(F1 - F2) and max(F2 - F1), the positive side on ties.
 */
export function ksStatistic(reference: Float64Array, current: Float64Array): number {
  const n1 = reference.length
  const n2 = current.length
  let i = 0
  let j = 0
  let maxS = -Infinity
  let minS = Infinity
  while (i < n1 || j < n2) {
    // the next pooled value; ECDFs (side='right') count every element <= it
    const a = i < n1 ? reference[i]! : Infinity
    const b = j < n2 ? current[j]! : Infinity
    const v = a <= b ? a : b
    while (i < n1 && reference[i]! <= v) i++
    while (j < n2 && current[j]! <= v) j++
    // same float operations as scipy: i/n1 - j/n2
    const diff = i / n1 - j / n2
    if (diff > maxS) maxS = diff
    if (diff < minS) minS = diff
  }
  let negative = -minS
  if (negative < 0) negative = 0
  if (negative > 1) negative = 1
  return negative > maxS ? negative : maxS
}

/** P(D_{n,n} >= h/n): alternating reflection series evaluated Horner-style (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0
  let k = Math.floor(n / h)
  while (k >= 0) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    P = p1 * (1 - P)
    k -= 1
  }
  return 2 * P
}

/**
 * 1 - P(|x/m - y/n| < h/lcm along the whole lattice path), the two-sided p-value for m != n
 * (scipy `_compute_outer_prob_inside_method`, Hodges 1958 with Viehmann's 2021 recursion for 1 - p).
 * Keeps one sliding column of the path-count table.
 */
function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0
  let n = n0
  if (m < n) {
    m = n0
    n = m0
  }
  const mg = m / g
  const ng = n / g
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let curlen = maxj - minj
  const lenA = Math.min(2 * maxj + 2, n + 1)
  const A = new Float64Array(lenA).fill(1)
  for (let t = minj; t < maxj && t < lenA; t++) A[t] = 0
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastlen = curlen
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0)
    minj = Math.min(minj, n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let val = minj === 0 ? 0 : 1
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j)
      A[jj] = val
    }
    curlen = maxj - minj
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA)
      for (let t = maxj - minj; t < end; t++) A[t] = 1
    }
  }
  return A[maxj - minj - 1]!
}

/**
 * Two-sample KS test (two-sided), scipy.stats.ks_2samp(reference, current, method='auto').
 * Inputs: finite values sorted ascending (see NumericKernel). O(n1 + n2) for the statistic; the
 * exact p-value costs O(min(n1, n2) · D · max(n1, n2)) at worst, the asymptotic one O(1)-ish.
 */
export function ksTest(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const n1 = reference.length
  const n2 = current.length
  if (n1 === 0 || n2 === 0) {
    throw new StatsInputError('ks', `needs at least one value in each sample (reference ${n1}, current ${n2})`)
  }
  assertSortedFinite('ks', reference, 'reference')
  assertSortedFinite('ks', current, 'current')
  let d = ksStatistic(reference, current)
  const g = gcd(n1, n2)
  let prob = NaN
  let exactDone = false
  if (Math.max(n1, n2) <= MAX_AUTO_N) {
    const lcm = (n1 / g) * n2
    const h = roundHalfEven(d * lcm)
    d = h / lcm
    if (h === 0) {
      prob = 1
      exactDone = true
    } else {
      const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h)
      // scipy falls back to the asymptotic distribution when the recursion gives no probability
      if (p >= 0 && p <= 1) {
        prob = p
        exactDone = true
      }
    }
  }
  if (!exactDone) {
    const m = Math.max(n1, n2)
    const n = Math.min(n1, n2)
    const en = (m * n) / (m + n)
    prob = kolmogorovNSf(roundHalfEven(en), d)
  }
  if (prob < 0) prob = 0
  if (prob > 1) prob = 1
  return { statistic: d, pValue: prob }
}

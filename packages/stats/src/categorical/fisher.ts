/**
 * Fisher's exact test on a 2x2 table, two-sided, as `scipy.stats.fisher_exact` computes it: the
 * hypergeometric probabilities of all tables with the observed margins that are no more likely than
 * the observed one (scipy counts probabilities within a relative 1e-14 of the observed as equal).
 */
import { StatsInputError } from '../errors.js'
import type { AlignedCategoryCounts } from './counts.js'
import { requireBothSamples } from './counts.js'

export interface FisherExactResult {
  /** Odds ratio `(a d) / (b c)` of the table [[a, b], [c, d]]; Infinity when b or c is 0, NaN for a zero margin. */
  readonly statistic: number
  readonly pValue: number
}

/**
 * The hypergeometric distribution of the top-left cell given the margins, as unnormalised weights
 * over its support built by the ratio recurrence from the mode (no factorials, so no overflow and a
 * relative error of a few ulps per step), plus exact ties for scipy's 1e-14 equality.
 */
class Hypergeometric {
  readonly lo: number
  readonly hi: number
  private readonly weights: Float64Array
  private readonly total: number

  constructor(
    readonly population: number,
    readonly successes: number,
    readonly draws: number,
  ) {
    const failures = population - successes
    this.lo = Math.max(0, draws - failures)
    this.hi = Math.min(draws, successes)
    const w = new Float64Array(this.hi - this.lo + 1)
    const mode = Math.min(this.hi, Math.max(this.lo, Math.floor(((draws + 1) * (successes + 1)) / (population + 2))))
    w[mode - this.lo] = 1
    for (let x = mode; x < this.hi; x++) {
      const v = (w[x - this.lo]! * ((successes - x) * (draws - x))) / ((x + 1) * (failures - draws + x + 1))
      w[x + 1 - this.lo] = v
      if (v === 0) break
    }
    for (let x = mode; x > this.lo; x--) {
      const v = (w[x - this.lo]! * (x * (failures - draws + x))) / ((successes - x + 1) * (draws - x + 1))
      w[x - 1 - this.lo] = v
      if (v === 0) break
    }
    this.weights = w
    this.total = sumAscendingMagnitude(w, 0, w.length)
  }

  /** Unnormalised weight of x (0 outside the support). */
  weight(x: number): number {
    return x < this.lo || x > this.hi ? 0 : this.weights[x - this.lo]!
  }

  /** P(X <= x), summed from the far tail inwards. */
  cdf(x: number): number {
    if (x < this.lo) return 0
    if (x >= this.hi) return 1
    return sumAscendingMagnitude(this.weights, 0, x - this.lo + 1) / this.total
  }

  /** P(X > x). */
  sf(x: number): number {
    if (x < this.lo) return 1
    if (x >= this.hi) return 0
    return sumAscendingMagnitude(this.weights, x - this.lo + 1, this.weights.length) / this.total
  }

  /**
   * Whether pmf(y) exceeds pmf(x) by more than scipy's factor 1 + 1e-14. Probabilities that are
   * mathematically equal (e.g. mirror tables when both rows have the same total) count as equal even
   * though rounding makes their floating-point values differ: within 1e-9 the ratio is decided exactly.
   */
  exceeds(y: number, x: number): boolean {
    const wy = this.weight(y)
    const wx = this.weight(x)
    if (wy === 0 || wx === 0) return wy > wx
    const ratio = wy / wx
    if (Math.abs(ratio - 1) > 1e-9) return ratio > 1
    return this.exactRatioSign(y, x) > 0 && ratio > 1 + 1e-14
  }

  /** Sign of pmf(y) - pmf(x) in exact integer arithmetic (both inside the support). */
  private exactRatioSign(y: number, x: number): number {
    if (y === x) return 0
    const from = Math.min(x, y)
    const to = Math.max(x, y)
    const failures = this.population - this.successes
    // pmf(to) / pmf(from) = prod_{t=from}^{to-1} (K - t)(n - t) / ((t + 1)(N - K - n + t + 1))
    const num: bigint[] = []
    const den: bigint[] = []
    for (let t = from; t < to; t++) {
      num.push(BigInt((this.successes - t) * (this.draws - t)))
      den.push(BigInt((t + 1) * (failures - this.draws + t + 1)))
    }
    const a = productTree(num, 0, num.length)
    const b = productTree(den, 0, den.length)
    const upper = a === b ? 0 : a > b ? 1 : -1 // sign of pmf(to) - pmf(from)
    return y === to ? upper : -upper
  }
}

function productTree(values: bigint[], start: number, end: number): bigint {
  if (end - start === 0) return 1n
  if (end - start === 1) return values[start]!
  const mid = (start + end) >>> 1
  return productTree(values, start, mid) * productTree(values, mid, end)
}

/**
 * Sum of w[start..end) where the weights rise towards a single mode: each side is added from its far
 * end inwards, smallest terms first.
 */
function sumAscendingMagnitude(w: Float64Array, start: number, end: number): number {
  if (end <= start) return 0
  let peak = start
  for (let i = start + 1; i < end; i++) if (w[i]! > w[peak]!) peak = i
  let left = 0
  for (let i = start; i < peak; i++) left += w[i]!
  let right = 0
  for (let i = end - 1; i > peak; i--) right += w[i]!
  return left + right + w[peak]!
}

/**
 * Two-sided Fisher exact test of the table [[a, b], [c, d]] (`scipy.stats.fisher_exact(table)`).
 */
export function fisherExact2x2(a: number, b: number, c: number, d: number): FisherExactResult {
  for (const v of [a, b, c, d]) {
    if (!(Number.isInteger(v) && v >= 0)) {
      throw new StatsInputError('fisher_exact', `table cells must be non-negative integers, got [[${a}, ${b}], [${c}, ${d}]]`)
    }
  }
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) return { statistic: NaN, pValue: 1 }
  const oddsRatio = c > 0 && b > 0 ? (a * d) / (c * b) : Infinity
  const n1 = a + b
  const n2 = c + d
  const n = a + c
  const dist = new Hypergeometric(n1 + n2, n1, n)
  const mode = Math.trunc(((n + 1) * (n1 + 1)) / (n1 + n2 + 2))
  // scipy: pexact within 1e-14 of pmode -> p = 1
  if (!dist.exceeds(mode, a) && !dist.exceeds(a, mode)) return { statistic: oddsRatio, pValue: 1 }
  let pValue: number
  if (a < mode) {
    const lower = dist.cdf(a)
    if (dist.exceeds(n, a)) return { statistic: oddsRatio, pValue: lower }
    // largest y in [mode, n] still more likely than the observed table; pmf falls above the mode
    let guess = mode
    while (guess + 1 <= n && dist.exceeds(guess + 1, a)) guess++
    pValue = lower + dist.sf(guess)
  } else {
    const upper = dist.sf(a - 1)
    if (dist.exceeds(0, a)) return { statistic: oddsRatio, pValue: upper }
    // largest y in [0, mode] no more likely than the observed table; pmf rises below the mode
    let guess = mode
    while (guess >= 0 && dist.exceeds(guess, a)) guess--
    pValue = upper + dist.cdf(guess)
  }
  return { statistic: oddsRatio, pValue: Math.min(pValue, 1.0) }
}

/**
 * Evidently `fisher_exact` on two binary samples of equal size: the table
 * [[current second-category, current other], [reference second-category, reference other]], the
 * second category in sorted order (a single shared category gives p = 1, odds ratio NaN).
 *
 * Evidently takes the categories in Python set order, so its odds ratio may be the reciprocal of this
 * one; the p-value is the same either way. With three categories across the two samples its result
 * is not defined, and this raises.
 */
export function fisherExact(a: AlignedCategoryCounts): FisherExactResult {
  requireBothSamples(a, 'fisher_exact')
  let refDistinct = 0
  let curDistinct = 0
  for (let i = 0; i < a.categories.length; i++) {
    if (a.reference[i]! > 0) refDistinct++
    if (a.current[i]! > 0) curDistinct++
  }
  if (refDistinct > 2 || curDistinct > 2) {
    throw new StatsInputError(
      'fisher_exact',
      'Expects binary data for both reference and current, but found unique categories > 2',
      'use chisquare or g_test for columns with more than two categories',
    )
  }
  if (a.referenceTotal !== a.currentTotal) {
    throw new StatsInputError(
      'fisher_exact',
      `reference_data and current_data are not of equal length (${a.referenceTotal} vs ${a.currentTotal})`,
      'Evidently requires samples of equal size for this test',
    )
  }
  if (a.categories.length > 2) {
    throw new StatsInputError(
      'fisher_exact',
      `reference and current together hold ${a.categories.length} categories; the 2x2 table needs at most 2`,
      "Evidently's result here depends on Python's set order, so it is not reproduced",
    )
  }
  const oneRef = a.categories.length === 2 ? a.reference[1]! : 0
  const oneCur = a.categories.length === 2 ? a.current[1]! : 0
  return fisherExact2x2(oneCur, a.currentTotal - oneCur, oneRef, a.referenceTotal - oneRef)
}

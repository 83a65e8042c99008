/**
 * Two-sample Cramér-von Mises test, scipy.stats.cramervonmises_2samp(reference, current,
 * method='auto') as Evidently's `cramer_von_mises` calls it: midranks for ties, the exact null
 * distribution (Xiao, Gordon & Yakovlev's lattice recursion) when both samples have at most 20
 * values, otherwise Anderson's normalisation of T referred to the limiting one-sample distribution
 * (Csörgő & Faraway's series, truncated exactly where scipy truncates it).
 */
import { StatsInputError } from '../errors.js'
import { besselK } from '../special/bessel.js'
import { lnGamma } from '../special/gamma.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

/**
 * 4U = nx sum (2r_i - 2i)² + ny sum (2s_j - 2j)² with r, s the pooled midranks of the sorted
 * samples (Anderson 1962, eq. 10), as an exact integer: doubled midranks are integers, each squared
 * term is exact in a double, and partial sums are flushed to a BigInt before they could round.
 * T = U/(kN) - (4k-1)/(6N) cancels to a few digits of U (about 7 digits at a million values per
 * sample), so U must be exact for T to keep 1e-15 relative accuracy.
 */
function cvmFourU(x: Float64Array, y: Float64Array): bigint {
  const nx = x.length
  const ny = y.length
  const N = nx + ny
  // (2N)² terms: this many fit below 2^53 before a flush
  const flushEvery = Math.max(1, Math.floor(9007199254740991 / (4 * N * N)))
  let i = 0
  let j = 0
  let position = 0
  let partialX = 0
  let partialY = 0
  let termsX = 0
  let termsY = 0
  let sumX = 0n
  let sumY = 0n
  while (i < nx || j < ny) {
    const v = i < nx && (j === ny || x[i]! <= y[j]!) ? x[i]! : y[j]!
    let cx = 0
    let cy = 0
    while (i + cx < nx && x[i + cx]! === v) cx++
    while (j + cy < ny && y[j + cy]! === v) cy++
    const twiceRank = 2 * position + cx + cy + 1
    for (let k = 1; k <= cx; k++) {
      const d = twiceRank - 2 * (i + k)
      partialX += d * d
      if (++termsX === flushEvery) {
        sumX += BigInt(partialX)
        partialX = 0
        termsX = 0
      }
    }
    for (let k = 1; k <= cy; k++) {
      const d = twiceRank - 2 * (j + k)
      partialY += d * d
      if (++termsY === flushEvery) {
        sumY += BigInt(partialY)
        partialY = 0
        termsY = 0
      }
    }
    i += cx
    j += cy
    position += cx + cy
  }
  sumX += BigInt(partialX)
  sumY += BigInt(partialY)
  return BigInt(nx) * sumX + BigInt(ny) * sumY
}

/** Limiting CDF of the one-sample CvM statistic (Csörgő & Faraway 1996, eq. 1.2; scipy `_cdf_cvm_inf`). */
export function cvmLimitCdf(x: number): number {
  let total = 0
  for (let k = 0; ; k++) {
    const u = Math.exp(lnGamma(k + 0.5) - lnGamma(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x))
    const y = 4 * k + 1
    const q = (y * y) / (16 * x)
    const z = u * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q)
    total += z
    // scipy stops after the first term below 1e-7 (already added): same truncation here
    if (!(Math.abs(z) >= 1e-7)) break
  }
  return total
}

/** numpy's float floor division a // b (npy_divmod), which handles exact multiples carefully. */
function floorDivide(a: number, b: number): number {
  let mod = a % b
  let div = (a - mod) / b
  if (mod !== 0 && b < 0 !== mod < 0) {
    mod += b
    div -= 1
  }
  if (div !== 0) {
    let floordiv = Math.floor(div)
    if (div - floordiv > 0.5) floordiv += 1
    return floordiv
  }
  return 0
}

function lcmOf(a: number, b: number): number {
  let x = a
  let y = b
  while (y) {
    const t = x % y
    x = y
    y = t
  }
  return (a / x) * b
}

/**
 * Exact p-value P(U >= u) for sample sizes m, n (scipy `_pval_cvm_2samp_exact`, Xiao et al. 2006
 * Algorithm 1): a lattice walk keeping, per column, the frequency of each partial statistic.
 */
function cvmExactPValue(s: number, m: number, n: number): number {
  const lcm = lcmOf(m, n)
  const a = lcm / m
  const b = lcm / n
  const mn = m * n
  const zeta = floorDivide(lcm * lcm * (m + n) * (6 * s - mn * (4 * mn - 1)), 6 * mn * mn)
  let combinations = 1
  for (let i = 1; i <= m; i++) combinations = (combinations * (n + i)) / i
  combinations = Math.round(combinations)

  let gs: Map<number, number>[] = [new Map([[0, 1]])]
  for (let v = 1; v <= m; v++) gs.push(new Map())
  for (let u = 0; u <= n; u++) {
    const next: Map<number, number>[] = []
    let tmp = new Map<number, number>()
    for (let v = 0; v <= m; v++) {
      const res = (a * v - b * u) ** 2
      const merged = new Map<number, number>()
      for (const [value, freq] of tmp) merged.set(value + res, (merged.get(value + res) ?? 0) + freq)
      for (const [value, freq] of gs[v]!) merged.set(value + res, (merged.get(value + res) ?? 0) + freq)
      tmp = merged
      next.push(tmp)
    }
    gs = next
  }
  let count = 0
  for (const [value, freq] of gs[m]!) if (value >= zeta) count += freq
  return count / combinations
}

/**
 * scipy.stats.cramervonmises_2samp(reference, current, method='auto'). Inputs: finite values
 * sorted ascending, at least 2 in each sample. O(n + m) for the asymptotic case.
 */
export function cramerVonMises(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const nx = reference.length
  const ny = current.length
  if (nx <= 1 || ny <= 1) {
    throw new StatsInputError(
      'cramer_von_mises',
      `needs at least two values in each sample (reference ${nx}, current ${ny})`,
    )
  }
  assertSortedFinite('cramer_von_mises', reference, 'reference')
  assertSortedFinite('cramer_von_mises', current, 'current')
  const fourU = cvmFourU(reference, current)
  const u = Number(fourU) / 4
  const k = nx * ny
  const N = nx + ny
  // T = U/(kN) - (4k-1)/(6N) = (24U - 4k(4k-1)) / (24kN), the numerator in exact integers
  const bk = BigInt(k)
  const numerator = 6n * fourU - 4n * bk * (4n * bk - 1n)
  const t = Number(numerator) / (24 * k * N)
  let p: number
  if (Math.max(nx, ny) <= 20) {
    p = cvmExactPValue(u, nx, ny)
  } else {
    const et = (1 + 1 / N) / 6
    let vt = (N + 1) * (4 * k * N - 3 * (nx * nx + ny * ny) - 2 * k)
    vt = vt / (45 * N * N * 4 * k)
    const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt)
    // below 0.003 the limiting CDF is < 1.3e-18: scipy returns 1 there
    p = tn >= 0.003 ? Math.max(1 - cvmLimitCdf(tn), 0) : 1
  }
  return { statistic: t, pValue: p }
}

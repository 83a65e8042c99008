/**
 * k-sample Anderson-Darling test for two samples, midrank variant (Scholz & Stephens 1987, eq. 7):
 * scipy.stats.anderson_ksamp([reference, current], variant='midrank') as Evidently's `anderson`
 * uses it. The statistic is the standardised A2 = (A2akN - 1) / sigma_N; the p-value is scipy's
 * interpolation of log(significance level) by a quadratic fitted to Scholz & Stephens' table of
 * critical values, capped to [0.001, 0.25] outside the table.
 */
import { StatsInputError } from '../errors.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

const SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]

/**
 * Least-squares quadratic through (x_i, y_i) (np.polyfit(x, y, 2)), solved on centred and scaled
 * abscissae via the normal equations; returns [c2, c1, c0] for c2 x² + c1 x + c0 in the original x.
 */
function quadraticFit(x: readonly number[], y: readonly number[]): [number, number, number] {
  const n = x.length
  let mx = 0
  for (const v of x) mx += v
  mx /= n
  let sx = 0
  for (const v of x) sx = Math.max(sx, Math.abs(v - mx))
  // normal equations in t = (x - mx) / sx, columns [t², t, 1]
  const ata = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]
  const aty = [0, 0, 0]
  for (let i = 0; i < n; i++) {
    const t = (x[i]! - mx) / sx
    const row = [t * t, t, 1]
    for (let r = 0; r < 3; r++) {
      aty[r]! += row[r]! * y[i]!
      for (let c = 0; c < 3; c++) ata[r]![c]! += row[r]! * row[c]!
    }
  }
  // Gaussian elimination with partial pivoting on the 3x3 system
  const m = ata.map((row, r) => [...row, aty[r]!])
  for (let col = 0; col < 3; col++) {
    let piv = col
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r
    const tmp = m[col]!
    m[col] = m[piv]!
    m[piv] = tmp
    for (let r = col + 1; r < 3; r++) {
      const f = m[r]![col]! / m[col]![col]!
      for (let c = col; c < 4; c++) m[r]![c]! -= f * m[col]![c]!
    }
  }
  const sol = [0, 0, 0]
  for (let r = 2; r >= 0; r--) {
    let acc = m[r]![3]!
    for (let c = r + 1; c < 3; c++) acc -= m[r]![c]! * sol[c]!
    sol[r] = acc / m[r]![r]!
  }
  const [a, b, c] = sol as [number, number, number]
  // back to x: a ((x - mx)/sx)² + b (x - mx)/sx + c
  const a2 = a / (sx * sx)
  const b2 = b / sx - (2 * a * mx) / (sx * sx)
  const c2 = c - (b * mx) / sx + (a * mx * mx) / (sx * sx)
  return [a2, b2, c2]
}

/** Critical values for k = 2 samples (m = k - 1 = 1) and the fitted log-significance curve. */
const CRITICAL = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(1) + B2[i]! / 1)
const CRITICAL_MIN = Math.min(...CRITICAL)
const CRITICAL_MAX = Math.max(...CRITICAL)
const LOG_SIG_FIT = quadraticFit(
  CRITICAL,
  SIG.map((s) => Math.log(s)),
)

/** A2akN of Scholz & Stephens eq. 7 (midranks), from one merge over the distinct pooled values. */
function midrankStatistic(x: Float64Array, y: Float64Array): number {
  const n1 = x.length
  const n2 = y.length
  const N = n1 + n2
  let i = 0
  let j = 0
  let sum1 = 0
  let sum2 = 0
  while (i < n1 || j < n2) {
    const v = i < n1 && (j === n2 || x[i]! <= y[j]!) ? x[i]! : y[j]!
    let c1 = 0
    let c2 = 0
    while (i + c1 < n1 && x[i + c1]! === v) c1++
    while (j + c2 < n2 && y[j + c2]! === v) c2++
    const lj = c1 + c2
    const bj = i + j + lj / 2
    const m1 = i + c1 / 2
    const m2 = j + c2 / 2
    const denom = bj * (N - bj) - (N * lj) / 4
    const d1 = N * m1 - bj * n1
    const d2 = N * m2 - bj * n2
    sum1 += ((lj / N) * d1 * d1) / denom
    sum2 += ((lj / N) * d2 * d2) / denom
    i += c1
    j += c2
  }
  return (sum1 / n1 + sum2 / n2) * ((N - 1) / N)
}

/**
 * scipy.stats.anderson_ksamp([reference, current], variant='midrank'): statistic is the
 * standardised A2, pValue the interpolated significance level clipped to [0.001, 0.25].
 * Inputs: finite values sorted ascending. O(n + m).
 */
export function andersonKSample(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const n1 = reference.length
  const n2 = current.length
  if (n1 === 0 || n2 === 0) {
    throw new StatsInputError('anderson', `needs at least one value in each sample (reference ${n1}, current ${n2})`)
  }
  assertSortedFinite('anderson', reference, 'reference')
  assertSortedFinite('anderson', current, 'current')
  const lo = Math.min(reference[0]!, current[0]!)
  const hi = Math.max(reference[n1 - 1]!, current[n2 - 1]!)
  if (lo === hi) {
    throw new StatsInputError(
      'anderson',
      'needs more than one distinct value in reference + current (anderson_ksamp raises here)',
    )
  }
  const N = n1 + n2
  const k = 2
  const A2kN = midrankStatistic(reference, current)
  const H = 1 / n1 + 1 / n2
  // h = sum_{i=1}^{N-1} 1/i, g = sum_{i=1}^{N-2} sum_{j=i+1}^{N-1} 1/((N-i) j): scipy's cumulative form
  let hsCs = 0
  let g = 0
  for (let idx = 0; idx < N - 2; idx++) {
    hsCs += 1 / (N - 1 - idx)
    g += hsCs / (idx + 2)
  }
  const h = hsCs + 1
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H
  const b = (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6
  const c = (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h
  const d = (2 * h + 6) * k * k - 4 * h * k
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3))
  if (sigmasq < 0) {
    throw new StatsInputError('anderson', `variance of the statistic is negative for N = ${N} values (too few values)`)
  }
  const A2 = (A2kN - (k - 1)) / Math.sqrt(sigmasq)
  let p: number
  if (A2 < CRITICAL_MIN) p = 0.25
  else if (A2 > CRITICAL_MAX) p = 0.001
  else {
    const [c2, c1, c0] = LOG_SIG_FIT
    p = Math.exp((c2 * A2 + c1) * A2 + c0)
  }
  return { statistic: A2, pValue: p }
}

/**
 * Distributions of the Kolmogorov-Smirnov statistics, as scipy computes them:
 *
 * - `smirnovSf(n, x)`: P(D+_n > x) for the one-sided statistic (scipy.special.smirnov), from the
 *   Birnbaum-Tingey sum. Its terms are positive binomial probabilities, each evaluated with
 *   Loader's saddle-point formula, so nothing cancels (scipy sums the same terms in double-double
 *   arithmetic; agreement is ~1e-13 even at n = 1e6).
 * - `kolmogorovNSf(n, x)` / `kolmogorovNCdf(n, x)`: the two-sided one-sample statistic D_n
 *   (scipy.stats.kstwo, `_kolmogn` in scipy/stats/_ksstats.py), choosing between the Ruben-Gambino
 *   closed forms, the Durbin matrix (Marsaglia-Tsang-Wang), Pomeranz' recursion, 2·smirnov and the
 *   Pelz-Good asymptotic series by Simard & L'Ecuyer's (2011) rules, exactly as scipy does, so
 *   the same approximation is used on both sides of every switch.
 */
import { MINLOG } from './constants.js'
import { lnGamma } from './gamma.js'

const SMIRNOV_MAX_COMPUTE_N = 1000000
const EPS = 2.220446049250313e-16

const LOG_2PI = Math.log(2 * Math.PI)
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/** log(n!) - [(n + 1/2) log n - n + log sqrt(2 pi)], the Stirling series remainder (Loader 2000). */
function stirlingError(n: number): number {
  if (n <= 15) return lnGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LOG_SQRT_2PI
  const nn = n * n
  if (n > 500) return (1 / 12 - 1 / 360 / nn) / n
  if (n > 80) return (1 / 12 - (1 / 360 - 1 / 1260 / nn) / nn) / n
  if (n > 35) return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / 1680 / nn) / nn) / nn) / n
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n
}

/** x log(x / np) + np - x without cancellation when x is close to np (Loader's bd0). */
function deviance(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np)
    let s = (x - np) * v
    let ej = 2 * x * v
    v = v * v
    for (let j = 1; j < 1000; j++) {
      ej *= v
      const s1 = s + ej / (2 * j + 1)
      if (s1 === s) return s1
      s = s1
    }
    return s
  }
  return x * Math.log(x / np) + np - x
}

/** P(D+_n > x): the one-sided Smirnov statistic's survival function (scipy.special.smirnov). */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !(x >= 0 && x <= 1) || !Number.isInteger(n)) return NaN
  if (n === 1) return 1 - x
  if (x === 0) return 1
  if (x === 1) return 0
  const nx = n * x
  let nxfl = Math.floor(nx)
  let alpha = nx - nxfl
  if (alpha >= 1) {
    nxfl += 1
    alpha = 0
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x <= 1/n: P(D+ <= x) = x (1 + x)^(n-1); log1p keeps (1 + x)^(n-1) accurate for large n
    return 1 - x * Math.exp((n - 1) * Math.log1p(x))
  }
  if (-2 * n * x * x < MINLOG) return 0
  if (nxfl >= n - 1) return Math.pow(1 - x, n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    // scipy's approximation for huge n: p ~ exp(-(6nx + 1)² / 18n)
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n
    return Math.exp(logp)
  }
  // sf = x * sum_{v=0}^{n-ceil(nx)} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v); the last term is 0 when nx is integral
  // Each term is dbinom(v; n, y) / y for y = x + v/n, evaluated with Loader's saddle-point form
  // (Stirling-series errors plus deviances): the direct log-space product would carry absolute
  // errors of eps·n in the exponent, 1e-9 relative at n = 5e5.
  const nTerms = n - nxfl
  let sum = Math.exp(n * Math.log1p(-x)) / x
  let comp = 0
  const stirN = stirlingError(n)
  for (let v = 1; v < nTerms; v++) {
    const nq = n - v - nx // n (1 - y)
    if (!(nq > 0)) break
    const y = x + v / n
    const lc = stirN - stirlingError(v) - stirlingError(n - v) - deviance(v, nx + v) - deviance(n - v, nq)
    const lf = LOG_2PI + Math.log(v) + Math.log1p(-v / n)
    const term = Math.exp(lc - 0.5 * lf) / y
    const t = sum + term
    comp += sum >= term ? sum - t + term : term - t + sum
    sum = t
    // the terms decay geometrically past their peak: stop once the rest cannot matter
    if (term !== 0 && 4 * (nTerms - v) * term < EPS * sum) break
  }
  sum += comp
  const sf = x * sum
  return sf < 0 ? 0 : sf > 1 ? 1 : sf
}

const E128 = 128
const EP128 = 2 ** 128
const EM128 = 2 ** -128

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p
}

/** P(D_n <= d) by Durbin's matrix method with Marsaglia-Tsang-Wang scaling; O(k³ log n), k = ceil(nd). */
function kolmogorovDurbinCdf(n: number, d: number): number {
  if (d >= 1) return 1
  const nd = n * d
  if (nd <= 0.5) return 0
  const k = Math.ceil(nd)
  const h = k - nd
  const m = 2 * k - 1
  let H = new Float64Array(m * m)
  const v = new Float64Array(m)
  const w = new Float64Array(m)
  let fac = 1
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - Math.pow(h, j)
    w[j - 1] = fac
    fac /= j
    v[j - 1]! *= fac
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m)
  v[m - 1] = (1 + tt) * fac
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!

  let Hpwr = new Float64Array(m * m)
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1
  let tmp = new Float64Array(m * m)
  let nn = n
  let expnt = 0
  let hExpnt = 0
  const matmul = (a: Float64Array, b: Float64Array, out: Float64Array): void => {
    out.fill(0)
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const ail = a[i * m + l]!
        if (ail === 0) continue
        const rowB = l * m
        const rowOut = i * m
        for (let j = 0; j < m; j++) out[rowOut + j]! += ail * b[rowB + j]!
      }
    }
  }
  while (nn > 0) {
    if (nn % 2) {
      matmul(Hpwr, H, tmp)
      const s = Hpwr
      Hpwr = tmp
      tmp = s
      expnt += hExpnt
    }
    matmul(H, H, tmp)
    const s = H
    H = tmp
    tmp = s
    hExpnt *= 2
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > EP128) {
      for (let i = 0; i < m * m; i++) H[i]! /= EP128
      hExpnt += E128
    }
    nn = Math.floor(nn / 2)
  }
  let p = Hpwr[(k - 1) * m + (k - 1)]!
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n
    if (Math.abs(p) < EM128) {
      p *= EP128
      expnt -= E128
    }
  }
  if (expnt !== 0) p = p * Math.pow(2, expnt)
  return clip01(p)
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number
  let j2: number
  if (i === 0) {
    j1 = -ll - ceilf - 1
    j2 = ll + ceilf - 1
  } else {
    const ip1div2 = Math.floor((i + 1) / 2)
    const ip1mod2 = (i + 1) % 2
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1
        j2 = n + ll + ceilf - 1
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1
        j2 = ip1div2 + ll - 1 + ceilf - 1
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1
      j2 = ip1div2 + ll + roundf - 1
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)]
}

/** P(D_n <= x) by Pomeranz' recursion (1974), as scipy's `_kolmogn_Pomeranz`. */
function kolmogorovPomeranzCdf(n: number, x: number): number {
  const t = n * x
  const ll = Math.floor(t)
  const f = t - ll
  const g = Math.min(f, 1 - f)
  const ceilf = f > 0 ? 1 : 0
  const roundf = f > 0.5 ? 1 : 0
  const npwrs = 2 * (ll + 1)
  const gpower = new Float64Array(npwrs)
  const twogpower = new Float64Array(npwrs)
  const onem2gpower = new Float64Array(npwrs)
  gpower[0] = 1
  twogpower[0] = 1
  onem2gpower[0] = 1
  let expnt = 0
  const gOverN = g / n
  const twoGOverN = (2 * g) / n
  const oneMinusTwoGOverN = (1 - 2 * g) / n
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m
  }
  let V0 = new Float64Array(npwrs)
  let V1 = new Float64Array(npwrs)
  V1[0] = 1
  let V0s = 0
  let V1s = 0
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf)
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1
    const swap = V0
    V0 = V1
    V1 = swap
    const swapS = V0s
    V0s = V1s
    V1s = swapS
    V1.fill(0)
    ;[j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf)
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower
    const ln2 = j2 - k1 + 1
    if (ln2 > 0) {
      // V1[0..convLen) = (V0[k1-V0s .. +ln2) * pwrs[0..ln2))[convStart ..], a truncated convolution
      const convStart = j1 - k1
      const convLen = j2 - j1 + 1
      const base = k1 - V0s
      let maxV = 0
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c
        let acc = 0
        // numpy truncates a slice running past the row's end: treat those entries as zeros
        const lo = Math.max(0, idx - (ln2 - 1), -base)
        const hi = Math.min(idx, ln2 - 1, npwrs - 1 - base)
        for (let a = lo; a <= hi; a++) acc += V0[base + a]! * pwrs[idx - a]!
        V1[c] = acc
        if (acc > maxV) maxV = acc
      }
      if (maxV > 0 && maxV < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c]! *= EP128
        expnt -= E128
      }
      V1s = V0s + j1 - k1
    }
  }
  let ans = V1[n - V1s]!
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128
      expnt += E128
    }
    ans *= m
  }
  if (expnt !== 0) ans = ans * Math.pow(2, expnt)
  return clip01(ans)
}

const PI_SQUARED = Math.PI ** 2
const PI_FOUR = Math.PI ** 4
const PI_SIX = Math.PI ** 6
const SQRT2PI = Math.sqrt(2 * Math.PI)
const SQRT3 = Math.sqrt(3)
const MIN_LOG = -708

/** Pelz-Good (1976) asymptotic approximation of P(D_n <= x). */
function kolmogorovPelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const zsquared = z * z
  const zthree = zsquared * z
  const zfour = zsquared * zsquared
  const zsix = zfour * zsquared
  const qlog = -PI_SQUARED / 8 / zsquared
  if (qlog < MIN_LOG) return 0
  let q = Math.exp(qlog)
  const k1a = -zsquared
  const k1b = PI_SQUARED / 4
  const k2a = 6 * zsix + 2 * zfour
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4
  const k3a = -30 * zsix - 90 * z ** 8
  let K0 = 0
  let K1 = 0
  let K2 = 0
  let K3 = 0
  const maxk = Math.ceil((16 * z) / Math.PI)
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1
    const msquared = m * m
    const mfour = msquared * msquared
    const msix = mfour * msquared
    const qpower = Math.pow(q, 8 * k)
    K0 = K0 * qpower + 1
    K1 = K1 * qpower + (k1a + k1b * msquared)
    K2 = K2 * qpower + (k2a + k2b * msquared + k2c * mfour)
    K3 = K3 * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix)
  }
  const scale = q * SQRT2PI
  K0 = (K0 * scale) / z
  K1 = (K1 * scale) / (6 * zfour)
  K2 = (K2 * scale) / (72 * z ** 7)
  K3 = (K3 * scale) / (6480 * z ** 10)
  q = Math.exp(-PI_SQUARED / 2 / zsquared)
  const sqrt3z = SQRT3 * z
  let k2extra = 0
  let k3extra = 0
  for (let k = maxk; k > 0; k--) {
    const ksquared = k * k
    const qp = Math.pow(q, ksquared)
    const kspi = Math.PI * k
    k2extra += ksquared * qp
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qp
  }
  K2 += (k2extra * PI_SQUARED * SQRT2PI) / (-36 * zthree)
  K3 += (k3extra * PI_SQUARED * SQRT2PI) / (216 * zsix)
  const sn = Math.sqrt(n)
  return K0 + K1 / sn + K2 / n + K3 / (n * sn)
}

const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
]

/** log(n! / n^n) by Stirling's series with the n log n term removed up front. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n
  const y = rn / n
  let poly = STIRLING_COEFFS[0]!
  for (let i = 1; i < STIRLING_COEFFS.length; i++) poly = poly * y + STIRLING_COEFFS[i]!
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly
}

/** [cdf, sf] of the two-sided one-sample KS statistic D_n at x (scipy `_kolmogn`). */
function kolmogorovN(n: number, x: number, wantCdf: boolean): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN
  const pick = (cdf: number, sf: number): number => clip01(wantCdf ? cdf : sf)
  if (x >= 1) return pick(1, 0)
  if (x <= 0) return pick(0, 1)
  const t = n * x
  if (t <= 1) {
    // Ruben-Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return pick(0, 1)
    let prob: number
    if (n <= 140) {
      prob = 1
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1)
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1))
    }
    return pick(prob, 1 - prob)
  }
  if (t >= n - 1) {
    const prob = 2 * Math.pow(1 - x, n)
    return pick(1 - prob, prob)
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x)
    return pick(1 - prob, prob)
  }
  const nxsquared = t * x
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      const prob = kolmogorovDurbinCdf(n, x)
      return pick(prob, 1 - prob)
    }
    if (nxsquared <= 4) {
      const prob = kolmogorovPomeranzCdf(n, x)
      return pick(prob, 1 - prob)
    }
    const prob = 2 * smirnovSf(n, x)
    return pick(1 - prob, prob)
  }
  if (!wantCdf) {
    if (nxsquared >= 370) return 0
    if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x))
  }
  let cdfprob: number
  if (nxsquared >= 18) cdfprob = 1
  else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) cdfprob = kolmogorovDurbinCdf(n, x)
  else cdfprob = kolmogorovPelzGoodCdf(n, x)
  return pick(cdfprob, 1 - cdfprob)
}

/** P(D_n <= x) for the two-sided one-sample KS statistic (scipy.stats.kstwo.cdf(x, n)). */
export function kolmogorovNCdf(n: number, x: number): number {
  return kolmogorovN(n, x, true)
}

/** P(D_n > x) for the two-sided one-sample KS statistic (scipy.stats.kstwo.sf(x, n)). */
export function kolmogorovNSf(n: number, x: number): number {
  return kolmogorovN(n, x, false)
}

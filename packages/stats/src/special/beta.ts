/**
 * Beta function and the regularized incomplete beta integral I_x(a, b), following Cephes' beta.c
 * and incbet.c (as in scipy.special.betainc): a power series when b·x is small, otherwise one of
 * two continued fractions chosen for convergence, after reflecting x > a/(a+b) to 1 - x.
 */
import { LS2PI, MACHEP, MAXGAM, MAXLOG, MINLOG, polevl } from './constants.js'
import { gamma, lnGamma } from './gamma.js'

const ASYMP_FACTOR = 1e6

function lnBetaAsymptotic(a: number, b: number): number {
  // ln B(a, b) for a >> b, avoiding the cancellation in lgam(a + b) - lgam(a)
  let r = lnGamma(b)
  r -= b * Math.log(a)
  r += (b * (1 - b)) / (2 * a)
  r += (b * (1 - b) * (1 - 2 * b)) / (12 * a * a)
  r += (-b * b * (1 - b) * (1 - b)) / (12 * a * a * a)
  return r
}

const LGAM_STIRLING = [
  8.11614167470508450300e-4, -5.95061904284301438324e-4, 7.93650340457716943945e-4, -2.77777777730099687205e-3,
  8.33333333333331927722e-2,
]

/** lgam(x) - [(x - 0.5) log x - x + log sqrt(2 pi)], Stirling's correction, for x >= 13. */
function stirlingCorrection(x: number): number {
  const p = 1 / (x * x)
  return polevl(p, LGAM_STIRLING) / x
}

/**
 * log B(a, b) for a >= b and a + b beyond the range of gamma(). Differencing lgam(a) and lgam(a + b)
 * would lose log10(lgam(a)) digits (e.g. 6 digits for df = 1e6 in a t-test); expanding both with
 * Stirling's series and combining the large terms analytically keeps every term moderate.
 */
function lnBetaLarge(a: number, b: number): number {
  const s = a + b
  const corr = stirlingCorrection(a) - stirlingCorrection(s)
  if (b >= 13) {
    return (
      LS2PI +
      (a - 0.5) * Math.log(a / s) +
      (b - 0.5) * Math.log(b / s) -
      0.5 * Math.log(s) +
      corr +
      stirlingCorrection(b)
    )
  }
  // lgam(a) - lgam(a + b) = -(a - 0.5) log1p(b/a) - b log(a + b) + b + corr
  return lnGamma(b) - (a - 0.5) * Math.log1p(b / a) - b * Math.log(s) + b + corr
}

/** The beta function B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b), for a, b > 0. */
export function betaFn(a: number, b: number): number {
  if (a < b) {
    const t = a
    a = b
    b = t
  }
  if (a > ASYMP_FACTOR * b && a > ASYMP_FACTOR) return Math.exp(lnBetaAsymptotic(a, b))
  const s = a + b
  if (s > MAXGAM || a > MAXGAM || b > MAXGAM) {
    const y = lnBetaLarge(a, b)
    if (y > MAXLOG) return Infinity
    return Math.exp(y)
  }
  const y = 1 / gamma(s)
  const ga = gamma(a)
  const gb = gamma(b)
  // multiply the factor closest to 1 last, to keep intermediate results in range
  if (Math.abs(Math.abs(ga * y) - 1) > Math.abs(Math.abs(gb * y) - 1)) return gb * y * ga
  return ga * y * gb
}

/** log B(a, b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  if (a < b) {
    const t = a
    a = b
    b = t
  }
  if (a > ASYMP_FACTOR * b && a > ASYMP_FACTOR) return lnBetaAsymptotic(a, b)
  const s = a + b
  if (s > MAXGAM || a > MAXGAM || b > MAXGAM) return lnBetaLarge(a, b)
  return Math.log(Math.abs(betaFn(a, b)))
}

const BIG = 4.503599627370496e15
const BIGINV = 2.22044604925031308085e-16

/** Power series, for b·x small and x not close to 1. */
function betaSeries(a: number, b: number, x: number): number {
  const ai = 1 / a
  let u = (1 - b) * x
  let v = u / (a + 1)
  const t1 = v
  let t = u
  let n = 2
  let s = 0
  const z = MACHEP * ai
  while (Math.abs(v) > z) {
    u = ((n - b) * x) / n
    t *= u
    v = t / (a + n)
    s += v
    n += 1
  }
  s += t1
  s += ai
  u = a * Math.log(x)
  if (a + b < MAXGAM && Math.abs(u) < MAXLOG) {
    t = 1 / betaFn(a, b)
    return s * t * Math.pow(x, a)
  }
  t = -lnBeta(a, b) + u + Math.log(s)
  return t < MINLOG ? 0 : Math.exp(t)
}

/** Continued fraction expansion #1 (x small relative to the mean a/(a+b)). */
function betaContinuedFraction1(a: number, b: number, x: number): number {
  let k1 = a
  let k2 = a + b
  let k3 = a
  let k4 = a + 1
  let k5 = 1
  let k6 = b - 1
  let k7 = k4
  let k8 = a + 2
  let pkm2 = 0
  let qkm2 = 1
  let pkm1 = 1
  let qkm1 = 1
  let ans = 1
  let r = 1
  const thresh = 3 * MACHEP
  for (let n = 0; n < 300; n++) {
    let xk = -(x * k1 * k2) / (k3 * k4)
    let pk = pkm1 + pkm2 * xk
    let qk = qkm1 + qkm2 * xk
    pkm2 = pkm1
    pkm1 = pk
    qkm2 = qkm1
    qkm1 = qk
    xk = (x * k5 * k6) / (k7 * k8)
    pk = pkm1 + pkm2 * xk
    qk = qkm1 + qkm2 * xk
    pkm2 = pkm1
    pkm1 = pk
    qkm2 = qkm1
    qkm1 = qk
    if (qk !== 0) r = pk / qk
    let t: number
    if (r !== 0) {
      t = Math.abs((ans - r) / r)
      ans = r
    } else {
      t = 1
    }
    if (t < thresh) break
    k1 += 1
    k2 += 1
    k3 += 2
    k4 += 2
    k5 += 1
    k6 -= 1
    k7 += 2
    k8 += 2
    if (Math.abs(qk) + Math.abs(pk) > BIG) {
      pkm2 *= BIGINV
      pkm1 *= BIGINV
      qkm2 *= BIGINV
      qkm1 *= BIGINV
    }
    if (Math.abs(qk) < BIGINV || Math.abs(pk) < BIGINV) {
      pkm2 *= BIG
      pkm1 *= BIG
      qkm2 *= BIG
      qkm1 *= BIG
    }
  }
  return ans
}

/** Continued fraction expansion #2, in z = x / (1 - x). */
function betaContinuedFraction2(a: number, b: number, x: number): number {
  let k1 = a
  let k2 = b - 1
  let k3 = a
  let k4 = a + 1
  let k5 = 1
  let k6 = a + b
  let k7 = a + 1
  let k8 = a + 2
  let pkm2 = 0
  let qkm2 = 1
  let pkm1 = 1
  let qkm1 = 1
  const z = x / (1 - x)
  let ans = 1
  let r = 1
  const thresh = 3 * MACHEP
  for (let n = 0; n < 300; n++) {
    let xk = -(z * k1 * k2) / (k3 * k4)
    let pk = pkm1 + pkm2 * xk
    let qk = qkm1 + qkm2 * xk
    pkm2 = pkm1
    pkm1 = pk
    qkm2 = qkm1
    qkm1 = qk
    xk = (z * k5 * k6) / (k7 * k8)
    pk = pkm1 + pkm2 * xk
    qk = qkm1 + qkm2 * xk
    pkm2 = pkm1
    pkm1 = pk
    qkm2 = qkm1
    qkm1 = qk
    if (qk !== 0) r = pk / qk
    let t: number
    if (r !== 0) {
      t = Math.abs((ans - r) / r)
      ans = r
    } else {
      t = 1
    }
    if (t < thresh) break
    k1 += 1
    k2 -= 1
    k3 += 2
    k4 += 2
    k5 += 1
    k6 += 1
    k7 += 2
    k8 += 2
    if (Math.abs(qk) + Math.abs(pk) > BIG) {
      pkm2 *= BIGINV
      pkm1 *= BIGINV
      qkm2 *= BIGINV
      qkm1 *= BIGINV
    }
    if (Math.abs(qk) < BIGINV || Math.abs(pk) < BIGINV) {
      pkm2 *= BIG
      pkm1 *= BIG
      qkm2 *= BIG
      qkm1 *= BIG
    }
  }
  return ans
}

/**
 * Regularized incomplete beta I_x(a, b) = B(x; a, b) / B(a, b) for 0 <= x <= 1, a, b > 0
 * (scipy.special.betainc(a, b, x); note the argument order: x first here).
 */
export function betaI(x: number, a: number, b: number): number {
  return betaIComplemented(x, 1 - x, a, b)
}

/**
 * I_x(a, b) given both x and xc = 1 - x. Callers that can form 1 - x without cancellation (the
 * Student t tail, where x = t²/(df+t²)) pass it, so that a tiny 1 - x keeps its relative precision.
 */
export function betaIComplemented(xx: number, xcIn: number, aa: number, bb: number): number {
  if (!(aa > 0) || !(bb > 0) || Number.isNaN(xx) || Number.isNaN(xcIn)) return NaN
  if (xx < 0 || xx > 1) return NaN
  if (xx === 0) return 0
  // xx may round to 1 while xc is a tiny positive number: only xc = 0 means the integral is complete
  if (xcIn <= 0) return 1
  if (bb * xx <= 1 && xx <= 0.95) return betaSeries(aa, bb, xx)

  let w = xcIn
  let a: number
  let b: number
  let x: number
  let xc: number
  let reflected = false
  // reflect when x is beyond the mean, where the expansions converge slowly
  if (xx > aa / (aa + bb)) {
    reflected = true
    a = bb
    b = aa
    xc = xx
    x = w
  } else {
    a = aa
    b = bb
    xc = w
    x = xx
  }
  let t: number
  if (reflected && b * x <= 1 && x <= 0.95) {
    t = betaSeries(a, b, x)
  } else {
    let y = x * (a + b - 2) - (a - 1)
    w = y < 0 ? betaContinuedFraction1(a, b, x) : betaContinuedFraction2(a, b, x) / xc
    // multiply by x^a (1-x)^b Gamma(a+b) / (a Gamma(a) Gamma(b))
    y = a * Math.log(x)
    t = b * Math.log(xc)
    if (a + b < MAXGAM && Math.abs(y) < MAXLOG && Math.abs(t) < MAXLOG) {
      t = Math.pow(xc, b)
      t *= Math.pow(x, a)
      t /= a
      t *= w
      t *= 1 / betaFn(a, b)
    } else {
      y += t - lnBeta(a, b)
      y += Math.log(w / a)
      t = y < MINLOG ? 0 : Math.exp(y)
    }
  }
  if (reflected) t = t <= MACHEP ? 1 - MACHEP : 1 - t
  return t
}

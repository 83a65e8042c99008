/** Machine constants shared by the special functions (IEEE double, as in Cephes' const.c). */

/** 2^-53: the relative spacing of doubles around 1, used as the convergence threshold of series. */
export const MACHEP = 1.11022302462515654042e-16
/** log(Number.MAX_VALUE): exp() of anything larger overflows. */
export const MAXLOG = 7.09782712893383996732e2
/** log(smallest subnormal): exp() of anything smaller underflows to 0. */
export const MINLOG = -7.451332191019412076235e2
/** Gamma(x) overflows for x beyond this. */
export const MAXGAM = 171.624376956302725
/** log(sqrt(2 pi)). */
export const LS2PI = 0.91893853320467274178
export const LOGPI = 1.1447298858494001741434273513530587116472948129153
export const SQRT2PI = 2.50662827463100050242
/** Euler-Mascheroni constant. */
export const EULER = 0.577215664901532860606512090082402431

/** Evaluates the polynomial coef[0] x^n + ... + coef[n] (Horner). */
export function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0]!
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!
  return ans
}

/** Like polevl with an implicit leading coefficient 1: x^(n+1) + coef[0] x^n + ... + coef[n]. */
export function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0]!
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!
  return ans
}

/**
 * Rational function num(x)/denom(x) whose coefficients are given highest degree first, evaluated in
 * 1/x for |x| > 1 so that large arguments neither overflow nor lose precision (Boost's ratevl).
 */
export function ratevl(x: number, num: readonly number[], denom: readonly number[]): number {
  const m = num.length - 1
  const n = denom.length - 1
  const absx = Math.abs(x)
  let y: number
  let dir: 1 | -1
  let p: number
  if (absx > 1) {
    dir = -1
    p = m
    y = 1 / x
  } else {
    dir = 1
    p = 0
    y = x
  }
  let numAns = num[p]!
  p += dir
  for (let i = 1; i <= m; i++) {
    numAns = numAns * y + num[p]!
    p += dir
  }
  p = absx > 1 ? n : 0
  let denomAns = denom[p]!
  p += dir
  for (let i = 1; i <= n; i++) {
    denomAns = denomAns * y + denom[p]!
    p += dir
  }
  if (absx > 1) {
    return Math.pow(x, n - m) * (numAns / denomAns)
  }
  return numAns / denomAns
}

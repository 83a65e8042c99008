/**
 * log2 rounded to nearest, for numpy's 'sturges' bin count.
 *
 * numpy's 'sturges' bin width is `ptp / (np.log2(n) + 1)` and the bin count `ceil(range / width)`.
 * V8's `Math.log2` is off by one ulp for about 0.07% of integers (e.g. 1375); numpy calls the C
 * library's log2, which is correctly rounded except in rare near-halfway cases (e.g. 1621). Only
 * the ceiling depends on it, and `range / width` is within a few ulps of an integer only when n is
 * a power of two (where every log2 is exact), so a remaining last-bit difference cannot change the
 * bins. Evaluated in double-double arithmetic (about 100 bits) and rounded once.
 */

// ln 2 as a double-double
const LN2_HI = 0.6931471805599453
const LN2_LO = 2.3190468138462996e-17
const SPLITTER = 134217729 // 2^27 + 1

let hiOut = 0
let loOut = 0

function quickTwoSum(a: number, b: number): void {
  const s = a + b
  hiOut = s
  loOut = b - (s - a)
}

function twoSum(a: number, b: number): void {
  const s = a + b
  const bb = s - a
  hiOut = s
  loOut = a - (s - bb) + (b - bb)
}

function twoProd(a: number, b: number): void {
  const p = a * b
  let c = SPLITTER * a
  const ah = c - (c - a)
  const al = a - ah
  c = SPLITTER * b
  const bh = c - (c - b)
  const bl = b - bh
  hiOut = p
  loOut = ah * bh - p + ah * bl + al * bh + al * bl
}

function ddMul(xh: number, xl: number, yh: number, yl: number): void {
  twoProd(xh, yh)
  const p = hiOut
  const e = loOut + (xh * yl + xl * yh)
  quickTwoSum(p, e)
}

function ddAdd(xh: number, xl: number, yh: number, yl: number): void {
  twoSum(xh, yh)
  const s = hiOut
  const e = loOut + xl + yl
  quickTwoSum(s, e)
}

function ddDiv(xh: number, xl: number, yh: number, yl: number): void {
  // long division with three quotient digits (as in the QD library's dd_real division)
  const q1 = xh / yh
  ddMul(q1, 0, yh, yl)
  ddAdd(xh, xl, -hiOut, -loOut)
  const r1h = hiOut
  const r1l = loOut
  const q2 = r1h / yh
  ddMul(q2, 0, yh, yl)
  ddAdd(r1h, r1l, -hiOut, -loOut)
  const q3 = hiOut / yh
  quickTwoSum(q1, q2)
  ddAdd(hiOut, loOut, q3, 0)
}

/** log2(x) rounded to nearest, for x > 0 finite; NaN, -Infinity, Infinity as Math.log2 otherwise. */
export function log2CorrectlyRounded(x: number): number {
  if (!(x > 0) || x === Infinity) return Math.log2(x)
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)): the series below converges fast there
  let e = Math.round(Math.log2(x))
  let m = x / 2 ** e
  if (m === Infinity || m === 0 || !Number.isFinite(m)) {
    // subnormal or huge x: scale in two steps so 2^e stays representable
    const half = Math.trunc(e / 2)
    m = x / 2 ** half / 2 ** (e - half)
  }
  while (m >= Math.SQRT2) {
    m /= 2
    e++
  }
  while (m < Math.SQRT1_2) {
    m *= 2
    e--
  }
  if (m === 1) return e
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172
  twoSum(m, 1)
  ddDiv(m - 1, 0, hiOut, loOut)
  const sh = hiOut
  const sl = loOut
  ddMul(sh, sl, sh, sl)
  const s2h = hiOut
  const s2l = loOut
  // sum_{k>=0} s^(2k) / (2k + 1), Horner from the tail; 30 terms reach 1e-40 for |s| < 0.172
  let th = 1 / 61
  let tl = 0
  for (let k = 29; k >= 0; k--) {
    ddMul(th, tl, s2h, s2l)
    const ph = hiOut
    const pl = loOut
    const d = 2 * k + 1
    // 1/d as a double-double
    const inv = 1 / d
    twoProd(inv, d)
    const invLo = -((hiOut - 1) + loOut) / d
    ddAdd(ph, pl, inv, invLo)
    th = hiOut
    tl = loOut
  }
  ddMul(th, tl, sh, sl)
  const lnh = 2 * hiOut
  const lnl = 2 * loOut
  ddDiv(lnh, lnl, LN2_HI, LN2_LO)
  const lh = hiOut
  const ll = loOut
  twoSum(e, lh)
  return hiOut + (loOut + ll)
}

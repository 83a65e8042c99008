/**
 * Tail probabilities of the chi-square and Student t distributions on top of the incomplete
 * gamma and beta integrals (scipy.stats.chi2.sf and t.sf/cdf compute the same integrals).
 */
import { betaIComplemented } from './beta.js'
import { normalSf } from './erf.js'
import { gammaP, gammaQ } from './gamma.js'

/** P(X > x) for X ~ chi-square with df degrees of freedom (scipy.stats.chi2.sf; df may be fractional). */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN
  if (x <= 0) return 1
  return gammaQ(df / 2, x / 2)
}

/** P(X <= x) for X ~ chi-square with df degrees of freedom. */
export function chi2Cdf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN
  if (x <= 0) return 0
  return gammaP(df / 2, x / 2)
}

/** P(T > t) for t >= 0: 0.5 I_{df/(df+t²)}(df/2, 1/2), with both arguments formed without cancellation. */
function studentTUpperTail(t: number, df: number): number {
  if (t === Infinity) return 0
  const t2 = t * t
  // x = df/(df+t²) and 1 - x = t²/(df+t²) are both computed directly: whichever is tiny keeps its precision
  return 0.5 * betaIComplemented(df / (df + t2), t2 / (df + t2), df / 2, 0.5)
}

/** P(T > t) for T ~ Student t with df degrees of freedom (scipy.stats.t.sf; df > 0, may be fractional). */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN
  if (df === Infinity) return normalSf(t)
  return t >= 0 ? studentTUpperTail(t, df) : 1 - studentTUpperTail(-t, df)
}

/** P(T <= t) for T ~ Student t with df degrees of freedom (scipy.stats.t.cdf). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN
  if (df === Infinity) return 1 - normalSf(t)
  return t <= 0 ? studentTUpperTail(-t, df) : 1 - studentTUpperTail(t, df)
}


/**
 * PSI, Kullback-Leibler, Jensen-Shannon and Hellinger distances on per-bin shares, computed the way
 * Evidently computes them (numpy/scipy): natural logarithms, numpy's pairwise `np.sum`, and the
 * same order of operations, so results agree with Evidently to the last few bits.
 */
import { StatsInputError } from '../errors.js'
import { numpySum } from './pairwise-sum.js'

/**
 * Evidently's zero-share replacement for PSI and KL (in place): every zero share becomes
 * `min / 1e6` when the smallest non-zero share is <= 1e-4, else 1e-4. Shares are not renormalised.
 */
export function fillZeroShares(shares: Float64Array, test: string): void {
  let min = Infinity
  for (let i = 0; i < shares.length; i++) {
    const v = shares[i]!
    if (v !== 0 && v < min) min = v
  }
  if (min === Infinity) {
    throw new StatsInputError(test, 'every share is zero, so the zero-share replacement has no minimum', 'pass a non-empty sample')
  }
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill
}

/** scipy.special.rel_entr: x log(x / y), 0 for x = 0 <= y, +inf otherwise. */
export function relEntr(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN
  if (x > 0 && y > 0) return x * Math.log(x / y)
  if (x === 0 && y >= 0) return 0
  return Infinity
}

function checkSameLength(reference: Float64Array, current: Float64Array, test: string): void {
  if (reference.length !== current.length) {
    throw new StatsInputError(test, `share vectors differ in length (${reference.length} vs ${current.length})`, 'align both samples on the same bins')
  }
}

/** Population stability index `sum((r - c) * ln(r / c))` over zero-filled shares (Evidently `psi`). */
export function psiFromShares(reference: Float64Array, current: Float64Array): number {
  checkSameLength(reference, current, 'psi')
  const terms = new Float64Array(reference.length)
  for (let i = 0; i < terms.length; i++) {
    const r = reference[i]!
    const c = current[i]!
    terms[i] = (r - c) * Math.log(r / c)
  }
  return numpySum(terms)
}

/** Divide by the (numpy) sum, as scipy's entropy/jensenshannon normalise their inputs. */
function normalised(shares: Float64Array): Float64Array {
  const total = numpySum(shares)
  const out = new Float64Array(shares.length)
  for (let i = 0; i < out.length; i++) out[i] = shares[i]! / total
  return out
}

/** KL divergence of current from reference, `scipy.stats.entropy(reference, current)` (natural log). */
export function klDivFromShares(reference: Float64Array, current: Float64Array): number {
  checkSameLength(reference, current, 'kl_div')
  const qk = normalised(current)
  const pk = normalised(reference)
  const terms = new Float64Array(pk.length)
  for (let i = 0; i < terms.length; i++) terms[i] = relEntr(pk[i]!, qk[i]!)
  return numpySum(terms)
}

/** Jensen-Shannon distance (square root of the divergence, natural log): `scipy.spatial.distance.jensenshannon`. */
export function jensenShannonFromShares(reference: Float64Array, current: Float64Array): number {
  checkSameLength(reference, current, 'jensenshannon')
  const p = normalised(reference)
  const q = normalised(current)
  const left = new Float64Array(p.length)
  const right = new Float64Array(p.length)
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2.0
    left[i] = relEntr(p[i]!, m)
    right[i] = relEntr(q[i]!, m)
  }
  const js = numpySum(left) + numpySum(right)
  return Math.sqrt(js / 2.0)
}

/** `sqrt(1 - clip(s, 0, 1))` for a Bhattacharyya coefficient s. */
function hellingerFromCoefficient(s: number): number {
  const clipped = Math.min(Math.max(s, 0), 1)
  return Math.sqrt(1 - clipped)
}

/** Hellinger distance on shares (Evidently's categorical branch): `sqrt(1 - sum(sqrt(r * c)))`, summed in order. */
export function hellingerFromShares(reference: Float64Array, current: Float64Array): number {
  checkSameLength(reference, current, 'hellinger')
  let s = 0.0
  for (let i = 0; i < reference.length; i++) s += Math.sqrt(reference[i]! * current[i]!)
  return hellingerFromCoefficient(s)
}

/**
 * Hellinger distance on histogram densities with equal bin width (Evidently's numeric branch):
 * `sqrt(1 - sum(sqrt(h1 * h2) * width))`.
 */
export function hellingerFromDensities(reference: Float64Array, current: Float64Array, width: number): number {
  checkSameLength(reference, current, 'hellinger')
  let s = 0.0
  for (let i = 0; i < reference.length; i++) s += Math.sqrt(reference[i]! * current[i]!) * width
  return hellingerFromCoefficient(s)
}

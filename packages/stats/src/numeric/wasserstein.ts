/**
 * First Wasserstein distance between two empirical distributions (scipy.stats.wasserstein_distance)
 * and Evidently's normed variant: divided by max(population std(reference), 0.001).
 */
import { StatsInputError } from '../errors.js'
import { meanVariance } from './summation.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

/**
 * Integral of |F_u - F_v|^p between consecutive pooled values (scipy `_cdf_distance`), in one merge
 * of the two sorted samples: O(n + m), no allocation. Returns the sum before the p-th root.
 */
export function cdfDistanceSum(u: Float64Array, v: Float64Array, p: 1 | 2): number {
  const nu = u.length
  const nv = v.length
  let i = 0
  let j = 0
  let sum = 0
  let c = 0 // Neumaier compensation: a million small terms
  let x = u[0]! <= v[0]! ? u[0]! : v[0]!
  while (i < nu || j < nv) {
    while (i < nu && u[i]! <= x) i++
    while (j < nv && v[j]! <= x) j++
    if (i === nu && j === nv) break
    const next = i < nu && (j === nv || u[i]! <= v[j]!) ? u[i]! : v[j]!
    const diff = i / nu - j / nv
    const term = (p === 1 ? Math.abs(diff) : diff * diff) * (next - x)
    const t = sum + term
    if (sum >= term) c += sum - t + term
    else c += term - t + sum
    sum = t
    x = next
  }
  return sum + c
}

/**
 * scipy.stats.wasserstein_distance(reference, current). Inputs: finite values sorted ascending.
 * O(n + m).
 */
export function wassersteinDistance(reference: Float64Array, current: Float64Array): number {
  if (reference.length === 0 || current.length === 0) {
    throw new StatsInputError(
      'wasserstein',
      `needs at least one value in each sample (reference ${reference.length}, current ${current.length})`,
    )
  }
  assertSortedFinite('wasserstein', reference, 'reference')
  assertSortedFinite('wasserstein', current, 'current')
  return cdfDistanceSum(reference, current, 1)
}

/**
 * Evidently's `wasserstein` drift score: wasserstein_distance / max(np.std(reference), 0.001)
 * (population std). Inputs: finite values sorted ascending. O(n + m); pValue is null (a distance).
 */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const distance = wassersteinDistance(reference, current)
  const std = Math.sqrt(meanVariance(reference, 0).variance)
  const norm = Math.max(std, 0.001)
  return { statistic: distance / norm, pValue: null }
}

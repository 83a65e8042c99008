/**
 * Energy distance between two 1-D empirical distributions (scipy.stats.energy_distance):
 * sqrt(2) * sqrt(integral of (F_u - F_v)²), the O(n log n) CDF form of
 * sqrt(2 E|X-Y| - E|X-X'| - E|Y-Y'|); with sorted inputs it is a single O(n + m) merge.
 */
import { StatsInputError } from '../errors.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'
import { cdfDistanceSum } from './wasserstein.js'

/** scipy.stats.energy_distance(reference, current). Inputs: finite values sorted ascending. pValue is null. */
export function energyDistance(reference: Float64Array, current: Float64Array): TwoSampleResult {
  if (reference.length === 0 || current.length === 0) {
    throw new StatsInputError(
      'ed',
      `needs at least one value in each sample (reference ${reference.length}, current ${current.length})`,
    )
  }
  assertSortedFinite('ed', reference, 'reference')
  assertSortedFinite('ed', current, 'current')
  return { statistic: Math.SQRT2 * Math.sqrt(cdfDistanceSum(reference, current, 2)), pValue: null }
}

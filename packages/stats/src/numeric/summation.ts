/**
 * Accurate sums for the moments the kernels need. numpy sums pairwise in file order; the kernels
 * see sorted data, so bit-for-bit agreement is impossible anyway. Neumaier's compensated sum is
 * accurate to about one ulp independently of order, which keeps us within a few ulps of numpy.
 */

/** Sum of values with Neumaier's compensation. */
export function accurateSum(values: Float64Array): number {
  let sum = 0
  let c = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    const t = sum + v
    if (Math.abs(sum) >= Math.abs(v)) c += sum - t + v
    else c += v - t + sum
    sum = t
  }
  return sum + c
}

/** Arithmetic mean (NaN for an empty sample, like numpy). */
export function mean(values: Float64Array): number {
  return accurateSum(values) / values.length
}

/** Sum of (v - center)² with compensation. */
export function sumSquaredDeviations(values: Float64Array, center: number): number {
  let sum = 0
  let c = 0
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - center
    const v = d * d
    const t = sum + v
    if (sum >= v) c += sum - t + v
    else c += v - t + sum
    sum = t
  }
  return sum + c
}

/**
 * Mean and variance with `ddof` (numpy's two-pass formula). A sorted sample whose first and last
 * values are equal is constant: its variance is exactly 0 (numpy's pairwise sums can leave an
 * ulp-sized residue there, which would turn a 0/0 statistic into a huge one).
 */
export function meanVariance(sorted: Float64Array, ddof: number): { mean: number; variance: number } {
  const n = sorted.length
  if (n === 0) return { mean: NaN, variance: NaN }
  if (sorted[0] === sorted[n - 1]) return { mean: sorted[0]!, variance: n - ddof > 0 ? 0 : NaN }
  const m = mean(sorted)
  return { mean: m, variance: sumSquaredDeviations(sorted, m) / (n - ddof) }
}

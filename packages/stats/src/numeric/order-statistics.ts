/** Order statistics of the union of two sorted samples without merging them. */

/**
 * The k-th smallest value (0-based) of the union of sorted `a` and `b`, by binary search on how
 * many of the first k + 1 values come from `a`: O(log min(n, m)).
 */
export function kthOfUnion(a: Float64Array, b: Float64Array, k: number): number {
  const n = a.length
  const m = b.length
  if (k < 0 || k >= n + m) throw new RangeError(`order statistic ${k} out of range for ${n + m} values`)
  // take i values from a and k + 1 - i from b; find i with a[i-1] <= b[k-i] and b[k-i] ... consistent split
  let lo = Math.max(0, k + 1 - m)
  let hi = Math.min(k + 1, n)
  while (lo < hi) {
    const i = (lo + hi) >> 1
    const j = k + 1 - i
    // too few from a when a[i] < b[j-1]
    if (a[i]! < b[j - 1]!) lo = i + 1
    else hi = i
  }
  const i = lo
  const j = k + 1 - i
  const fromA = i > 0 ? a[i - 1]! : -Infinity
  const fromB = j > 0 ? b[j - 1]! : -Infinity
  return fromA > fromB ? fromA : fromB
}

/**
 * np.percentile(union, q, method='linear') for q in [0, 100]: virtual index (N - 1) q / 100,
 * interpolated with numpy's `_lerp` (which evaluates from the nearer end).
 */
export function percentileOfUnion(a: Float64Array, b: Float64Array, q: number): number {
  const N = a.length + b.length
  const virtual = (N - 1) * (q / 100)
  if (virtual >= N - 1) return kthOfUnion(a, b, N - 1)
  if (virtual < 0) return kthOfUnion(a, b, 0)
  const previous = Math.floor(virtual)
  const gamma = virtual - previous
  const lower = kthOfUnion(a, b, previous)
  const upper = kthOfUnion(a, b, previous + 1)
  const diff = upper - lower
  return gamma >= 0.5 ? upper - diff * (1 - gamma) : lower + diff * gamma
}

/**
 * Evidently's `empirical_mmd`: the unbiased squared maximum mean discrepancy with a Gaussian kernel
 * whose bandwidth is the median heuristic, and a permutation p-value from 100 permutations drawn
 * as numpy's legacy `np.random.seed(0); np.random.permutation(n + m)` would draw them.
 *
 *   d(a, b)  = (b² - 2ab) + a²    (Evidently's expansion, evaluated in this order)
 *   sigma    = sqrt(median_nearest(d(x_i, x_j) over all reference pairs) / 2), or sqrt(1/2) if 0
 *   k(a, b)  = exp(-d(a, b) / (2 sigma²)), with k(z_i, z_i) := 0 on the pooled diagonal
 *   MMD²     = sum k_xx / (n(n-1)) + sum k_yy / (m(m-1)) - 2 mean k_xy
 *   p        = share of permutations of the pooled sample whose MMD² is >= the observed one
 *
 * The kernel is O(N²) in time (N = n + m); Evidently also holds the N×N matrix in memory, which is
 * why it is refused above 6,000 values. Here the median is found by histogram passes without
 * storing the n² distances, and the kernel matrix is cached as a packed float32 upper triangle
 * (N²/2 × 4 bytes, 72 MB at the cap) only for the permutations; the statistic itself is accumulated in float64 from exact kernel
 * values.
 *
 * Order matters only for the permutations, which index the samples in the order given. Unlike
 * the other kernels this one accepts unsorted input: pass the values in file order (missing values
 * dropped) and the permutations are exactly Evidently's, so is the p-value (up to float ties). With
 * sorted input the p-value is an equally valid permutation estimate, but not Evidently's draw (the
 * reference cases allow ±0.2 for that reason).
 */
import { StatsInputError } from '../errors.js'
import { MersenneTwister } from '../random/mt19937.js'
import { legacyPermutation } from './numpy-permutation.js'
import { assertFinite, roundHalfEven, type TwoSampleResult } from './types.js'

/** Evidently's cases leave empirical_mmd out above this many pooled values (O(N²) kernel). */
export const MMD_MAX_VALUES = 6000
export const MMD_PERMUTATIONS = 100
const U = 1.1102230246251565e-16

/** d(a, b) exactly as numpy evaluates `(b**2 - 2*np.outer(a, b)) + a**2`. */
function sqDist(a: number, aa: number, b: number, bb: number): number {
  return bb - 2 * (a * b) + aa
}

/**
 * The element of rank `k` (0-based) among the n² values d(x_i, x_j), found without storing them:
 * each pass counts the values below a bracket and histograms those inside it, narrowing the bracket
 * to one bin, until the bin holds a single distinct value or few enough values to sort.
 */
function pairwiseOrderStatistic(x: Float64Array, k: number): number {
  const n = x.length
  const sq = new Float64Array(n)
  let maxAbs = 0
  for (let i = 0; i < n; i++) {
    sq[i] = x[i]! * x[i]!
    maxAbs = Math.max(maxAbs, Math.abs(x[i]!))
  }
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    if (x[i]! < min) min = x[i]!
    if (x[i]! > max) max = x[i]!
  }
  const range = max - min
  // every computed d lies within ~6u(|a|+|b|)² of the true (a-b)² in [0, range²]; keep a margin
  const slack = 16 * U * (2 * maxAbs) ** 2
  let lo = -slack - Number.MIN_VALUE
  let hi = range * range * (1 + 4 * U) + slack + Number.MIN_VALUE
  let below = 0
  const BINS = 4096
  const COLLECT_LIMIT = 1 << 20
  const counts = new Float64Array(BINS)
  const binMin = new Float64Array(BINS)
  const binMax = new Float64Array(BINS)
  let insideEstimate = Infinity
  for (let pass = 0; pass < 200; pass++) {
    if (insideEstimate <= COLLECT_LIMIT) {
      const buf = new Float64Array(insideEstimate)
      let used = 0
      for (let i = 0; i < n; i++) {
        const a = x[i]!
        const aa = sq[i]!
        for (let j = 0; j < n; j++) {
          const d = sqDist(a, aa, x[j]!, sq[j]!)
          if (d >= lo && d <= hi) buf[used++] = d
        }
      }
      const vals = buf.subarray(0, used).sort()
      return vals[k - below]!
    }
    counts.fill(0)
    binMin.fill(Infinity)
    binMax.fill(-Infinity)
    const scale = BINS / (hi - lo)
    let newBelow = 0
    for (let i = 0; i < n; i++) {
      const a = x[i]!
      const aa = sq[i]!
      for (let j = 0; j < n; j++) {
        const d = sqDist(a, aa, x[j]!, sq[j]!)
        if (d < lo) newBelow++
        else if (d <= hi) {
          let b = ((d - lo) * scale) | 0
          if (b >= BINS) b = BINS - 1
          counts[b]!++
          if (d < binMin[b]!) binMin[b] = d
          if (d > binMax[b]!) binMax[b] = d
        }
      }
    }
    below = newBelow
    let cum = below
    let chosen = -1
    for (let b = 0; b < BINS; b++) {
      if (k < cum + counts[b]!) {
        chosen = b
        break
      }
      cum += counts[b]!
    }
    if (chosen < 0) throw new Error('empirical_mmd: median search lost its bracket (internal error)')
    below = cum
    lo = binMin[chosen]!
    hi = binMax[chosen]!
    if (lo === hi) return lo
    insideEstimate = counts[chosen]!
  }
  throw new Error('empirical_mmd: median search did not converge (internal error)')
}

/**
 * Offsets of the packed upper triangle (i < j) of an N×N matrix: entry (i, j) is at offset[i] + j.
 * Half the memory of the full matrix (72 MB of float32 at the 6,000-value cap).
 */
function packedRowOffsets(N: number): Float64Array {
  const offset = new Float64Array(N)
  for (let i = 0; i < N; i++) offset[i] = i * N - (i * (i + 1)) / 2 - i - 1
  return offset
}

/**
 * Sum over i < j in [from, to) of exp(-gamma d(z_i, z_j)), filling the upper triangle of the
 * float32 cache and the row sums. Per-row float64 sums, compensated across rows.
 */
function symmetricBlock(
  z: Float64Array,
  zz: Float64Array,
  from: number,
  to: number,
  gamma: number,
  K: Float32Array,
  rowOffset: Float64Array,
  rowSums: Float64Array,
): number {
  let sum = 0
  let c = 0
  for (let i = from; i < to; i++) {
    const a = z[i]!
    const aa = zz[i]!
    const row = rowOffset[i]!
    let rs = 0
    for (let j = i + 1; j < to; j++) {
      const kv = Math.exp(-gamma * sqDist(a, aa, z[j]!, zz[j]!))
      K[row + j] = kv
      rowSums[j]! += kv
      rs += kv
    }
    rowSums[i]! += rs
    const t = sum + rs
    c += sum >= rs ? sum - t + rs : rs - t + sum
    sum = t
  }
  return sum + c
}

/** Sum of exp(-gamma d(z_i, z_j)) for i < n <= j (reference rows), filling the cache and row sums. */
function crossBlock(
  z: Float64Array,
  zz: Float64Array,
  n: number,
  N: number,
  gamma: number,
  K: Float32Array,
  rowOffset: Float64Array,
  rowSums: Float64Array,
): number {
  let sum = 0
  let c = 0
  for (let i = 0; i < n; i++) {
    const a = z[i]!
    const aa = zz[i]!
    const row = rowOffset[i]!
    let rs = 0
    for (let j = n; j < N; j++) {
      const kv = Math.exp(-gamma * sqDist(a, aa, z[j]!, zz[j]!))
      K[row + j] = kv
      rowSums[j]! += kv
      rs += kv
    }
    rowSums[i]! += rs
    const t = sum + rs
    c += sum >= rs ? sum - t + rs : rs - t + sum
    sum = t
  }
  return sum + c
}

/**
 * Evidently's empirical_mmd on finite samples (each with at least 2 values, together at most
 * 6,000), sorted or in file order (see above: file order reproduces Evidently's p-value).
 * Deterministic: permutations come from numpy's legacy generator seeded with 0.
 */
export function empiricalMmd(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const n = reference.length
  const m = current.length
  if (n < 2 || m < 2) {
    throw new StatsInputError('empirical_mmd', `needs at least two values in each sample (reference ${n}, current ${m})`)
  }
  const N = n + m
  if (N > MMD_MAX_VALUES) {
    throw new StatsInputError(
      'empirical_mmd',
      `refused for ${N} values (reference ${n} + current ${m}): the kernel is O(N²) in time and memory (Evidently would hold a ${N}×${N} matrix), so it is capped at ${MMD_MAX_VALUES} values`,
      'sample both datasets down, or use wasserstein / ks / energy distance for large columns',
    )
  }
  assertFinite('empirical_mmd', reference, 'reference')
  assertFinite('empirical_mmd', current, 'current')

  // median heuristic on the reference pairs (numpy percentile 50, method 'nearest')
  const med = pairwiseOrderStatistic(reference, roundHalfEven((n * n - 1) * 0.5))
  let sigma = Math.sqrt(0.5 * med)
  if (sigma === 0) sigma = Math.sqrt(0.5)
  const gamma = 1 / (2 * sigma * sigma)

  // pooled values z = [x, y]; the kernel block for (i, j) uses d(z_i, z_j) with z_i as the row
  const z = new Float64Array(N)
  z.set(reference, 0)
  z.set(current, n)
  const zz = new Float64Array(N)
  for (let i = 0; i < N; i++) zz[i] = z[i]! * z[i]!

  // Kernel blocks, each entry evaluated once: k_xy as exp(-gamma d(x_i, y_j)) (reference as rows,
  // as Evidently evaluates it) and the within-sample blocks from their upper triangles. numpy
  // evaluates both d(a, b) and d(b, a), which differ only in the last bits; taking one of them
  // halves the exp() calls (the dominant cost). The float32 cache K (packed upper triangle, i < j) serves
  // the permutations.
  const K = new Float32Array((N * (N - 1)) / 2)
  const rowOffset = packedRowOffsets(N)
  const rowSums = new Float64Array(N)
  const sumXX = 2 * symmetricBlock(z, zz, 0, n, gamma, K, rowOffset, rowSums)
  const sumYY = 2 * symmetricBlock(z, zz, n, N, gamma, K, rowOffset, rowSums)
  const sumXY = crossBlock(z, zz, n, N, gamma, K, rowOffset, rowSums)
  const mmd = (1 / (n * (n - 1))) * sumXX + (1 / (m * (m - 1))) * sumYY - 2 * (sumXY / (n * m))

  // permutation statistics from the float32 cache; the observed value is recomputed the same way
  // so that permutations tying with it (discrete data) compare equal rather than by rounding noise
  let total = 0
  for (let i = 0; i < N; i++) total += rowSums[i]!
  const a = 1 / (n * (n - 1))
  const b = 1 / (m * (m - 1))
  const inX = new Uint8Array(N)
  const members = new Int32Array(Math.min(n, m))
  const permStat = (): number => {
    // quadratic form over the smaller group only; the rest follows from row sums and the total
    const smallIsX = n <= m
    let count = 0
    for (let i = 0; i < N; i++) if ((inX[i] === 1) === smallIsX) members[count++] = i
    // members ascend, so (members[p], members[r]) with p < r lies in the cached upper triangle
    let q = 0
    let l = 0
    for (let p = 0; p < count; p++) {
      const i = members[p]!
      const row = rowOffset[i]!
      l += rowSums[i]!
      let qs = 0
      for (let r = p + 1; r < count; r++) qs += K[row + members[r]!]!
      q += qs
    }
    q *= 2
    // small group S: A_S = q, cross = L_S - q, other group's sum = total - 2 L_S + q
    const cross = l - q
    const other = total - 2 * l + q
    const sxx = smallIsX ? q : other
    const syy = smallIsX ? other : q
    return a * sxx + b * syy - (2 * cross) / (n * m)
  }
  for (let i = 0; i < N; i++) inX[i] = i < n ? 1 : 0
  const observed = permStat()

  const rng = MersenneTwister.fromNumpySeed(0)
  const idx = new Int32Array(N)
  let extreme = 0
  const tolerance = 1e-12
  for (let p = 0; p < MMD_PERMUTATIONS; p++) {
    legacyPermutation(rng, N, idx)
    inX.fill(0)
    for (let i = 0; i < n; i++) inX[idx[i]!] = 1
    if (observed <= permStat() + tolerance) extreme++
  }
  return { statistic: mmd, pValue: extreme / MMD_PERMUTATIONS }
}

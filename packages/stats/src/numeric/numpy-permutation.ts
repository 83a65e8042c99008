/**
 * numpy's legacy `RandomState.permutation(n)` on our MersenneTwister: arange(n) shuffled by
 * Fisher-Yates from the top, each index drawn by `random_interval` (masked rejection sampling on
 * 32-bit outputs). With `MersenneTwister.fromNumpySeed(s)` this reproduces
 * `np.random.seed(s); np.random.permutation(n)` exactly.
 */
import type { MersenneTwister } from '../random/mt19937.js'

/** numpy legacy `random_interval(max)`: uniform on 0..max by masking to the next power of two minus one and rejecting. */
export function legacyRandomInterval(rng: MersenneTwister, max: number): number {
  if (max === 0) return 0
  let mask = max
  mask |= mask >>> 1
  mask |= mask >>> 2
  mask |= mask >>> 4
  mask |= mask >>> 8
  mask |= mask >>> 16
  mask >>>= 0
  let value: number
  do {
    value = (rng.nextUint32() & mask) >>> 0
  } while (value > max)
  return value
}

/** `np.random.permutation(n)` (legacy RandomState). n must be below 2^32. */
export function legacyPermutation(rng: MersenneTwister, n: number, out = new Int32Array(n)): Int32Array {
  for (let i = 0; i < n; i++) out[i] = i
  for (let i = n - 1; i >= 1; i--) {
    const j = legacyRandomInterval(rng, i)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

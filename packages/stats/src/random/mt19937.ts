/**
 * MT19937, the Mersenne Twister used by both CPython's `random` and numpy's legacy `RandomState`.
 * Reproducing their exact streams lets permutation tests and River's KSWIN sampler match the
 * reference implementations number for number.
 */
const N = 624
const M = 397
const MATRIX_A = 0x9908b0df
const UPPER_MASK = 0x80000000
const LOWER_MASK = 0x7fffffff

/** CPython's key for `init_by_array`: |seed| as little-endian 32-bit words (at least one). */
export function pythonSeedKey(seed: number | bigint): number[] {
  let value = BigInt(seed)
  if (value < 0n) value = -value
  const key: number[] = []
  while (value > 0n) {
    key.push(Number(value & 0xffffffffn))
    value >>= 32n
  }
  if (key.length === 0) key.push(0)
  return key
}

export class MersenneTwister {
  private readonly mt = new Uint32Array(N)
  private mti = N + 1

  /** numpy `RandomState(seed)` / `np.random.seed(seed)` for an integer seed: `init_genrand`. */
  static fromNumpySeed(seed: number): MersenneTwister {
    const rng = new MersenneTwister()
    rng.initGenrand(seed >>> 0)
    return rng
  }

  /** CPython `random.Random(seed)` for a non-negative integer seed: `init_by_array` over its 32-bit words. */
  static fromPythonSeed(seed: number | bigint): MersenneTwister {
    const rng = new MersenneTwister()
    rng.initByArray(pythonSeedKey(seed))
    return rng
  }

  initGenrand(seed: number): void {
    const mt = this.mt
    mt[0] = seed >>> 0
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      // 1812433253 * prev, kept within 32 bits without losing precision
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0
    }
    this.mti = N
  }

  initByArray(key: readonly number[]): void {
    const mt = this.mt
    this.initGenrand(19650218)
    let i = 1
    let j = 0
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0
      i++
      j++
      if (i >= N) {
        mt[0] = mt[N - 1]!
        i = 1
      }
      if (j >= key.length) j = 0
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0
      i++
      if (i >= N) {
        mt[0] = mt[N - 1]!
        i = 1
      }
    }
    mt[0] = 0x80000000
    this.mti = N
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    // Kept small so V8 inlines it (the refill lives in twist()): no boxed number per draw.
    if (this.mti >= N) this.twist()
    let y = this.mt[this.mti++]!
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }

  private twist(): void {
    const mt = this.mt
    if (this.mti === N + 1) this.initGenrand(5489)
    let kk = 0
    for (; kk < N - M; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK)
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK)
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    }
    const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK)
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    this.mti = 0
  }

  /** A double in [0, 1) with 53 random bits (`genrand_res53`, Python's `random()`, numpy's `random_sample`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5
    const b = this.nextUint32() >>> 6
    return (a * 67108864 + b) / 9007199254740992
  }

  /** CPython `getrandbits(k)` for 0 < k <= 32. */
  getRandBits(k: number): number {
    if (k <= 0 || k > 32) throw new RangeError(`getRandBits supports 1..32 bits, got ${k}`)
    return this.nextUint32() >>> (32 - k)
  }
}

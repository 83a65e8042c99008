import { MersenneTwister, pythonSeedKey } from './mt19937.js'

/**
 * The parts of CPython 3.11's `random.Random` that River's KSWIN relies on, draw for draw:
 * `Random(seed)`, `random()`, `getrandbits(k)`, `_randbelow_with_getrandbits(n)` and
 * `sample(range(n), k)`. Reproducing them makes KSWIN's comparison sample, and so its detections,
 * identical to River's for the same seed.
 */
export class PythonRandom {
  private readonly mt = new MersenneTwister()
  private readonly seedKey: number[]
  // scratch for sampleRange, grown on demand so repeated draws allocate nothing
  private pool = new Int32Array(0)
  private taken = new Uint8Array(0)

  /** `random.Random(seed)` for an integer seed (CPython seeds with |seed|, as 32-bit words). */
  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new RangeError(`PythonRandom needs an integer seed, got ${seed}`)
    }
    this.seedKey = pythonSeedKey(seed)
    this.reseed()
  }

  /** Restart the stream from the constructor's seed (`rng.seed(seed)` again), without allocating. */
  reseed(): void {
    this.mt.initByArray(this.seedKey)
  }

  /** `random()`: a double in [0, 1) with 53 random bits. */
  random(): number {
    return this.mt.nextDouble()
  }

  /** `getrandbits(k)` for 0 <= k <= 32. */
  getrandbits(k: number): number {
    if (k === 0) return 0
    return this.mt.getRandBits(k)
  }

  /** `_randbelow_with_getrandbits(n)`: uniform in [0, n) by rejection on bit_length(n) bits. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) {
      throw new RangeError(`randbelow needs an integer in [1, 2^32 - 1], got ${n}`)
    }
    const k = 32 - Math.clz32(n)
    let r = this.mt.getRandBits(k)
    while (r >= n) r = this.mt.getRandBits(k)
    return r
  }

  /**
   * `sample(range(n), k)` written into `out[0..k)`. CPython picks between two algorithms by comparing
   * n with the memory of a k-element set; both are reproduced since they consume the stream differently.
   */
  sampleRange(n: number, k: number, out: Int32Array): Int32Array {
    if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`sample larger than population or is negative (population ${n}, k ${k})`)
    }
    if (out.length < k) throw new RangeError(`sample output holds ${out.length} values, needs ${k}`)
    let setSize = 21 // size of a small set minus size of an empty list
    if (k > 5) setSize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4)) // table size for big sets
    if (n <= setSize) {
      // an n-length list is smaller than a k-length set: partial Fisher-Yates over a pool
      if (this.pool.length < n) this.pool = new Int32Array(n)
      const pool = this.pool
      for (let i = 0; i < n; i++) pool[i] = i
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i)
        out[i] = pool[j]!
        pool[j] = pool[n - i - 1]!
      }
    } else {
      // rejection against the indices already taken
      if (this.taken.length < n) this.taken = new Uint8Array(n)
      const taken = this.taken
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n)
        while (taken[j] === 1) j = this.randbelow(n)
        taken[j] = 1
        out[i] = j
      }
      for (let i = 0; i < k; i++) taken[out[i]!] = 0
    }
    return out
  }
}

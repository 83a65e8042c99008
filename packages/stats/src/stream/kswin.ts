import { ksTest } from '../numeric/ks.js'
import { PythonRandom } from '../random/python-random.js'
import { assertFiniteStreamValue, invalidOption, requireFinite, requireInteger, type StreamDriftDetector } from './detector.js'

export interface KswinOptions {
  /** Significance of the two-sample KS test. River: 0.005. */
  readonly alpha?: number
  /** Elements kept in the sliding window. River: 100. */
  readonly windowSize?: number
  /** Size of the newest slice and of the sample drawn from the older part. River: 30. */
  readonly statSize?: number
  /**
   * Seed of the Python `random.Random` that draws the comparison sample; re-seeded at every reset.
   * River's default is None (OS entropy, not reproducible); ours is 42, River's test and docstring seed.
   */
  readonly seed?: number
}

export const KSWIN_DEFAULTS: Readonly<Required<KswinOptions>> = Object.freeze({
  alpha: 0.005,
  windowSize: 100,
  statSize: 30,
  seed: 42,
})

/** KSWIN flags only when the KS statistic also exceeds this, as River does. */
const MIN_STATISTIC = 0.1

/**
 * Kolmogorov-Smirnov Windowing (Raab et al. 2020) as River's `river/drift/kswin.py`: once the window
 * holds `windowSize` elements, every update compares the newest `statSize` elements with `statSize`
 * elements drawn by `random.Random(seed).sample(range(windowSize - statSize), statSize)` from the
 * older part, with scipy's two-sided `ks_2samp` (exact p-value at these sizes); drift when
 * p <= alpha and D > 0.1.
 */
export class Kswin implements StreamDriftDetector {
  readonly id = 'kswin' as const
  readonly alpha: number
  readonly windowSize: number
  readonly statSize: number
  readonly seed: number

  private drift = false
  private updates = 0
  private lastPValue = 0
  private lastStatistic = 0
  private readonly rng: PythonRandom
  // ring buffer: `count` elements, the oldest at `head`
  private readonly window: Float64Array
  private head = 0
  private count = 0
  private readonly sampleIndices: Int32Array
  private readonly sampled: Float64Array
  private readonly recent: Float64Array

  constructor(options: KswinOptions = {}) {
    const o = { ...KSWIN_DEFAULTS, ...options }
    this.alpha = requireFinite('kswin', 'alpha', o.alpha)
    if (o.alpha < 0 || o.alpha > 1) throw invalidOption('kswin', `alpha must be between 0 and 1, got ${o.alpha}`)
    this.windowSize = requireInteger('kswin', 'windowSize', o.windowSize, 2)
    this.statSize = requireInteger('kswin', 'statSize', o.statSize, 1)
    if (this.statSize >= this.windowSize) {
      throw invalidOption(
        'kswin',
        `statSize (${this.statSize}) must be smaller than windowSize (${this.windowSize})`,
        'the sample is drawn from the windowSize - statSize oldest elements',
      )
    }
    if (this.windowSize - this.statSize < this.statSize) {
      throw invalidOption(
        'kswin',
        `windowSize - statSize (${this.windowSize - this.statSize}) must be at least statSize (${this.statSize})`,
        'the comparison sample of statSize elements is drawn without replacement from the older part of the window',
      )
    }
    if (!Number.isSafeInteger(o.seed)) throw invalidOption('kswin', `seed must be an integer, got ${o.seed}`)
    this.seed = o.seed
    this.rng = new PythonRandom(this.seed)
    this.window = new Float64Array(this.windowSize)
    this.sampleIndices = new Int32Array(this.statSize)
    this.sampled = new Float64Array(this.statSize)
    this.recent = new Float64Array(this.statSize)
  }

  get driftDetected(): boolean {
    return this.drift
  }

  /** p-value of the last KS test (0 before the window first fills, as River). */
  get pValue(): number {
    return this.lastPValue
  }

  /** KS statistic D of the last test (0 before the window first fills). */
  get statistic(): number {
    return this.lastStatistic
  }

  reset(): void {
    this.drift = false
    this.lastPValue = 0
    this.lastStatistic = 0
    this.head = 0
    this.count = 0
    this.rng.reseed()
  }

  update(x: number): void {
    assertFiniteStreamValue('kswin', x, this.updates)
    this.updates++
    if (this.drift) this.reset()
    const size = this.windowSize
    if (this.count < size) {
      this.window[(this.head + this.count) % size] = x
      this.count++
    } else {
      this.window[this.head] = x
      this.head = (this.head + 1) % size
    }
    if (this.count < size) {
      this.drift = false
      return
    }
    const older = size - this.statSize
    this.rng.sampleRange(older, this.statSize, this.sampleIndices)
    for (let i = 0; i < this.statSize; i++) {
      this.sampled[i] = this.window[(this.head + this.sampleIndices[i]!) % size]!
      this.recent[i] = this.window[(this.head + older + i) % size]!
    }
    this.sampled.sort()
    this.recent.sort()
    const { statistic, pValue } = ksTest(this.sampled, this.recent)
    // ksTest always gives a p-value; null is only for the distance kernels sharing its result type
    if (pValue === null) throw new Error('kswin: ksTest returned no p-value')
    this.lastStatistic = statistic
    this.lastPValue = pValue
    // River also replaces the window by its newest statSize elements on a detection; the reset at
    // the next update discards it, so that is not reproduced.
    this.drift = pValue <= this.alpha && statistic > MIN_STATISTIC
  }
}

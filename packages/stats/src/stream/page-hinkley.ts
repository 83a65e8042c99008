import {
  assertFiniteStreamValue,
  invalidOption,
  requireFinite,
  requireInteger,
  type StreamDriftDetector,
} from './detector.js'

export type PageHinkleyMode = 'up' | 'down' | 'both'

export interface PageHinkleyOptions {
  /** Updates before the detector may flag. River: 30. */
  readonly minInstances?: number
  /** Magnitude of changes tolerated. River: 0.005. */
  readonly delta?: number
  /** Cumulative deviation that counts as a change. River: 50. */
  readonly threshold?: number
  /** Forgetting factor of the cumulative sums. River: 1 - 0.0001. */
  readonly alpha?: number
  /** Watch increases, decreases or both. River: 'both'. */
  readonly mode?: PageHinkleyMode
}

export const PAGE_HINKLEY_DEFAULTS: Readonly<Required<PageHinkleyOptions>> = Object.freeze({
  minInstances: 30,
  delta: 0.005,
  threshold: 50.0,
  alpha: 1 - 0.0001,
  mode: 'both',
})

/**
 * Page-Hinkley test (Page 1954) as River's `river/drift/page_hinkley.py`: forgetting cumulative sums of
 * the deviations from the running mean, one for increases and one for decreases, each compared with
 * its running extreme.
 */
export class PageHinkley implements StreamDriftDetector {
  readonly id = 'page_hinkley' as const
  readonly minInstances: number
  readonly delta: number
  readonly threshold: number
  readonly alpha: number
  readonly mode: PageHinkleyMode

  private drift = false
  private updates = 0
  private n = 0
  private mean = 0
  private sumIncrease = 0
  private sumDecrease = 0
  private minIncrease = Number.POSITIVE_INFINITY
  private maxDecrease = -1

  constructor(options: PageHinkleyOptions = {}) {
    const o = { ...PAGE_HINKLEY_DEFAULTS, ...options }
    this.minInstances = requireInteger('page_hinkley', 'minInstances', o.minInstances, 0)
    this.delta = requireFinite('page_hinkley', 'delta', o.delta)
    this.threshold = requireFinite('page_hinkley', 'threshold', o.threshold)
    this.alpha = requireFinite('page_hinkley', 'alpha', o.alpha)
    if (o.mode !== 'up' && o.mode !== 'down' && o.mode !== 'both') {
      throw invalidOption('page_hinkley', `mode must be 'up', 'down' or 'both', got ${JSON.stringify(o.mode)}`)
    }
    this.mode = o.mode
  }

  get driftDetected(): boolean {
    return this.drift
  }

  reset(): void {
    this.drift = false
    this.n = 0
    this.mean = 0
    this.sumIncrease = 0
    this.sumDecrease = 0
    this.minIncrease = Number.POSITIVE_INFINITY
    this.maxDecrease = -1
  }

  update(x: number): void {
    assertFiniteStreamValue('page_hinkley', x, this.updates)
    this.updates++
    if (this.drift) this.reset()
    this.n += 1
    this.mean += (1 / this.n) * (x - this.mean)
    const dev = x - this.mean
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease
    if (this.n >= this.minInstances) {
      const testIncrease = this.sumIncrease - this.minIncrease
      const testDecrease = this.maxDecrease - this.sumDecrease
      if (this.mode === 'up') this.drift = testIncrease > this.threshold
      else if (this.mode === 'down') this.drift = testDecrease > this.threshold
      else this.drift = testIncrease > this.threshold || testDecrease > this.threshold
    }
  }
}

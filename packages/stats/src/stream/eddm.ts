import {
  assertBinaryStreamValue,
  invalidOption,
  requireFinite,
  requireInteger,
  type StreamDriftDetector,
} from './detector.js'

export interface EddmOptions {
  /** Updates (and errors) before the detector may warn or flag. River: 30. */
  readonly warmStart?: number
  /** Warning when (mean + 2 sd of the error distance) / its maximum falls below alpha. River: 0.95. */
  readonly alpha?: number
  /** Drift when that ratio falls below beta (beta <= alpha). River: 0.9. */
  readonly beta?: number
}

export const EDDM_DEFAULTS: Readonly<Required<EddmOptions>> = Object.freeze({
  warmStart: 30,
  alpha: 0.95,
  beta: 0.9,
})

/**
 * Early Drift Detection Method (Baena-García et al. 2006) as River's `river/drift/binary/eddm.py`:
 * follows the distance between consecutive errors with River's `stats.Var` (Welford, ddof = 1) and
 * flags when mean + 2 sd shrinks below `beta` times its maximum. Input: 1 = wrong, 0 = correct.
 */
export class Eddm implements StreamDriftDetector {
  readonly id = 'eddm' as const
  readonly warmStart: number
  readonly alpha: number
  readonly beta: number

  private drift = false
  private warning = false
  private updates = 0
  private n = 0
  private lastError = 0
  private nErrors = 0
  private p2sPrimeMax = -1
  // river.stats.Var over the error distances
  private distanceCount = 0
  private distanceMean = 0
  private distanceS = 0

  constructor(options: EddmOptions = {}) {
    const o = { ...EDDM_DEFAULTS, ...options }
    this.warmStart = requireInteger('eddm', 'warmStart', o.warmStart, 0)
    this.alpha = requireFinite('eddm', 'alpha', o.alpha)
    this.beta = requireFinite('eddm', 'beta', o.beta)
    if (this.alpha < this.beta) {
      throw invalidOption('eddm', `alpha (${this.alpha}) must be greater than or equal to beta (${this.beta})`)
    }
  }

  get driftDetected(): boolean {
    return this.drift
  }

  get warningDetected(): boolean {
    return this.warning
  }

  reset(): void {
    this.drift = false
    this.warning = false
    this.n = 0
    this.lastError = 0
    this.nErrors = 0
    this.p2sPrimeMax = -1
    this.distanceCount = 0
    this.distanceMean = 0
    this.distanceS = 0
  }

  update(x: number): void {
    assertBinaryStreamValue('eddm', x, this.updates)
    this.updates++
    if (this.drift) this.reset()
    this.n += 1
    if (x === 1) {
      this.nErrors += 1
      const distance = this.n - this.lastError
      const meanOld = this.distanceMean
      this.distanceCount += 1
      this.distanceMean += (1 / this.distanceCount) * (distance - this.distanceMean)
      this.distanceS += (distance - meanOld) * (distance - this.distanceMean)
      if (this.n > this.warmStart) {
        const piPrime = this.distanceMean
        const variance = this.distanceCount > 1 ? this.distanceS / (this.distanceCount - 1) : 0
        // River writes var ** 0.5; sqrt is its correctly rounded value, and V8's ** is not glibc's pow
        const siPrime = Math.sqrt(variance)
        const p2sPrime = piPrime + 2 * siPrime
        if (p2sPrime > this.p2sPrimeMax) {
          this.p2sPrimeMax = p2sPrime
        } else if (this.nErrors > this.warmStart) {
          const level = p2sPrime / this.p2sPrimeMax
          if (level < this.beta) {
            this.drift = true
          } else if (level < this.alpha) {
            this.warning = true
          } else {
            this.warning = false
          }
        }
      }
      this.lastError = this.n
    }
  }
}

import {
  assertBinaryStreamValue,
  invalidOption,
  requireFinite,
  requireInteger,
  type StreamDriftDetector,
} from './detector.js'

export interface DdmOptions {
  /** Updates before the detector may warn or flag. River: 30. */
  readonly warmStart?: number
  /** Warning when p + s exceeds p_min + warningThreshold * s_min. River: 2. */
  readonly warningThreshold?: number
  /** Drift when p + s exceeds p_min + driftThreshold * s_min. River: 3. */
  readonly driftThreshold?: number
}

export const DDM_DEFAULTS: Readonly<Required<DdmOptions>> = Object.freeze({
  warmStart: 30,
  warningThreshold: 2.0,
  driftThreshold: 3.0,
})

/**
 * Drift Detection Method (Gama et al. 2004) as River's `river/drift/binary/ddm.py`: tracks the error
 * rate p (River's `stats.Mean`: `mean += (1 / n) * (x - mean)`) and s = sqrt(p (1 - p) / n), remembers
 * the p + s minimum, and flags when p + s moves `driftThreshold` minimum standard deviations above it.
 * Input: 1 = wrong prediction, 0 = correct prediction.
 */
export class Ddm implements StreamDriftDetector {
  readonly id = 'ddm' as const
  readonly warmStart: number
  readonly warningThreshold: number
  readonly driftThreshold: number

  private drift = false
  private warning = false
  private updates = 0
  private n = 0
  private p = 0
  private pMin = Number.NaN
  private sMin = Number.NaN
  private psMin = Number.POSITIVE_INFINITY

  constructor(options: DdmOptions = {}) {
    const o = { ...DDM_DEFAULTS, ...options }
    this.warmStart = requireInteger('ddm', 'warmStart', o.warmStart, 0)
    this.warningThreshold = requireFinite('ddm', 'warningThreshold', o.warningThreshold)
    this.driftThreshold = requireFinite('ddm', 'driftThreshold', o.driftThreshold)
    if (this.warningThreshold < 0 || this.driftThreshold < 0) {
      throw invalidOption('ddm', 'warningThreshold and driftThreshold must be >= 0')
    }
  }

  get driftDetected(): boolean {
    return this.drift
  }

  get warningDetected(): boolean {
    return this.warning
  }

  /** Current error-rate estimate. */
  get errorRate(): number {
    return this.p
  }

  reset(): void {
    this.drift = false
    this.warning = false
    this.n = 0
    this.p = 0
    this.pMin = Number.NaN
    this.sMin = Number.NaN
    this.psMin = Number.POSITIVE_INFINITY
  }

  update(x: number): void {
    assertBinaryStreamValue('ddm', x, this.updates)
    this.updates++
    if (this.drift) this.reset()
    this.n += 1
    this.p += (1 / this.n) * (x - this.p)
    const p = this.p
    const s = Math.sqrt((p * (1 - p)) / this.n)
    if (this.n > this.warmStart) {
      if (p + s <= this.psMin) {
        this.pMin = p
        this.sMin = s
        this.psMin = this.pMin + this.sMin
      }
      this.warning = p + s > this.pMin + this.warningThreshold * this.sMin
      if (p + s > this.pMin + this.driftThreshold * this.sMin) {
        this.drift = true
        this.warning = false
      }
    }
  }
}

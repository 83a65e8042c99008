import {
  assertFiniteStreamValue,
  invalidOption,
  requireFinite,
  requireInteger,
  type StreamDriftDetector,
} from './detector.js'

export interface AdwinOptions {
  /** Confidence of the cut test; smaller means fewer, surer detections. River: 0.002. */
  readonly delta?: number
  /** The window is checked for a cut every `clock` updates. River: 32. */
  readonly clock?: number
  /** Summaries per histogram row before the two oldest are merged. River: 5. */
  readonly maxBuckets?: number
  /** Both sub-windows of a cut must hold at least this many elements. River: 5. */
  readonly minWindowLength?: number
  /** No cut is checked until the window holds more than this many elements. River: 10. */
  readonly gracePeriod?: number
}

export const ADWIN_DEFAULTS: Readonly<Required<AdwinOptions>> = Object.freeze({
  delta: 0.002,
  clock: 32,
  maxBuckets: 5,
  minWindowLength: 5,
  gracePeriod: 10,
})

const INITIAL_ROWS = 64

/**
 * ADWIN (Bifet & Gavaldà 2007) exactly as River computes it (`river/drift/adwin.py` over
 * `AdaptiveWindowing`, the Rust port of `adwin_c.pyx`): an exponential histogram whose row r holds up
 * to maxBuckets + 1 (total, variance) summaries of 2^r elements, newest last. Every `clock` updates,
 * cut points are tried from the oldest summary to the newest and the oldest summary is dropped while
 * a cut separates two sub-windows with significantly different means.
 *
 * The rows live in flat typed arrays (row r at offset r * (maxBuckets + 1)), so an update allocates
 * nothing unless the window outgrows 2^64 elements' worth of rows.
 */
export class Adwin implements StreamDriftDetector {
  readonly id = 'adwin' as const
  readonly delta: number
  readonly clock: number
  readonly maxBuckets: number
  readonly minWindowLength: number
  readonly gracePeriod: number

  private drift = false
  private updates = 0
  private readonly slots: number
  private rowCapacity = INITIAL_ROWS
  private rowTotals: Float64Array
  private rowVariances: Float64Array
  private rowCounts: Int32Array
  private rows = 1
  private windowTotal = 0
  private windowVariance = 0
  private windowWidth = 0
  private tick = 0
  private detections = 0

  constructor(options: AdwinOptions = {}) {
    const o = { ...ADWIN_DEFAULTS, ...options }
    this.delta = requireFinite('adwin', 'delta', o.delta)
    if (!(o.delta > 0 && o.delta < 1)) throw invalidOption('adwin', `delta must be in (0, 1), got ${o.delta}`)
    this.clock = requireInteger('adwin', 'clock', o.clock, 1)
    this.maxBuckets = requireInteger('adwin', 'maxBuckets', o.maxBuckets, 1)
    this.minWindowLength = requireInteger('adwin', 'minWindowLength', o.minWindowLength, 1)
    this.gracePeriod = requireInteger('adwin', 'gracePeriod', o.gracePeriod, 0)
    this.slots = this.maxBuckets + 1
    this.rowTotals = new Float64Array(this.rowCapacity * this.slots)
    this.rowVariances = new Float64Array(this.rowCapacity * this.slots)
    this.rowCounts = new Int32Array(this.rowCapacity)
  }

  get driftDetected(): boolean {
    return this.drift
  }

  /** Number of elements the adaptive window currently covers. */
  get width(): number {
    return this.windowWidth
  }

  /** Sum of the elements in the window. */
  get total(): number {
    return this.windowTotal
  }

  /** Mean of the window (0 when empty). */
  get estimation(): number {
    return this.windowWidth > 0 ? this.windowTotal / this.windowWidth : 0
  }

  /** Population variance of the window (0 when empty). */
  get variance(): number {
    return this.windowWidth > 0 ? this.windowVariance / this.windowWidth : 0
  }

  /** Cuts made since the last reset (one detection can shrink the window several times). */
  get nDetections(): number {
    return this.detections
  }

  reset(): void {
    this.drift = false
    this.rowTotals.fill(0, 0, this.rows * this.slots)
    this.rowVariances.fill(0, 0, this.rows * this.slots)
    this.rowCounts.fill(0, 0, this.rows)
    this.rows = 1
    this.windowTotal = 0
    this.windowVariance = 0
    this.windowWidth = 0
    this.tick = 0
    this.detections = 0
  }

  update(x: number): void {
    assertFiniteStreamValue('adwin', x, this.updates)
    this.updates++
    if (this.drift) this.reset()
    this.insertElement(x)
    this.drift = this.detectChange()
  }

  private insertElement(value: number): void {
    this.pushSummary(0, value, 0)
    this.windowWidth += 1
    let incrementalVariance = 0
    if (this.windowWidth > 1) {
      const d = value - this.windowTotal / (this.windowWidth - 1)
      incrementalVariance = ((this.windowWidth - 1) * d * d) / this.windowWidth
    }
    this.windowVariance += incrementalVariance
    this.windowTotal += value
    this.compressBuckets()
  }

  private pushSummary(row: number, total: number, variance: number): void {
    const at = row * this.slots + this.rowCounts[row]!
    this.rowTotals[at] = total
    this.rowVariances[at] = variance
    this.rowCounts[row]!++
  }

  /** Drops the `count` oldest summaries of a row, keeping the rest in order at the front. */
  private dropOldest(row: number, count: number): void {
    // at most maxBuckets + 1 slots: plain loops beat the copyWithin/fill builtin calls
    const start = row * this.slots
    const remaining = this.rowCounts[row]! - count
    const totals = this.rowTotals
    const variances = this.rowVariances
    for (let i = start; i < start + remaining; i++) {
      totals[i] = totals[i + count]!
      variances[i] = variances[i + count]!
    }
    for (let i = start + remaining; i < start + remaining + count; i++) {
      totals[i] = 0
      variances[i] = 0
    }
    this.rowCounts[row] = remaining
  }

  private appendRow(): void {
    if (this.rows === this.rowCapacity) {
      const capacity = this.rowCapacity * 2
      const totals = new Float64Array(capacity * this.slots)
      const variances = new Float64Array(capacity * this.slots)
      const counts = new Int32Array(capacity)
      totals.set(this.rowTotals)
      variances.set(this.rowVariances)
      counts.set(this.rowCounts)
      this.rowTotals = totals
      this.rowVariances = variances
      this.rowCounts = counts
      this.rowCapacity = capacity
    }
    this.rows++
  }

  /** Merges the two oldest summaries of every full row into one summary of the next row. */
  private compressBuckets(): void {
    for (let row = 0; ; row++) {
      if (this.rowCounts[row] !== this.slots) break
      const n1 = 2 ** row
      const at = row * this.slots
      const t0 = this.rowTotals[at]!
      const t1 = this.rowTotals[at + 1]!
      const v0 = this.rowVariances[at]!
      const v1 = this.rowVariances[at + 1]!
      const mu1 = t0 / n1
      const mu2 = t1 / n1
      const total12 = t0 + t1
      // n1 * n2 * (mu1 - mu2)^2 / (n1 + n2) with n1 == n2, in River's operation order
      const temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
      const v12 = v0 + v1 + temp
      if (row + 1 >= this.rows) this.appendRow()
      this.pushSummary(row + 1, total12, v12)
      this.dropOldest(row, 2)
      if (this.rowCounts[row + 1]! <= this.maxBuckets) break
    }
  }

  /** Removes the oldest summary (first of the last row) from the window. */
  private deleteElement(): void {
    const last = this.rows - 1
    const n = 2 ** last
    const at = last * this.slots
    const u = this.rowTotals[at]!
    const v = this.rowVariances[at]!
    const mu = u / n
    this.windowWidth -= n
    this.windowTotal -= u
    const muWindow = this.windowTotal / this.windowWidth
    const inc = v + (n * this.windowWidth * (mu - muWindow) * (mu - muWindow)) / (n + this.windowWidth)
    this.windowVariance -= inc
    this.dropOldest(last, 1)
    if (this.rowCounts[last] === 0) this.rows--
  }

  private detectChange(): boolean {
    let changeDetected = false
    this.tick++
    if (this.tick % this.clock !== 0 || !(this.windowWidth > this.gracePeriod)) return false
    let reduceWidth = true
    while (reduceWidth) {
      reduceWidth = false
      let n0 = 0
      let n1 = this.windowWidth
      let u0 = 0
      let u1 = this.windowTotal
      // the width is fixed during one pass, so log(2 log(width) / delta) is too
      const deltaPrime = Math.log((2 * Math.log(this.windowWidth)) / this.delta)
      // cut points from the oldest summary (last row) to the newest (row 0)
      scan: for (let row = this.rows - 1; row >= 0; row--) {
        const size = 2 ** row
        const current = this.rowCounts[row]!
        const base = row * this.slots
        for (let k = 0; k < current; k++) {
          n0 += size
          n1 -= size
          const t = this.rowTotals[base + k]!
          u0 += t
          u1 -= t
          if (row === 0 && k === current - 1) break scan
          const deltaMean = u0 / n0 - u1 / n1
          if (
            n1 >= this.minWindowLength &&
            n0 >= this.minWindowLength &&
            this.evaluateCut(n0, n1, deltaMean, deltaPrime)
          ) {
            reduceWidth = true
            changeDetected = true
            if (this.windowWidth > 0) {
              this.deleteElement()
              break scan
            }
          }
        }
      }
    }
    if (changeDetected) this.detections++
    return changeDetected
  }

  private evaluateCut(n0: number, n1: number, deltaMean: number, deltaPrime: number): boolean {
    const mRecip = 1 / (n0 - this.minWindowLength + 1) + 1 / (n1 - this.minWindowLength + 1)
    const epsilon =
      Math.sqrt(2 * mRecip * (this.windowVariance / this.windowWidth) * deltaPrime) +
      (2 / 3) * deltaPrime * mRecip
    return Math.abs(deltaMean) > epsilon
  }
}

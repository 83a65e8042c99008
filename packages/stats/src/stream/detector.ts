import { StatsInputError } from '../errors.js'

/** River's drift detector names, as used by `mlops drift stream --detectors` and the reference cases. */
export type StreamDetectorId = 'adwin' | 'ddm' | 'eddm' | 'page_hinkley' | 'kswin'

export const STREAM_DETECTOR_IDS: readonly StreamDetectorId[] = ['adwin', 'ddm', 'eddm', 'page_hinkley', 'kswin']

/**
 * A streaming change detector with River's base-class semantics: `driftDetected` is the flag left by
 * the last `update()`, and the update that follows a detection first resets the detector, so element
 * i + 1 after a detection at i is the first element of a fresh detector.
 */
export interface StreamDriftDetector {
  readonly id: StreamDetectorId
  /** True when the last `update()` flagged a change. */
  readonly driftDetected: boolean
  update(x: number): void
  /** Forget everything seen so far (River's `_reset`). */
  reset(): void
}

export function isStreamDetectorId(value: string): value is StreamDetectorId {
  return (STREAM_DETECTOR_IDS as readonly string[]).includes(value)
}

/** Rejects NaN and ±Infinity: one of them would poison every running sum for the rest of the stream. */
export function assertFiniteStreamValue(detector: StreamDetectorId, x: number, index: number): void {
  if (!Number.isFinite(x)) {
    throw new StatsInputError(
      detector,
      `value ${String(x)} at index ${index} is not a finite number`,
      'drop or impute missing and infinite values before streaming them into a drift detector',
    )
  }
}

/** DDM and EDDM model a stream of prediction errors: 1 = the model was wrong, 0 = it was right. */
export function assertBinaryStreamValue(detector: StreamDetectorId, x: number, index: number): void {
  if (x !== 0 && x !== 1) {
    throw new StatsInputError(
      detector,
      `value ${String(x)} at index ${index} is not a binary error indicator: ${detector} takes 1 (wrong prediction) or 0 (correct prediction)`,
      'pass the model\'s per-prediction errors, or use adwin, page_hinkley or kswin for a real-valued stream',
    )
  }
}

export function invalidOption(detector: StreamDetectorId, message: string, hint?: string): StatsInputError {
  return new StatsInputError(detector, `invalid option: ${message}`, hint)
}

export function requireInteger(
  detector: StreamDetectorId,
  name: string,
  value: number,
  min: number,
): number {
  if (!Number.isInteger(value) || value < min) {
    throw invalidOption(detector, `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
  return value
}

export function requireFinite(detector: StreamDetectorId, name: string, value: number): number {
  if (!Number.isFinite(value)) {
    throw invalidOption(detector, `${name} must be a finite number, got ${String(value)}`)
  }
  return value
}

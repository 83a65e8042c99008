/**
 * Raised by a kernel when its test cannot be computed on the given samples (too few values, zero
 * spread, too many values for an O(n²) method...). The caller reports it as a per-test error entry
 * instead of failing the whole drift report, mirroring the cases where Evidently/scipy raise.
 */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError'
  /** Id of the test that could not be computed, in Evidently's naming (`ks`, `es`, `empirical_mmd`...). */
  readonly test: string
  /** What the caller can do about it, if anything. */
  readonly hint: string | undefined

  constructor(test: string, message: string, hint?: string) {
    super(`${test}: ${message}${hint ? ` (${hint})` : ''}`)
    this.test = test
    this.hint = hint
  }
}

/**
 * Running a stattest on prepared columns, Evidently's automatic test choice and its dataset drift rule.
 */
import { countDistinctUnionSorted } from '../binned/value-counts.js'
import { StatsInputError } from '../errors.js'
import { appliesTo, getStatTest } from './registry.js'
import type { StatTestDefinition } from './registry.js'
import type { ColumnData, StatTestId, StatTestOutcome } from './types.js'

export interface RunStatTestOptions {
  /** Overrides the test's default threshold. */
  readonly threshold?: number
}

/**
 * The drift verdict of a result under a test's rule. A missing or NaN score never drifts (Evidently
 * compares NaN, which is false).
 */
export function isDrift(test: StatTestDefinition, statistic: number | null, pValue: number | null, threshold = test.defaultThreshold): boolean {
  const score = test.isPValueTest ? pValue : statistic
  if (score === null || Number.isNaN(score)) return false
  switch (test.driftRule) {
    case 'pValue <= threshold':
      return score <= threshold
    case 'pValue < threshold':
      return score < threshold
    case 'statistic >= threshold':
      return score >= threshold
    case 'statistic > threshold':
      return score > threshold
  }
}

function assertApplicable(test: StatTestDefinition, reference: ColumnData, current: ColumnData): void {
  if (reference.kind !== current.kind) {
    throw new TypeError(
      `stattest "${test.id}": reference is ${reference.kind} but current is ${current.kind}; prepare both samples of a column the same way`,
    )
  }
  if (!appliesTo(test, reference.kind)) {
    throw new TypeError(
      `stattest "${test.id}" does not apply to ${reference.kind} columns (it applies to ${test.columnTypes.join(' and ')} columns); ` +
        'choose another stattest for this column or leave it to autoTest',
    )
  }
}

/**
 * Runs one stattest. Returns `{ test, statistic, pValue, threshold, drift }`, or `{ test, error }`
 * when the test cannot be computed on these samples (where Evidently raises: too few values, zero
 * spread, non-binary data for fisher_exact...). Throws for an unknown id, a test that does not apply
 * to the column type, or mismatched column kinds, which are usage errors rather than data properties.
 */
export function runStatTest(
  id: StatTestId | string,
  reference: ColumnData,
  current: ColumnData,
  options: RunStatTestOptions = {},
): StatTestOutcome {
  const test = getStatTest(id)
  assertApplicable(test, reference, current)
  const threshold = options.threshold ?? test.defaultThreshold
  if (!Number.isFinite(threshold)) throw new RangeError(`stattest "${test.id}": threshold must be a finite number, got ${threshold}`)
  try {
    const { statistic, pValue } = test.compute(reference, current)
    return { test: test.id, statistic, pValue, threshold, drift: isDrift(test, statistic, pValue, threshold) }
  } catch (error) {
    if (error instanceof StatsInputError) return { test: test.id, error: error.message }
    // a failure that is not a property of the data is a bug: keep the report going but say so
    const message = error instanceof Error ? error.message : String(error)
    return { test: test.id, error: `${test.id}: unexpected failure: ${message}` }
  }
}

/** Number of rows of a prepared sample (after dropping missing values). */
function sampleSize(column: ColumnData): number {
  if (column.kind === 'numeric') return column.sorted.length
  let total = 0
  for (let i = 0; i < column.counts.length; i++) total += column.counts[i]!
  return total
}

/** Distinct values in reference ∪ current. */
function distinctUnion(reference: ColumnData, current: ColumnData): number {
  if (reference.kind === 'numeric' && current.kind === 'numeric') return countDistinctUnionSorted(reference.sorted, current.sorted)
  const seen = new Set<string>()
  for (const column of [reference, current]) {
    if (column.kind !== 'categorical') continue
    for (let i = 0; i < column.categories.length; i++) if (column.counts[i]! > 0) seen.add(column.categories[i]!)
  }
  return seen.size
}

/** Evidently uses the small-data tests up to this many reference rows (after dropping missing values). */
export const SMALL_REFERENCE_ROWS = 1000

/**
 * Evidently's default stattest (legacy registry `_get_default_stattest`), from the reference size
 * and the number of distinct values in reference ∪ current:
 * - reference <= 1000 rows: numeric with more than 5 values → ks; otherwise chisquare (more than 2
 *   values) or z (at most 2);
 * - larger reference: numeric with more than 5 values → wasserstein; otherwise jensenshannon.
 */
export function autoTest(reference: ColumnData, current: ColumnData): StatTestId {
  if (reference.kind !== current.kind) {
    throw new TypeError(`autoTest: reference is ${reference.kind} but current is ${current.kind}`)
  }
  const values = distinctUnion(reference, current)
  const numeric = reference.kind === 'numeric'
  if (sampleSize(reference) <= SMALL_REFERENCE_ROWS) {
    if (numeric && values > 5) return 'ks'
    return values > 2 ? 'chisquare' : 'z'
  }
  return numeric && values > 5 ? 'wasserstein' : 'jensenshannon'
}

export interface DatasetDrift {
  readonly driftShare: number
  readonly numberOfColumns: number
  readonly numberOfDriftedColumns: number
  readonly shareOfDriftedColumns: number
  /** shareOfDriftedColumns >= driftShare (false when there are no columns). */
  readonly datasetDrift: boolean
}

/** Evidently's default share of drifted columns for dataset drift. */
export const DEFAULT_DRIFT_SHARE = 0.5

/** Evidently's dataset drift: the share of columns whose test drifts, compared with `driftShare`. */
export function datasetDrift(columnDrifts: readonly boolean[], driftShare = DEFAULT_DRIFT_SHARE): DatasetDrift {
  const numberOfColumns = columnDrifts.length
  let drifted = 0
  for (const d of columnDrifts) if (d) drifted++
  const share = numberOfColumns === 0 ? 0 : drifted / numberOfColumns
  return {
    driftShare,
    numberOfColumns,
    numberOfDriftedColumns: drifted,
    shareOfDriftedColumns: share,
    datasetDrift: numberOfColumns > 0 && share >= driftShare,
  }
}

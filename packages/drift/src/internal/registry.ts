/**
 * The one place this package talks to @mlops/stats' stattest registry: test ids, applicability per
 * column type, default thresholds, drift rules, the automatic choice and the computation all come from
 * there; this file only converts prepared columns into the registry's column data.
 */
import {
  autoTest,
  getStatTest,
  isDrift,
  isStatTestId,
  runStatTest,
  STAT_TEST_IDS,
  statTestsFor,
  appliesTo,
  type ColumnData,
} from '@mlops/stats'
import { categoryCounts, type PreparedColumn } from '../prepared.js'

export type TestOutcome =
  | { test: string; statistic: number | null; pValue: number | null; threshold: number; drift: boolean; pValueAdjusted?: number }
  | { test: string; error: string }

export function columnData(column: PreparedColumn): ColumnData {
  if (column.kind === 'numeric') return { kind: 'numeric', sorted: column.sorted, isInteger: column.isInteger }
  return { kind: 'categorical', categories: column.labels, counts: categoryCounts(column), codes: column.codes }
}

export function automaticTest(reference: PreparedColumn, current: PreparedColumn, _type: 'numeric' | 'categorical'): string {
  return autoTest(columnData(reference), columnData(current))
}

/** Every test registered for the type; the automatic test is added when it is not one of them (chisquare/z on numbers). */
export function testsForType(type: 'numeric' | 'categorical', autoTest: string): string[] {
  const ids: string[] = statTestsFor(type)
  if (!ids.includes(autoTest)) ids.push(autoTest)
  return ids
}

export function runTest(id: string, reference: PreparedColumn, current: PreparedColumn, threshold: number | undefined): TestOutcome {
  if (!isStatTestId(id)) return { test: id, error: `unknown stattest "${id}"` }
  const outcome = runStatTest(id, columnData(reference), columnData(current), threshold === undefined ? {} : { threshold })
  return { ...outcome }
}

export const knownTestIds: readonly string[] = STAT_TEST_IDS

export function isKnownTest(id: string): boolean {
  return isStatTestId(id)
}

export function testApplies(id: string, type: 'numeric' | 'categorical'): boolean {
  return isStatTestId(id) && appliesTo(getStatTest(id), type)
}

export function registeredFor(id: string, type: 'numeric' | 'categorical'): boolean {
  return isStatTestId(id) && getStatTest(id).columnTypes.includes(type)
}

export function isPValueTest(id: string): boolean {
  return getStatTest(id).isPValueTest
}

/** The test's own drift rule applied to an adjusted p-value (multiple-testing correction). */
export function driftOnAdjustedPValue(id: string, pValue: number, threshold: number): boolean {
  return isDrift(getStatTest(id), null, pValue, threshold)
}

import type { PreparedColumn } from '../prepared.js'
import type { TableColumn } from '../table.js'
import { summarizeHistogram, type ColumnHistogram } from './histogram-summary.js'
import { isPrepared, prepareColumn } from './prepare.js'
import { automaticTest, runTest, testsForType, type TestOutcome } from './registry.js'

/**
 * One column's drift tests: prepare both sides (drop missing, sort), pick the automatic test, run the
 * requested tests. Runs in a pool worker (columns in parallel) or in-process; the same function either way,
 * so results are identical.
 */
export interface ColumnTaskInput {
  name: string
  type: 'numeric' | 'categorical'
  reference: TableColumn | PreparedColumn
  current: TableColumn | PreparedColumn
  /** 'auto': the automatic test only; 'all': every test for the type; else these ids (already validated). */
  tests: 'auto' | 'all' | string[]
  thresholds: Record<string, number>
  /** Return the prepared reference (building a profile), in a SharedArrayBuffer when in a worker. */
  keepPreparedReference: boolean
  shared: boolean
}

export interface ColumnTaskOutput {
  name: string
  type: 'numeric' | 'categorical'
  /** The automatic test; not computed when the caller lists the tests (the first listed one decides). */
  autoTest?: string
  tests: TestOutcome[]
  reference: { rows: number; missing: number }
  current: { rows: number; missing: number }
  histogram: ColumnHistogram
  preparedReference?: PreparedColumn
}

export function runColumnTask(input: ColumnTaskInput): ColumnTaskOutput {
  const reference = isPrepared(input.reference) ? input.reference : prepareColumn(input.reference, input.shared && input.keepPreparedReference)
  const current = isPrepared(input.current) ? input.current : prepareColumn(input.current)
  // With an explicit list the automatic choice decides nothing, and it costs a pass over both samples.
  const autoTest = Array.isArray(input.tests) ? undefined : automaticTest(reference, current, input.type)
  const ids = input.tests === 'auto' ? [autoTest!] : input.tests === 'all' ? testsForType(input.type, autoTest!) : input.tests
  const tests = ids.map((id) => runTest(id, reference, current, input.thresholds[id]))
  return {
    name: input.name,
    type: input.type,
    ...(autoTest !== undefined ? { autoTest } : {}),
    tests,
    reference: { rows: reference.rows, missing: reference.missing },
    current: { rows: current.rows, missing: current.missing },
    histogram: summarizeHistogram(reference, current),
    ...(input.keepPreparedReference ? { preparedReference: reference } : {}),
  }
}

/** Prepares one column only (profile building without a current file). */
export function prepareColumnTask(column: TableColumn, shared: boolean): PreparedColumn {
  return prepareColumn(column, shared)
}

import { stat } from 'node:fs/promises'
import { errors, mlopsError, type WorkerPool } from '@mlops/core'
import type { ColumnTaskInput, ColumnTaskOutput } from './internal/column-task.js'
import { runColumnTask } from './internal/column-task.js'
import type { ColumnHistogram } from './internal/histogram-summary.js'
import { driftOnAdjustedPValue, isKnownTest, isPValueTest, knownTestIds, testApplies, type TestOutcome } from './internal/registry.js'
import { loadTable } from './load/index.js'
import type { PreparedColumn } from './prepared.js'
import { scopedSignal } from './internal/scoped-signal.js'
import { tasksModuleUrl } from './internal/tasks-url.js'
import type { DriftProfile } from './profile.js'
import type { Table, TableColumn } from './table.js'

export type { TestOutcome }
export type MultipleTestingCorrection = 'none' | 'bonferroni' | 'bh'

export interface DriftReportOptions {
  /** Only these columns (each must be in both inputs). Default: every column the two inputs share. */
  columns?: readonly string[]
  /** 'auto' (default): each column's automatic test; 'all': every test for its type; or a list of test ids. */
  tests?: 'auto' | 'all' | readonly string[]
  /** Threshold per test id, replacing the registry's default. */
  thresholds?: Readonly<Record<string, number>>
  /** Dataset drift when at least this share of columns drifts (default 0.5). */
  driftShare?: number
  /**
   * Multiple-testing correction across columns, applied to the p-values of each column's verdict test
   * (the automatic test unless --tests names others): Bonferroni multiplies by the number of such columns,
   * Benjamini-Hochberg controls the false discovery rate. Only verdicts change; the raw p-value is kept.
   */
  correction?: MultipleTestingCorrection
  signal?: AbortSignal
  /** Core's worker pool: columns are tested in parallel there. Without it (or for small inputs) in-process. */
  pool?: WorkerPool
  /** Move the input tables' column buffers to the workers instead of copying (the tables are unusable after). */
  transferInputs?: boolean
}

export type DriftTestResult = TestOutcome

export interface DriftColumnReport {
  name: string
  type: 'numeric' | 'categorical'
  /** The automatic test (computed for the default and `--tests all`, not for an explicit list). */
  autoTest?: string
  /** The test whose verdict counts for the column (and the dataset share): the automatic test, or the first listed test that applies. */
  driftTest: string
  drift: boolean
  tests: DriftTestResult[]
  reference: { rows: number; missing: number }
  current: { rows: number; missing: number }
  histogram: ColumnHistogram
}

export interface DriftReport {
  reference: { source: string; rows: number; isProfile: boolean }
  current: { source: string; rows: number }
  columns: DriftColumnReport[]
  dataset: {
    numberOfColumns: number
    numberOfDriftedColumns: number
    shareOfDriftedColumns: number
    datasetDrift: boolean
    driftShare: number
    correction: MultipleTestingCorrection
  }
}

/**
 * Inputs below these sizes run in-process, where a worker round trip (and starting the threads) costs more
 * than the tests. Permutation and quadratic tests (TVD's 1,000 permutations, empirical_mmd's n² kernel...)
 * are worth a worker at far smaller sizes than the linear ones.
 */
const POOL_MIN_VALUES = 200_000
const POOL_MIN_VALUES_HEAVY_TESTS = 5_000
const LIGHT_TESTS = new Set(['ks', 'wasserstein', 'psi', 'jensenshannon', 'kl_div', 'hellinger', 'chisquare', 'z', 'g_test', 'fisher_exact', 't_test'])

export function isDriftProfile(value: Table | DriftProfile): value is DriftProfile {
  return 'formatVersion' in value
}

/**
 * Compares current data with a reference (a loaded table or a reference profile), column by column.
 * Bad input (no common columns, unknown test, a test that applies to no column) throws an MlopsError with
 * exit code 2; a test that cannot be computed on a column becomes that test's `error` entry.
 */
export async function computeDriftReport(
  reference: Table | DriftProfile,
  current: Table,
  options: DriftReportOptions = {},
): Promise<DriftReport> {
  const signal = options.signal
  signal?.throwIfAborted()
  const testsOption = options.tests ?? 'auto'
  const where = (flag: string) => `--${flag}`
  if (Array.isArray(testsOption)) {
    if (testsOption.length === 0) throw mlopsError(errors.InputInvalid, [where('tests'), 'no test ids given'])
    for (const id of testsOption) {
      if (!isKnownTest(id)) throw unknownTest(id, where('tests'))
    }
  }
  const thresholds: Record<string, number> = {}
  for (const [id, value] of Object.entries(options.thresholds ?? {})) {
    if (!isKnownTest(id)) throw unknownTest(id, where('threshold'))
    if (!Number.isFinite(value)) throw mlopsError(errors.InputInvalid, [where('threshold'), `threshold for ${id} must be a finite number, got ${value}`])
    thresholds[id] = value
  }
  const driftShare = options.driftShare ?? 0.5
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw mlopsError(errors.InputInvalid, [where('drift-share'), `must be between 0 and 1, got ${driftShare}`])
  }
  const correction = options.correction ?? 'none'

  const isProfile = isDriftProfile(reference)
  const referenceSource = reference.source
  const refColumns = new Map<string, TableColumn | PreparedColumn>(reference.columns.map((c) => [c.name, c]))
  let curColumns = new Map<string, TableColumn>(current.columns.map((c) => [c.name, c]))
  let names: string[]
  if (options.columns) {
    if (options.columns.length === 0) throw mlopsError(errors.InputInvalid, [where('columns'), 'no column names given'])
    for (const name of options.columns) {
      const missing = [refColumns.has(name) ? undefined : `reference ${referenceSource}`, curColumns.has(name) ? undefined : `current ${current.source}`].filter(Boolean)
      if (missing.length) {
        throw mlopsError(errors.InputInvalid, [where('columns'), `column "${name}" is not in the ${missing.join(' nor the ')}`])
      }
    }
    names = [...new Set(options.columns)]
  } else {
    names = reference.columns.map((c) => c.name).filter((n) => curColumns.has(n))
    if (names.length === 0) {
      throw mlopsError(errors.InputInvalid, [
        `${referenceSource} vs ${current.source}`,
        `no common columns: the reference has ${list(reference.columns.map((c) => c.name))}; the current data has ${list(current.columns.map((c) => c.name))}`,
      ])
    }
  }

  // A column is numeric only when it is numeric in both files; otherwise both sides are compared as text.
  const refAsText: string[] = []
  const curAsText: string[] = []
  for (const name of names) {
    const r = refColumns.get(name)!
    const c = curColumns.get(name)!
    if (r.kind === 'numeric' && c.kind === 'categorical') refAsText.push(name)
    if (r.kind === 'categorical' && c.kind === 'numeric') curAsText.push(name)
  }
  if (refAsText.length) {
    if (isProfile) {
      throw mlopsError(errors.InputInvalid, [
        referenceSource,
        `column${refAsText.length > 1 ? 's' : ''} ${list(refAsText)} ${refAsText.length > 1 ? 'are numeric in the reference profile but hold' : 'is numeric in the reference profile but holds'} text in ${current.source}; a profile keeps no cell texts, so compare with the raw reference file`,
      ])
    }
    for (const c of await columnsAsText(reference, refAsText, signal)) refColumns.set(c.name, c)
  }
  if (curAsText.length) {
    curColumns = new Map(curColumns)
    for (const c of await columnsAsText(current, curAsText, signal)) curColumns.set(c.name, c)
  }

  const tasks: ColumnTaskInput[] = names.map((name) => {
    const r = refColumns.get(name)!
    const c = curColumns.get(name)!
    const type = r.kind === 'numeric' && c.kind === 'numeric' ? 'numeric' : 'categorical'
    let tests: ColumnTaskInput['tests']
    if (testsOption === 'auto' || testsOption === 'all') tests = testsOption
    else tests = testsOption.filter((id) => testApplies(id, type))
    return { name, type, reference: r, current: c, tests, thresholds, keepPreparedReference: false, shared: false }
  })
  if (Array.isArray(testsOption)) {
    for (const id of testsOption) {
      if (!tasks.some((t) => (t.tests as string[]).includes(id))) {
        const types = [...new Set(tasks.map((t) => t.type))].join(' and ')
        throw mlopsError(errors.InputInvalid, [where('tests'), `test "${id}" does not apply to ${types} columns, and those are all the columns compared (${list(names)})`])
      }
    }
    for (const t of tasks) {
      if ((t.tests as string[]).length === 0) {
        throw mlopsError(errors.InputInvalid, [
          where('tests'),
          `none of ${list(testsOption)} applies to ${t.type} column "${t.name}"; add a ${t.type} test or leave the column out with --columns`,
        ])
      }
    }
  }

  const outputs = await runColumnTasks(tasks, options)
  return assembleReport(outputs, { source: referenceSource, rows: reference.rowCount, isProfile }, { source: current.source, rows: current.rowCount }, driftShare, correction)
}

async function runColumnTasks(tasks: ColumnTaskInput[], options: DriftReportOptions): Promise<ColumnTaskOutput[]> {
  const signal = options.signal
  const values = tasks.reduce((sum, t) => sum + columnLength(t.reference) + columnLength(t.current), 0)
  const pool = options.pool
  const heavy = tasks.some((t) => t.tests === 'all' || (Array.isArray(t.tests) && t.tests.some((id) => !LIGHT_TESTS.has(id))))
  if (!pool || values < (heavy ? POOL_MIN_VALUES_HEAVY_TESTS : POOL_MIN_VALUES) || tasks.length === 0) {
    const out: ColumnTaskOutput[] = []
    for (const task of tasks) {
      signal?.throwIfAborted()
      out.push(runColumnTask(task))
      // let a SIGINT handler run between columns
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    return out
  }
  const module = tasksModuleUrl()
  // Largest columns first so the last task to start is a short one.
  const order = tasks.map((t, i) => i).sort((a, b) => columnLength(tasks[b]!.current) + columnLength(tasks[b]!.reference) - (columnLength(tasks[a]!.current) + columnLength(tasks[a]!.reference)))
  const out = new Array<ColumnTaskOutput>(tasks.length)
  const scoped = scopedSignal(signal)
  try {
    await Promise.all(
      order.map(async (i) => {
        const task = tasks[i]!
        const transferList = options.transferInputs ? transferables(task) : []
        out[i] = await pool.run<ColumnTaskOutput>(
          { module, fn: 'runColumnTask', args: [task] },
          { ...(scoped.signal ? { signal: scoped.signal } : {}), ...(transferList.length ? { transferList } : {}) },
        )
      }),
    )
  } finally {
    scoped.dispose()
  }
  return out
}

function columnLength(column: TableColumn | PreparedColumn): number {
  if ('rows' in column) return column.kind === 'numeric' ? column.sorted.length : column.codes.length
  return column.kind === 'numeric' ? column.values.length : column.codes.length
}

/** Buffers of raw table columns that can move to the worker (not profiles: they are reused; not shared memory). */
function transferables(task: ColumnTaskInput): ArrayBuffer[] {
  const out: ArrayBuffer[] = []
  for (const column of [task.reference, task.current]) {
    if ('rows' in column) continue
    const buffer = column.kind === 'numeric' ? column.values.buffer : column.codes.buffer
    if (buffer instanceof ArrayBuffer && !out.includes(buffer)) out.push(buffer)
  }
  return out
}

function assembleReport(
  outputs: ColumnTaskOutput[],
  reference: DriftReport['reference'],
  current: DriftReport['current'],
  driftShare: number,
  correction: MultipleTestingCorrection,
): DriftReport {
  const columns: DriftColumnReport[] = outputs.map((o) => {
    const ran = o.tests.map((t) => t.test)
    const driftTest = o.autoTest !== undefined && ran.includes(o.autoTest) ? o.autoTest : ran[0]!
    const verdict = o.tests.find((t) => t.test === driftTest)!
    return {
      name: o.name,
      type: o.type,
      ...(o.autoTest !== undefined ? { autoTest: o.autoTest } : {}),
      driftTest,
      drift: 'drift' in verdict ? verdict.drift : false,
      tests: o.tests,
      reference: o.reference,
      current: o.current,
      histogram: o.histogram,
    }
  })
  if (correction !== 'none') applyCorrection(columns, correction)
  const drifted = columns.filter((c) => c.drift).length
  const share = columns.length ? drifted / columns.length : 0
  return {
    reference,
    current,
    columns,
    dataset: {
      numberOfColumns: columns.length,
      numberOfDriftedColumns: drifted,
      shareOfDriftedColumns: share,
      datasetDrift: columns.length > 0 && share >= driftShare,
      driftShare,
      correction,
    },
  }
}

/** Adjusts the verdict tests' p-values across columns and re-applies each test's own drift rule. */
function applyCorrection(columns: DriftColumnReport[], correction: 'bonferroni' | 'bh'): void {
  const entries: { column: DriftColumnReport; outcome: Extract<TestOutcome, { drift: boolean }>; p: number }[] = []
  for (const column of columns) {
    if (!isPValueTest(column.driftTest)) continue
    const outcome = column.tests.find((t) => t.test === column.driftTest)
    if (!outcome || !('drift' in outcome) || outcome.pValue === null || Number.isNaN(outcome.pValue)) continue
    entries.push({ column, outcome, p: outcome.pValue })
  }
  const m = entries.length
  if (m === 0) return
  const adjusted = new Float64Array(m)
  if (correction === 'bonferroni') {
    entries.forEach((e, i) => (adjusted[i] = Math.min(1, e.p * m)))
  } else {
    // Benjamini-Hochberg step-up: p_(i) * m / i, made monotone from the largest p down
    const order = entries.map((_, i) => i).sort((a, b) => entries[a]!.p - entries[b]!.p)
    let running = 1
    for (let k = m - 1; k >= 0; k--) {
      const i = order[k]!
      running = Math.min(running, (entries[i]!.p * m) / (k + 1))
      adjusted[i] = running
    }
  }
  entries.forEach((e, i) => {
    const p = adjusted[i]!
    e.outcome.pValueAdjusted = p
    e.outcome.drift = driftOnAdjustedPValue(e.outcome.test, p, e.outcome.threshold)
    e.column.drift = e.outcome.drift
  })
}

/**
 * The cell texts of numeric columns, re-read from the table's file (the exact spellings: "1" and "1.0" are
 * different categories). A table that was not read from a file (rows from a pipeline dataset) has no
 * spellings left: its numbers are written the way JavaScript prints them.
 */
async function columnsAsText(table: Table, names: string[], signal: AbortSignal | undefined): Promise<TableColumn[]> {
  if (await isReadableFile(table.source)) {
    const reloaded = await loadTable(table.source, { textColumns: names, columns: names, format: table.format, ...(signal ? { signal } : {}) })
    return reloaded.columns.filter((c) => names.includes(c.name))
  }
  return table.columns.filter((c) => names.includes(c.name)).map((c) => (c.kind === 'numeric' ? numbersAsText(c) : c))
}

async function isReadableFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function numbersAsText(column: Extract<TableColumn, { kind: 'numeric' }>): TableColumn {
  const labels: string[] = []
  const dictionary = new Map<string, number>()
  const codes = new Int32Array(column.values.length)
  for (let i = 0; i < column.values.length; i++) {
    const v = column.values[i]!
    if (Number.isNaN(v)) {
      codes[i] = -1
      continue
    }
    const text = v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v)
    let code = dictionary.get(text)
    if (code === undefined) {
      code = labels.length
      dictionary.set(text, code)
      labels.push(text)
    }
    codes[i] = code
  }
  return { name: column.name, kind: 'categorical', codes, labels }
}

function unknownTest(id: string, where: string) {
  return mlopsError(errors.InputInvalid, [where, `unknown test "${id}"; known tests: ${knownTestIds.join(', ')}`])
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, 12).map((s) => `"${s}"`)
  return items.length > 12 ? `${shown.join(', ')} and ${items.length - 12} more` : shown.join(', ') || '(none)'
}


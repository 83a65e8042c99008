import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError } from '@mlops/core'
import type { DriftColumnResult, DriftDetectionResult, DriftDetector } from '@mlops/core'
import { preview, rejects } from './internal/assertions.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

/** A small table: column name → cells (numbers for numeric columns, strings for categorical ones). */
export type DriftDataset = Record<string, readonly (number | string)[]>

export interface DriftDetectorHarness {
  /** Shown in every title, e.g. `@acme/drift-psi`. */
  pluginName: string
  /** A detector, configured as the plugin's users would (`(await plugin().definition.setup(...)).driftDetector`). */
  create(): Promise<DriftDetector>
  /**
   * Writes `data` to a file in `dir` in a format the detector reads and returns its path. Default: a CSV
   * file with a header row (`<name>.csv`), numbers written in full precision, strings unquoted.
   */
  writeDataset?(dir: string, name: string, data: DriftDataset): Promise<string>
}

/** Deterministic PRNG (mulberry32), so every run of the suite sees the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normals(n: number, mean: number, sd: number, seed: number): number[] {
  const next = random(seed)
  const out: number[] = []
  while (out.length < n) {
    const u = 1 - next()
    const v = next()
    const r = Math.sqrt(-2 * Math.log(u))
    out.push(mean + sd * r * Math.cos(2 * Math.PI * v), mean + sd * r * Math.sin(2 * Math.PI * v))
  }
  return out.slice(0, n).map((x) => Math.round(x * 1e6) / 1e6)
}

function shuffled<T>(values: readonly T[], seed: number): T[] {
  const next = random(seed)
  const out = [...values]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const ROWS = 400
const COLORS = ['red', 'green', 'blue'] as const

/** Reference data: two numeric columns and one categorical column with three evenly used labels. */
function referenceData(): DriftDataset {
  return {
    stable: normals(ROWS, 10, 2, 1),
    shifted: normals(ROWS, 0, 1, 2),
    color: Array.from({ length: ROWS }, (_, i) => COLORS[i % 3]!),
  }
}

/**
 * Current data: `stable` holds exactly the reference values in another order (no detector may call
 * that drift), `shifted` moved by five standard deviations, `color` turned 90 % blue.
 */
function shiftedData(reference: DriftDataset): DriftDataset {
  return {
    stable: shuffled(reference.stable!, 3),
    shifted: normals(ROWS, 5, 1, 4),
    color: Array.from({ length: ROWS }, (_, i) => (i % 10 === 0 ? 'red' : 'blue')),
  }
}

function csv(data: DriftDataset): string {
  const names = Object.keys(data)
  const rows = data[names[0]!]!.length
  const lines = [names.join(',')]
  for (let i = 0; i < rows; i++) lines.push(names.map((n) => String(data[n]![i])).join(','))
  return `${lines.join('\n')}\n`
}

async function writeCsv(dir: string, name: string, data: DriftDataset): Promise<string> {
  const path = join(dir, `${name}.csv`)
  await writeFile(path, csv(data))
  return path
}

async function withDetector(h: DriftDetectorHarness, body: (detector: DriftDetector, write: (name: string, data: DriftDataset) => Promise<string>, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-drift-conformance-'))
  try {
    const detector = await h.create()
    await body(detector, (name, data) => (h.writeDataset ?? writeCsv)(dir, name, data), dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function byColumn(result: DriftDetectionResult): Map<string, DriftColumnResult> {
  return new Map(result.columns.map((c) => [c.column, c]))
}

/** Asserts the shape every result must have, whatever the data. */
function assertWellFormed(result: DriftDetectionResult, expectedColumns: Record<string, 'numeric' | 'categorical'>, what: string): void {
  assert.ok(result && typeof result === 'object', `${what}: detect() must resolve to an object, got ${preview(result)}`)
  assert.ok(Array.isArray(result.columns), `${what}: result.columns must be an array`)
  assert.deepEqual(
    result.columns.map((c) => c.column).sort(),
    Object.keys(expectedColumns).sort(),
    `${what}: one result per compared column, each column once`,
  )
  for (const c of result.columns) {
    const label = `${what}: column "${c.column}"`
    assert.equal(c.type, expectedColumns[c.column], `${label}: type must be "${expectedColumns[c.column]}"`)
    assert.ok(typeof c.test === 'string' && c.test.length > 0, `${label}: test must name the statistical test`)
    assert.equal(typeof c.drift, 'boolean', `${label}: drift must be a boolean`)
    assert.ok(typeof c.threshold === 'number' && Number.isFinite(c.threshold), `${label}: threshold must be a finite number`)
    for (const key of ['statistic', 'pValue'] as const) {
      const value = c[key]
      assert.ok(value === null || (typeof value === 'number' && Number.isFinite(value)), `${label}: ${key} must be a finite number or null, got ${String(value)}`)
    }
    assert.ok(c.statistic !== null || c.pValue !== null, `${label}: a column without an error reports a statistic or a p-value`)
    if (c.pValue !== null) assert.ok(c.pValue >= 0 && c.pValue <= 1, `${label}: pValue ${c.pValue} must lie in [0, 1]`)
    assert.equal(c.error, undefined, `${label}: unexpected error "${c.error}"`)
  }
  const drifted = result.columns.filter((c) => c.drift).length
  assert.equal(typeof result.datasetDrift, 'boolean', `${what}: datasetDrift must be a boolean`)
  assert.ok(
    Math.abs(result.shareOfDriftedColumns - drifted / result.columns.length) < 1e-12,
    `${what}: shareOfDriftedColumns must be drifted / compared columns (${drifted}/${result.columns.length}), got ${result.shareOfDriftedColumns}`,
  )
}

const ALL_COLUMNS = { stable: 'numeric', shifted: 'numeric', color: 'categorical' } as const

/** The cases, in a table like ESLint's RuleTester: each runs against a fresh detector and temp folder. */
export const driftDetectorCases: readonly ConformanceCase<DriftDetectorHarness>[] = [
  {
    name: 'identical data: no column drifts and the dataset does not drift',
    run: (h) =>
      withDetector(h, async (detector, write) => {
        const data = referenceData()
        const reference = await write('reference', data)
        const current = await write('current', data)
        for (const [label, cur] of [['a copy of the reference', current], ['the reference file itself', reference]] as const) {
          const result = await detector.detect({ path: reference }, { path: cur }, {})
          assertWellFormed(result, ALL_COLUMNS, `reference vs ${label}`)
          assert.deepEqual(result.columns.filter((c) => c.drift).map((c) => c.column), [], `reference vs ${label}: no column may drift`)
          assert.equal(result.datasetDrift, false, `reference vs ${label}: datasetDrift must be false`)
          assert.equal(result.shareOfDriftedColumns, 0)
        }
      }),
  },
  {
    name: 'an obvious shift is detected in the shifted columns, and only there',
    run: (h) =>
      withDetector(h, async (detector, write) => {
        const data = referenceData()
        const reference = await write('reference', data)
        const current = await write('current', shiftedData(data))
        const result = await detector.detect({ path: reference }, { path: current }, {})
        assertWellFormed(result, ALL_COLUMNS, 'reference vs shifted')
        const columns = byColumn(result)
        assert.equal(columns.get('shifted')?.drift, true, 'a numeric column whose mean moved by 5 standard deviations must drift')
        assert.equal(columns.get('color')?.drift, true, 'a categorical column that went from 1/3 to 90 % "blue" must drift')
        assert.equal(columns.get('stable')?.drift, false, 'a column holding the same values in another order must not drift')
        assert.ok(Math.abs(result.shareOfDriftedColumns - 2 / 3) < 1e-12, `2 of 3 columns drifted, got share ${result.shareOfDriftedColumns}`)
      }),
  },
  {
    name: 'column results are well-formed and follow the data types (numbers → numeric, strings → categorical)',
    run: (h) =>
      withDetector(h, async (detector, write) => {
        const data = referenceData()
        const small: DriftDataset = { size: data.shifted!.slice(0, 120), kind: data.color!.slice(0, 120) }
        const moved: DriftDataset = { size: normals(120, 0.2, 1, 9), kind: shuffled(small.kind!, 10) }
        const result = await detector.detect({ path: await write('small-ref', small) }, { path: await write('small-cur', moved) }, {})
        assertWellFormed(result, { size: 'numeric', kind: 'categorical' }, 'two columns, 120 rows')
      }),
  },
  {
    name: 'options.columns restricts the comparison to the named columns',
    run: (h) =>
      withDetector(h, async (detector, write) => {
        const data = referenceData()
        const reference = await write('reference', data)
        const current = await write('current', shiftedData(data))
        const result = await detector.detect({ path: reference }, { path: current }, { columns: ['stable', 'color'] })
        assertWellFormed(result, { stable: 'numeric', color: 'categorical' }, 'columns: [stable, color]')
        assert.equal(byColumn(result).get('color')?.drift, true)
        assert.ok(Math.abs(result.shareOfDriftedColumns - 1 / 2) < 1e-12, 'the share counts only the compared columns')
      }),
  },
  {
    name: 'a missing input file is rejected with an MlopsError naming the path',
    run: (h) =>
      withDetector(h, async (detector, write, dir) => {
        const existing = await write('reference', referenceData())
        const missing = join(dir, 'does-not-exist.csv')
        for (const [label, reference, current] of [
          ['missing reference', missing, existing],
          ['missing current', existing, missing],
        ] as const) {
          const error = await rejects(() => detector.detect({ path: reference }, { path: current }, {}), `detect() with a ${label} file`)
          assert.ok(isMlopsError(error), `${label}: expected an MlopsError (mlopsError(errors.InputInvalid, ...)), got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
          assert.ok(error.code.startsWith('MLOPS_') && error.exit === 2, `${label}: bad input is a usage error (exit 2), got ${error.code} exit ${error.exit}`)
          assert.ok(error.message.includes('does-not-exist.csv'), `${label}: the message must name the file, got "${error.message}"`)
        }
      }),
  },
  {
    name: 'an aborted signal rejects instead of reporting',
    run: (h) =>
      withDetector(h, async (detector, write) => {
        const data = referenceData()
        const reference = await write('reference', data)
        const current = await write('current', shiftedData(data))
        await rejects(() => detector.detect({ path: reference }, { path: current }, { signal: AbortSignal.abort() }), 'detect() with an already aborted signal')
      }),
  },
]

/**
 * Registers the drift detector conformance cases with the caller's test runner:
 * `driftDetectorConformance({ describe, it }, { pluginName, create, writeDataset })`.
 */
export function driftDetectorConformance(t: TestApi, harness: DriftDetectorHarness): void {
  registerCases(t, 'driftDetector conformance (apiVersion 1)', harness, driftDetectorCases)
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWorkerPool, isMlopsError, type WorkerPool } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProfile, computeDriftReport, driftReportToJson, loadDriftInputs, loadTable, readProfile, writeProfile, type DriftReport } from '../src/index.js'
import type { Table } from '../src/table.js'

let dir: string
let pool: WorkerPool
let seed = 42
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-300)) * Math.cos(2 * Math.PI * rnd())

async function writeCsv(path: string, rows: number, shift: number): Promise<void> {
  const lines = ['g,u,k,cat']
  for (let i = 0; i < rows; i++) {
    lines.push(`${(gauss() + shift).toFixed(6)},${(rnd() * 10).toFixed(3)},${Math.floor(rnd() * 4)},${rnd() < 0.3 + shift / 4 ? 'a' : rnd() < 0.5 ? 'b' : 'c'}`)
  }
  await writeFile(path, `${lines.join('\n')}\n`)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-drift-report-'))
  // 4 columns x 2 x 60,000 rows = 480,000 values: above the in-process limit, so the pool path runs
  await writeCsv(join(dir, 'ref.csv'), 60_000, 0)
  await writeCsv(join(dir, 'cur.csv'), 60_000, 0.02)
  pool = createWorkerPool({ maxThreads: 2 })
})
afterAll(async () => {
  await pool.close()
  await rm(dir, { recursive: true, force: true })
})

const strip = (r: DriftReport) => JSON.stringify(driftReportToJson({ ...r, reference: { ...r.reference, source: '', isProfile: false }, current: { ...r.current, source: '' } }))

describe('computeDriftReport', () => {
  it('gives identical results in-process, on the worker pool, and from a profile', { timeout: 60_000 }, async () => {
    const tests = ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare', 'hellinger'] as const
    const ref = await loadTable(join(dir, 'ref.csv'))
    const cur = await loadTable(join(dir, 'cur.csv'))
    const local = await computeDriftReport(ref, cur, { tests: [...tests] })
    const { reference, current } = await loadDriftInputs(join(dir, 'ref.csv'), join(dir, 'cur.csv'), { pool })
    const pooled = await computeDriftReport(reference, current, { tests: [...tests], pool })
    expect(strip(pooled)).toBe(strip(local))
    const profile = readProfile(writeProfile(await buildProfile(ref, { pool })))
    const viaProfile = await computeDriftReport(profile, cur, { tests: [...tests], pool })
    expect(strip(viaProfile)).toBe(strip(local))
    expect(viaProfile.reference.isProfile).toBe(true)
    // the tests ran where they apply: ks on numbers only, chisquare on every column (numbers as categories)
    expect(local.columns.find((c) => c.name === 'cat')!.tests.map((t) => t.test)).toEqual(['psi', 'jensenshannon', 'chisquare', 'hellinger'])
    // with a list, the first listed test that applies decides and no automatic choice is made
    expect(local.columns.map((c) => [c.name, c.driftTest, c.autoTest])).toEqual([
      ['g', 'ks', undefined],
      ['u', 'ks', undefined],
      ['k', 'ks', undefined],
      ['cat', 'psi', undefined],
    ])
    const auto = await computeDriftReport(ref, cur, { columns: ['k', 'cat'] })
    expect(auto.columns.map((c) => [c.name, c.autoTest, c.driftTest])).toEqual([
      ['k', 'jensenshannon', 'jensenshannon'],
      ['cat', 'jensenshannon', 'jensenshannon'],
    ])
  })

  it('applies Bonferroni and Benjamini-Hochberg to the verdict tests only', async () => {
    const t = (name: string, values: number[]): Table['columns'][number] => ({ name, kind: 'numeric', values: Float64Array.from(values), isInteger: false })
    // a uniform grid shifted by s: the KS statistic is exactly s, so p-values range from ~1 to ~1e-8
    const n = 200
    const grid = Array.from({ length: n }, (_, i) => i / n)
    const shifts = [0, 0.14, 0.15, 0.2, 0.3]
    const reference: Table = { source: 'r', format: 'csv', rowCount: n, columns: shifts.map((_, j) => t(`c${j}`, grid)) }
    const current: Table = { source: 'c', format: 'csv', rowCount: n, columns: shifts.map((s, j) => t(`c${j}`, grid.map((v) => v + s))) }
    const plain = await computeDriftReport(reference, current)
    const bonf = await computeDriftReport(reference, current, { correction: 'bonferroni' })
    const bh = await computeDriftReport(reference, current, { correction: 'bh' })
    const p = plain.columns.map((c) => (c.tests[0] as { pValue: number }).pValue)
    const m = p.length
    bonf.columns.forEach((c, i) => {
      const o = c.tests[0] as { pValue: number; pValueAdjusted: number; drift: boolean; threshold: number }
      expect(o.pValue).toBe(p[i])
      expect(o.pValueAdjusted).toBe(Math.min(1, p[i]! * m))
      expect(o.drift).toBe(o.pValueAdjusted <= o.threshold)
      expect(c.drift).toBe(o.drift)
    })
    // BH by hand: sort, p_(k) * m / k, running minimum from the top
    const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!)
    const expected = new Array<number>(m)
    let running = 1
    for (let k = m - 1; k >= 0; k--) {
      running = Math.min(running, (p[order[k]!]! * m) / (k + 1))
      expected[order[k]!] = running
    }
    bh.columns.forEach((c, i) => expect((c.tests[0] as { pValueAdjusted: number }).pValueAdjusted).toBeCloseTo(expected[i]!, 15))
    const count = (r: DriftReport) => r.dataset.numberOfDriftedColumns
    expect(count(bonf)).toBeLessThanOrEqual(count(bh))
    expect(count(bh)).toBeLessThanOrEqual(count(plain))
    expect(count(plain)).toBeGreaterThan(count(bonf)) // the data is built so that the correction matters
    expect(bonf.dataset.correction).toBe('bonferroni')
  })

  it('reads a column holding text in one file as text in both', async () => {
    await writeFile(join(dir, 'mixed-ref.csv'), 'v\n1\n2\n2\n3\n')
    await writeFile(join(dir, 'mixed-cur.csv'), 'v\n1\n2.0\nx\n3\n')
    const report = await computeDriftReport(await loadTable(join(dir, 'mixed-ref.csv')), await loadTable(join(dir, 'mixed-cur.csv')), { tests: 'all' })
    expect(report.columns[0]!.type).toBe('categorical')
    const h = report.columns[0]!.histogram
    expect(h.kind === 'categorical' && [...h.labels].sort()).toEqual(['1', '2', '2.0', '3', 'x'])
  })

  it('compares a numeric column with a text column as text also for tables not read from a file', async () => {
    const reference: Table = { source: 'reference rows', format: 'jsonl', rowCount: 3, columns: [{ name: 'v', kind: 'numeric', values: Float64Array.from([1, 2.5, NaN]), isInteger: false }] }
    const current: Table = { source: 'current rows', format: 'jsonl', rowCount: 2, columns: [{ name: 'v', kind: 'categorical', codes: Int32Array.from([0, 1]), labels: ['1', 'x'] }] }
    const report = await computeDriftReport(reference, current, { tests: ['chisquare'] })
    const h = report.columns[0]!.histogram
    expect(report.columns[0]!.type).toBe('categorical')
    expect(h.kind === 'categorical' && [...h.labels].sort()).toEqual(['1', '2.5', 'x'])
  })

  it('stops when the signal is aborted, in-process and on the pool', async () => {
    const ref = await loadTable(join(dir, 'ref.csv'))
    const cur = await loadTable(join(dir, 'cur.csv'))
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(computeDriftReport(ref, cur, { signal: controller.signal })).rejects.toThrow('stop')
    const later = new AbortController()
    const running = computeDriftReport(ref, cur, { tests: 'all', pool, signal: later.signal })
    setTimeout(() => later.abort(new Error('stopped midway')), 50)
    await expect(running).rejects.toThrow()
    await expect(loadTable(join(dir, 'ref.csv'), { signal: controller.signal })).rejects.toThrow('stop')
  })

  it('rejects bad options with exit-2 errors that name the option', async () => {
    const ref = await loadTable(join(dir, 'mixed-ref.csv'))
    const bad: [object, RegExp][] = [
      [{ tests: ['nope'] }, /^--tests: unknown test "nope"/],
      [{ thresholds: { nope: 1 } }, /^--threshold: unknown test "nope"/],
      [{ driftShare: 2 }, /^--drift-share: must be between 0 and 1/],
      [{ columns: ['zz'] }, /^--columns: column "zz" is not in the reference/],
    ]
    for (const [options, message] of bad) {
      const error = await computeDriftReport(ref, ref, options).catch((e: unknown) => e)
      expect(isMlopsError(error)).toBe(true)
      expect((error as Error).message).toMatch(message)
    }
  })
})

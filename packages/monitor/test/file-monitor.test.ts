import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError, monitor, type LoadedConfig, type Logger, type MonitorConfig } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { createFsArtifactStore, type FsArtifactStore } from '@mlops/storage-fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MONITOR_RESULTS, monitorHistory, runMonitor, type MonitorServices } from '../src/index.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** Deterministic pseudo-random numbers (mulberry32), so the data is the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** n rows: age ~ uniform(20, 60) + shift, income ~ uniform(1000, 5000), city from `cities`, some blanks. */
function csv(n: number, seed: number, o: { shift?: number; cities?: string[]; blankEvery?: number } = {}): string {
  const r = rng(seed)
  const cities = o.cities ?? ['paris', 'lyon', 'nice']
  const lines = ['age,income,city']
  for (let i = 0; i < n; i++) {
    const blank = o.blankEvery !== undefined && i % o.blankEvery === 0
    lines.push(`${(20 + 40 * r() + (o.shift ?? 0)).toFixed(2)},${blank ? '' : (1000 + 4000 * r()).toFixed(0)},${cities[Math.floor(r() * cities.length)]}`)
  }
  return `${lines.join('\n')}\n`
}

describe('monitors of a current dataset file', () => {
  let root: string
  let storage: FsArtifactStore
  let services: MonitorServices
  let close: () => Promise<void>

  function configWith(monitors: Record<string, MonitorConfig>): LoadedConfig {
    return {
      file: join(root, 'mlops.config.ts'),
      root,
      project: 'file-monitors',
      plugins: [],
      pipelines: new Map(),
      models: new Map(),
      monitors: new Map(Object.entries(monitors).map(([k, v]) => [k, monitor(v)])),
      triggers: [],
      notifications: {},
      execution: { concurrency: 1, cache: true },
    }
  }
  const checks = { quality: { maxMissingShare: 0.05, maxOutOfRangeShare: 0.05 }, drift: { driftShare: 0.5 } }
  const run = (monitors: Record<string, MonitorConfig>, name: string) => runMonitor({ ...services, config: configWith(monitors) }, name, { now: new Date() })

  async function expectInputError(promise: Promise<unknown>, pattern: RegExp) {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isMlopsError(error), String(error)).toBe(true)
    if (!isMlopsError(error)) return
    expect(error.code).toBe('MLOPS_MONITOR_INPUT_INVALID')
    expect(error.exit).toBe(2)
    expect(error.message).toMatch(pattern)
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mlops-file-monitor-'))
    writeFileSync(join(root, 'reference.csv'), csv(400, 1))
    writeFileSync(join(root, 'same.csv'), csv(300, 2))
    writeFileSync(join(root, 'shifted.csv'), csv(300, 3, { shift: 25, cities: ['paris', 'lyon', 'nice', 'lille'], blankEvery: 5 }))
    writeFileSync(join(root, 'small.csv'), csv(10, 4))
    writeFileSync(join(root, 'other-columns.csv'), 'height,weight\n1.8,80\n1.7,70\n')
    writeFileSync(join(root, 'header-only.csv'), 'age,income,city\n')
    const metadata = await openSqliteMetadataStore(join(root, 'metadata.sqlite'))
    storage = await createFsArtifactStore(join(root, 'artifacts'))
    services = { config: configWith({}), metadata, storage, logger: silent }
    close = async () => {
      await metadata.close()
      await storage.close()
    }
  })
  afterAll(async () => {
    await close()
    rmSync(root, { recursive: true, force: true })
  })

  it('a window from the reference distribution passes, and the result and its event are recorded', async () => {
    const result = await run({ same: { current: { path: 'same.csv' }, reference: { path: 'reference.csv' }, checks } }, 'same')
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['quality', 'ok'],
      ['drift', 'ok'],
    ])
    expect(result).toMatchObject({ monitor: 'same', model: null, version: null, drift: false, qualityFailed: false, performanceDrop: false })
    expect(result.window).toMatchObject({ source: 'same.csv', rows: 300 })
    expect(result.reference).toEqual({ source: 'reference.csv', rows: 400 })
    expect((await monitorHistory(services.metadata, 'same')).map((r) => r.id)).toEqual([result.id])
    const events = (await services.metadata.listEvents({ limit: 1000 })).filter((e) => e.payload.resultId === result.id)
    expect(events.map((e) => e.type)).toEqual(['monitor.completed'])
  })

  it('a shifted window with a new category and blanks: drift and quality alert, with their events', async () => {
    const result = await run({ shifted: { current: { path: 'shifted.csv' }, reference: { path: 'reference.csv' }, checks } }, 'shifted')
    expect(result.drift).toBe(true)
    expect(result.qualityFailed).toBe(true)
    const drift = result.checks.find((c) => c.name === 'drift')!
    expect(drift.status).toBe('alert')
    expect(drift.detail).toMatch(/age/)
    expect(drift.detail).not.toMatch(/income/)
    const quality = result.checks.find((c) => c.name === 'quality')!
    expect(quality.detail).toMatch(/age: .*% of values outside the reference range/)
    expect(quality.detail).toMatch(/income: 20\.0% missing \(allowed 5\.0%\)/)
    expect(quality.detail).toMatch(/city: new categories not in the reference: lille/)
    const events = (await services.metadata.listEvents({ limit: 1000 })).filter((e) => e.payload.resultId === result.id)
    expect(events.map((e) => e.type).sort()).toEqual(['data_quality.failed', 'drift.detected', 'monitor.completed'])
  })

  it('fewer rows than minRows: the checks are skipped, not judged', async () => {
    const result = await run({ small: { current: { path: 'small.csv' }, reference: { path: 'reference.csv' }, checks } }, 'small')
    expect(result.checks.map((c) => c.status)).toEqual(['skipped', 'skipped'])
    expect(result.checks[0]!.detail).toBe('10 rows in the window; needs 30')
    expect(result.drift || result.qualityFailed).toBe(false)
  })

  it('a missing current file: exit 2 naming the monitor and the path, nothing recorded', async () => {
    const before = (await services.metadata.listDocuments(MONITOR_RESULTS)).length
    await expectInputError(run({ gone: { current: { path: 'data/nope.csv' }, reference: { path: 'reference.csv' }, checks } }, 'gone'), /^monitors\.gone: current\.path data\/nope\.csv \(.*nope\.csv\): no such file; paths are relative to the project root/)
    expect(await services.metadata.listDocuments(MONITOR_RESULTS)).toHaveLength(before)
  })

  it('a missing reference file: exit 2 naming the path', async () => {
    await expectInputError(run({ noref: { current: { path: 'same.csv' }, reference: { path: 'missing-ref.csv' }, checks } }, 'noref'), /monitors\.noref: reference\.path missing-ref\.csv .*no such file/)
  })

  it('an empty reference file: exit 2', async () => {
    await expectInputError(run({ empty: { current: { path: 'same.csv' }, reference: { path: 'header-only.csv' }, checks } }, 'empty'), /reference\.path header-only\.csv has no rows/)
  })

  it('a window and a reference that share no column: exit 2 listing both sides', async () => {
    await expectInputError(
      run({ apart: { current: { path: 'other-columns.csv' }, reference: { path: 'reference.csv' }, checks: { quality: {} } } }, 'apart'),
      /the window \(other-columns\.csv: height, weight\) and the reference \(reference\.csv: age, income, city\) share no column/,
    )
  })

  it('a file monitor without reference.path, or an unknown monitor: exit 2', async () => {
    await expectInputError(run({ bare: { current: { path: 'same.csv' }, checks } }, 'bare'), /needs reference: \{ path \}/)
    const error = await run({ same: { current: { path: 'same.csv' }, reference: { path: 'reference.csv' }, checks } }, 'nope').catch((e: unknown) => e)
    expect(isMlopsError(error) && error.code).toBe('MLOPS_MONITOR_UNKNOWN')
    expect(String((error as Error).message)).toMatch(/no monitor "nope". Monitors: same/)
  })
})

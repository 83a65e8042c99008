import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliJson, makeProject } from './helpers.js'

describe('the drift step in a pipeline', () => {
  let project: ReturnType<typeof makeProject>
  beforeAll(() => {
    project = makeProject('drift-project')
  })
  afterAll(() => project.remove())

  it('stores the report, records statistics as metrics and emits drift.detected', async () => {
    const { result, data } = await cliJson(['run', 'monitor'], project.dir)
    expect(result.code, result.stderr).toBe(0)
    const metrics = Object.fromEntries(data.metrics.map((m: any) => [m.key, m.value]))
    // x is shifted by one standard deviation: KS must see it; y is not shifted.
    expect(metrics['drift.x.ks.p_value']).toBeLessThan(1e-6)
    expect(metrics['drift.y.ks.p_value']).toBeGreaterThan(0.01)
    expect(metrics['drift.city.chisquare.p_value']).toBeLessThan(0.05)
    expect(metrics['drift.dataset']).toBe(1)
    expect(data.artifacts.find((a: any) => a.stepId === 'drift').kind).toBe('json')

    const { openSqliteMetadataStore } = await import('@mlops/metadata-sqlite')
    const store = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
    try {
      const events = await store.listEvents({ type: 'drift.detected' })
      expect(events).toHaveLength(1)
      expect(events[0]!.payload.runId).toBe(data.run.id)
      expect((events[0]!.payload.columns as { column: string }[]).map((c) => c.column)).toEqual(expect.arrayContaining(['city', 'x']))
    } finally {
      await store.close()
    }
  })

  it('refuses an unknown test id with a clear error', async () => {
    const { result, data } = await cliJson(['run', 'monitor', '--param', 'drift.tests=["kss"]'], project.dir)
    expect(result.code).toBe(2)
    expect(data.error.message).toContain('kss')
  })
})

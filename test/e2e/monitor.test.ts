import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendLabels, createPredictionLogWriter, Registry, type MetadataStore, type PredictionRecord } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { createFsArtifactStore, type FsArtifactStore } from '@mlops/storage-fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, makeProject } from './helpers.js'

const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const
type Row = Record<(typeof FEATURES)[number], number> & { species: string }

function penguins(dir: string): Row[] {
  const [header, ...lines] = readFileSync(join(dir, 'data/penguins.csv'), 'utf8').trim().split('\n')
  const names = header!.split(',')
  return lines
    .map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])))
    .filter((r) => r.species && FEATURES.every((f) => r[f] !== '' && r[f] !== undefined))
    .map((r) => ({ species: r.species, ...Object.fromEntries(FEATURES.map((f) => [f, Number(r[f])])) }) as Row)
}

async function mlops(dir: string, args: string[]) {
  const result = await cli([...args, '--json'], dir, { MLOPS_ACTOR: 'ci-bot' })
  let data: any
  try {
    data = JSON.parse(result.stdout)
  } catch {
    data = undefined
  }
  return { ...result, data }
}

describe('monitors and triggers on the prediction log', () => {
  let project: ReturnType<typeof makeProject>
  let metadata: MetadataStore
  let storage: FsArtifactStore
  let rows: Row[]
  let predict: (rows: Record<string, unknown>[]) => Promise<unknown[]>
  let seq = 0

  /** Logs predictions of the champion for these rows, as the model server would; returns their request ids. */
  async function serve(batch: Record<string, unknown>[], version: string): Promise<string[]> {
    const log = createPredictionLogWriter({ metadata, storage, deployment: 'test', flushIntervalMs: 10 })
    const outputs = await predict(batch)
    const ids: string[] = []
    batch.forEach((inputs, i) => {
      const requestId = `req-${++seq}`
      ids.push(requestId)
      const record: PredictionRecord = { requestId, ts: new Date(Date.now() + seq).toISOString(), model: 'penguins', version, variant: 'primary', inputs, output: outputs[i], latencyMs: 0.1 }
      expect(log.log(record)).toBe(true)
    })
    await log.close()
    return ids
  }

  beforeAll(async () => {
    project = makeProject('registry-project')
    const first = await mlops(project.dir, ['run', 'train', '--param', 'epochs=300'])
    expect(first.code, first.stderr).toBe(0)
    metadata = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
    storage = await createFsArtifactStore(join(project.dir, '.mlops', 'artifacts'))
    rows = penguins(project.dir)
    const { version } = await new Registry(metadata).resolve('penguins@champion')
    const model = JSON.parse(new TextDecoder().decode(await storage.get(version.artifactHash)))
    // The fixture's own predictor, re-implemented: softmax over standardised features.
    predict = async (batch) =>
      batch.map((r) => {
        const z = [1, ...model.features.map((f: string, j: number) => ((r[f] as number) - model.mean[j]) / model.std[j])]
        const s = model.weights.map((w: number[]) => w.reduce((acc, v, k) => acc + v * z[k]!, 0))
        return model.labels[s.indexOf(Math.max(...s))]
      })
  }, 60_000)
  afterAll(async () => {
    await metadata.close()
    await storage.close()
    project.remove()
  })

  it('a window like the reference passes every check and fires nothing', async () => {
    const inputs = rows.filter((_, i) => i % 3 === 0).map(({ species: _s, ...f }) => f)
    const ids = await serve(inputs, '1')
    const truth = rows.filter((_, i) => i % 3 === 0).map((r) => r.species)
    await appendLabels({ metadata, storage, model: 'penguins', labels: ids.map((requestId, i) => ({ requestId, label: truth[i] })) })
    const pass = await mlops(project.dir, ['monitor', 'run', 'penguins-live', '--fail-on-alert'])
    expect(pass.code, pass.stdout + pass.stderr).toBe(0)
    const checks = Object.fromEntries(pass.data.result.checks.map((c: any) => [c.name, c.status]))
    expect(checks).toEqual({ quality: 'ok', drift: 'ok', predictionDrift: 'ok', performance: 'ok', stream: 'ok' })
    expect(pass.data.result.window.rows).toBe(inputs.length)
    expect(pass.data.firings).toEqual([])
    const perf = pass.data.result.checks.find((c: any) => c.name === 'performance')
    expect(perf.data.labelled).toBe(inputs.length)
  }, 60_000)

  it('shifted traffic: drift and quality alert, onDrift retrains, the gate decides, and the events are recorded', async () => {
    // A documented synthetic shift: heavier penguins with longer bills (a new colony), every other row of the data.
    const shifted = rows.filter((_, i) => i % 2 === 1).map(({ species: _s, ...f }) => ({ ...f, body_mass_g: f.body_mass_g + 1800, bill_length_mm: f.bill_length_mm + 9 }))
    await serve(shifted, '1')
    const alert = await mlops(project.dir, ['monitor', 'run', 'penguins-live', '--fail-on-alert'])
    expect(alert.code, alert.stdout + alert.stderr).toBe(1)
    const result = alert.data.result
    expect(result.drift).toBe(true)
    const drift = result.checks.find((c: any) => c.name === 'drift')
    expect(drift.status).toBe('alert')
    const drifted = drift.data.columns.filter((c: any) => c.drift).map((c: any) => c.name)
    expect(drifted).toEqual(expect.arrayContaining(['body_mass_g', 'bill_length_mm']))
    expect(drifted).not.toContain('flipper_length_mm')
    expect(result.checks.find((c: any) => c.name === 'quality')).toMatchObject({ status: 'alert' })
    expect(result.checks.find((c: any) => c.name === 'quality').detail).toMatch(/body_mass_g: .*outside the reference range/)

    const firing = alert.data.firings.find((f: any) => f.kind === 'drift')
    expect(firing).toMatchObject({ pipeline: 'train', status: 'succeeded' })
    expect(firing.reason).toMatch(/monitor penguins-live found drift/)
    expect(firing.models[0].model).toBe('penguins')
    expect(['promoted', 'rejected', 'unchanged']).toContain(firing.models[0].outcome)
    const run = await metadata.getRun(firing.runId)
    expect(run?.params.train).toMatchObject({ epochs: 500 })

    const types = (await metadata.listEvents({ limit: 10_000 })).map((e) => e.type)
    expect(types).toEqual(expect.arrayContaining(['monitor.completed', 'drift.detected', 'data_quality.failed', 'trigger.fired', 'model.registered']))
    // Inside its cooldown nothing fires again, but the alert is still reported.
    const again = await mlops(project.dir, ['monitor', 'run', 'penguins-live', '--no-trigger'])
    expect(again.code).toBe(0)
    expect(again.data.firings).toEqual([])
    const history = await mlops(project.dir, ['monitor', 'history', 'penguins-live'])
    expect(history.data.map((r: any) => r.drift)).toEqual([true, true, false])
  }, 120_000)

  it('rejects an unknown monitor with exit 2', async () => {
    const unknown = await mlops(project.dir, ['monitor', 'run', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no monitor "nope". Monitors: penguins-live/)
  })
})

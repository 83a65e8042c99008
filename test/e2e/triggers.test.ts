// Triggers on real stores (SQLite metadata, files) with the project's real config loaded from a temp copy
// of test/fixtures/trigger-project: new data, code changes, schedules, cooldowns, a race between two
// store instances, and retraining runs that fail. Time is passed explicitly (`now`), so nothing waits.
import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createLocalExecutor,
  createWorkerPool,
  loadConfig,
  planRun,
  registerRunModels,
  Registry,
  runPipeline,
  type LoadedConfig,
  type Logger,
  type MetadataStore,
} from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { evaluateTriggers, pipelineCodeVersion, TRIGGER_STATE, type TriggerFiring, type TriggerServices } from '@mlops/monitor'
import { createFsArtifactStore } from '@mlops/storage-fs'
import { afterAll, describe, expect, it } from 'vitest'
import { makeProject } from './helpers.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const signal = new AbortController().signal
const T0 = Date.UTC(2030, 0, 1, 0, 0, 30) // 00:00:30 UTC: the next minute starts 30 s later
const at = (seconds: number) => new Date(T0 + seconds * 1000)

interface Harness {
  dir: string
  services: TriggerServices
  /** A second metadata store instance on the same SQLite file, as another process would have. */
  other: () => Promise<TriggerServices>
  reload(): Promise<LoadedConfig>
  evaluate(now: Date, o?: { run?: boolean; services?: TriggerServices }): Promise<TriggerFiring[]>
  state(key: string): Promise<Record<string, unknown> | undefined>
  events(type: string): Promise<{ id: string; payload: Record<string, unknown> }[]>
  train(): Promise<string>
  close(): Promise<void>
}

const harnesses: Harness[] = []
afterAll(async () => {
  for (const h of harnesses) await h.close()
})

async function harness(triggers: string): Promise<Harness> {
  const project = makeProject('trigger-project')
  const env = { ...process.env, MLOPS_TEST_TRIGGERS: triggers, MLOPS_TEST_WEBHOOK_URL: '' }
  const load = () => loadConfig({ cwd: project.dir, command: 'daemon', env })
  const config = await load()
  const metadata = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
  const storage = await createFsArtifactStore(join(project.dir, '.mlops', 'artifacts'))
  const executor = createLocalExecutor()
  const pool = createWorkerPool()
  const extra: MetadataStore[] = []
  const services: TriggerServices = { config, metadata, storage, executor, pool, logger: silent }
  const h: Harness = {
    dir: project.dir,
    services,
    async other() {
      const second = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
      extra.push(second)
      return { ...services, metadata: second }
    },
    async reload() {
      services.config = await load()
      return services.config
    },
    evaluate: (now, o = {}) => evaluateTriggers(o.services ?? services, { now, signal, actor: 'trigger-test', ...(o.run === false ? { run: false } : {}) }),
    async state(key) {
      return (await metadata.getDocument(TRIGGER_STATE, key))?.value as Record<string, unknown> | undefined
    },
    async events(type) {
      return (await metadata.listEvents({ limit: 10_000 })).filter((e) => e.type === type)
    },
    async train() {
      const summary = await runPipeline(services, { pipeline: 'train', signal })
      await registerRunModels({ config: services.config, metadata, storage, runId: summary.run.id, actor: 'trigger-test' })
      return summary.run.id
    },
    async close() {
      for (const m of extra) await m.close()
      await metadata.close()
      await storage.close()
      await executor.close()
      await pool.close()
      project.remove()
    },
  }
  harnesses.push(h)
  return h
}

/**
 * Every row of the penguins file again with the species rotated: the same measurements now carry two
 * species each, so no model can reach the accuracy gate (0.7) on this data.
 */
function mislabelled(dir: string): string {
  const [, ...lines] = readFileSync(join(dir, 'data/penguins.csv'), 'utf8').trim().split('\n')
  const rotate: Record<string, string> = { Adelie: 'Gentoo', Gentoo: 'Chinstrap', Chinstrap: 'Adelie' }
  return `${lines.map((line) => line.replace(/^(\w+),/, (_, s: string) => `${rotate[s] ?? s},`)).join('\n')}\n`
}

describe('onNewData', () => {
  it('fires when the content hash changes (not on the first look, not when only the mtime changes), runs the pipeline with its params, and the gate decides', async () => {
    const h = await harness('newData')
    await h.train() // penguins:1 becomes the champion
    const key = 'onNewData(data/penguins.csv) → train'
    const file = join(h.dir, 'data/penguins.csv')

    expect(await h.evaluate(at(0))).toEqual([]) // first look: remembers the hash
    const first = await h.state(key)
    expect(first).toMatchObject({ size: statSync(file).size, mtimeMs: statSync(file).mtimeMs })
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(await h.evaluate(at(1))).toEqual([]) // same size and mtime: not even read

    // Touched: a new mtime, the same bytes. Hashed again, found unchanged, not fired.
    const later = new Date(statSync(file).mtimeMs + 5000)
    utimesSync(file, later, later)
    expect(await h.evaluate(at(2))).toEqual([])
    const touched = await h.state(key)
    expect(touched!.hash).toBe(first!.hash)
    expect(touched!.mtimeMs).toBe(statSync(file).mtimeMs)
    expect(touched!.mtimeMs).not.toBe(first!.mtimeMs)

    // New rows that contradict the old ones: the run happens, the gate rejects the worse model.
    appendFileSync(file, mislabelled(h.dir))
    const [firing, ...rest] = await h.evaluate(at(3))
    expect(rest).toEqual([])
    expect(firing).toMatchObject({ kind: 'newData', key, pipeline: 'train', status: 'succeeded' })
    expect(firing!.reason).toMatch(/^data\/penguins\.csv changed \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\)$/)
    const run = await h.services.metadata.getRun(firing!.runId!)
    expect(run?.params.train).toMatchObject({ epochs: 200 })
    expect(firing!.models).toHaveLength(1)
    expect(firing!.models![0]).toMatchObject({ model: 'penguins', outcome: 'rejected', previous: '1' })
    expect(JSON.stringify(firing!.models![0]!.gate)).toMatch(/accuracy/)
    const { version } = await new Registry(h.services.metadata).resolve('penguins@champion')
    expect(version.version).toBe('1')
    const fired = await h.events('trigger.fired')
    expect(fired).toHaveLength(1)
    expect(fired[0]!.payload).toMatchObject({ trigger: key, pipeline: 'train' })

    // The old data back: a change again (1 s cooldown long over); the gate promotes a model as good as the champion.
    writeFileSync(file, readFileSync(join(h.dir, 'data/reference.csv')))
    const [back] = await h.evaluate(at(10))
    expect(back).toMatchObject({ status: 'succeeded' })
    expect(back!.models![0]).toMatchObject({ outcome: 'promoted', previous: '1' })
    expect((await new Registry(h.services.metadata).resolve('penguins@champion')).version.version).toBe(back!.models![0]!.version.version)
  })

  it('a file that appears counts as new data; a change inside the cooldown is not lost: it fires when the cooldown is over', async () => {
    const h = await harness('newDataCooldown') // cooldown 1h
    const file = join(h.dir, 'data/penguins.csv')
    const original = readFileSync(file)
    rmSync(file) // not there yet
    expect(await h.evaluate(at(0), { run: false })).toEqual([])
    writeFileSync(file, original)
    const [appeared] = await h.evaluate(at(1), { run: false })
    expect(appeared!.reason).toMatch(/^data\/penguins\.csv appeared/)
    expect(appeared!.skipped).toBeUndefined()

    appendFileSync(file, mislabelled(h.dir).split('\n').slice(0, 5).join('\n') + '\n')
    const [cooling] = await h.evaluate(at(60), { run: false })
    expect(cooling!.skipped).toMatch(/^in cooldown until 2030-01-01T01:00:31\.000Z; fires then$/)
    expect(await h.events('trigger.fired')).toHaveLength(1)
    expect((await h.state('onNewData(data/penguins.csv) → train'))!.pending).toBe(cooling!.reason)
    expect(await h.evaluate(at(120), { run: false })).toEqual([]) // nothing new: the change waits
    const [after] = await h.evaluate(at(3602), { run: false })
    expect(after!.skipped).toBeUndefined()
    expect(after!.reason).toMatch(/changed/)
    expect(await h.events('trigger.fired')).toHaveLength(2)
    expect(await h.evaluate(at(3603), { run: false })).toEqual([])
  })
})

describe('onCodeChange', () => {
  it('fires when a step’s code differs from the last run’s code version, and not for code already run', async () => {
    const h = await harness('codeChange')
    const first = await h.train()
    const firstRun = await h.services.metadata.getRun(first)
    // The trigger's code version is the one runs record.
    expect(pipelineCodeVersion(h.services.config, 'train')).toBe(firstRun!.codeVersion)
    expect(planRun(h.services.config, 'train').codeVersion).toBe(firstRun!.codeVersion)
    expect(await h.evaluate(at(0))).toEqual([])

    const configFile = join(h.dir, 'mlops.config.ts')
    const edit = (revision: number) => writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/const codeRevision = \d+/, `const codeRevision = ${revision}`))
    edit(2)
    await h.reload()
    const [firing, ...rest] = await h.evaluate(at(1))
    expect(rest).toEqual([])
    expect(firing).toMatchObject({ kind: 'codeChange', pipeline: 'train', status: 'succeeded' })
    expect(firing!.reason).toBe(`the code of pipeline train changed (${firstRun!.codeVersion.slice(0, 12)} → ${pipelineCodeVersion(h.services.config, 'train')!.slice(0, 12)})`)
    const run = await h.services.metadata.getRun(firing!.runId!)
    expect(run!.codeVersion).toBe(pipelineCodeVersion(h.services.config, 'train'))
    expect((await h.services.metadata.listMetrics(run!.id)).find((m) => m.key === 'code_revision')?.value).toBe(2)
    // The same model from new evaluation code: the artifact exists already.
    expect(firing!.models![0]!.outcome).toBe('unchanged')
    expect(await h.evaluate(at(5))).toEqual([])

    // Edited and run by hand before the trigger looked: nothing left to do.
    edit(3)
    await h.reload()
    await h.train()
    expect(await h.evaluate(at(10))).toEqual([])
    expect(await h.events('trigger.fired')).toHaveLength(1)
  })
})

describe('onSchedule', () => {
  it('fires when its cron came due since the last look; the cooldown suppresses a firing', async () => {
    const h = await harness('schedule') // * * * * *, cooldown 90s
    await h.train()
    expect(await h.evaluate(at(0))).toEqual([]) // first look
    expect(await h.evaluate(at(20))).toEqual([]) // 00:00:50: no minute started
    const [due] = await h.evaluate(at(61)) // 00:01:31: 00:01:00 came due
    expect(due).toMatchObject({ kind: 'schedule', reason: 'schedule * * * * * came due at 2030-01-01T00:01:00.000Z', status: 'succeeded' })
    expect(due!.models![0]!.outcome).toBe('unchanged')
    const [cooling] = await h.evaluate(at(122), { run: false }) // 00:02:32: due, but 61 s after the last firing
    expect(cooling!.skipped).toBe('in cooldown until 2030-01-01T00:03:01.000Z')
    const [again] = await h.evaluate(at(183), { run: false }) // 00:03:33
    expect(again!.skipped).toBeUndefined()
    expect(again!.reason).toMatch(/came due at 2030-01-01T00:03:00\.000Z/)
    expect((await h.events('trigger.fired')).length).toBe(2)
    // A due tick missed during the cooldown is not made up for.
    expect(await h.evaluate(at(190), { run: false })).toEqual([])
  })

  it('two processes evaluating the same trigger at the same moment fire it once (CAS on its state)', async () => {
    const h = await harness('schedule')
    const b = await h.other()
    expect(await h.evaluate(at(0), { run: false })).toEqual([])
    const rounds = 8
    let conflicts = 0
    for (let i = 1; i <= rounds; i++) {
      const now = at(i * 100) // a new minute each round, past the 90 s cooldown
      const [x, y] = await Promise.all([h.evaluate(now, { run: false }), h.evaluate(now, { run: false, services: b })])
      const fired = [...x!, ...y!].filter((f) => !f.skipped)
      expect(fired, `round ${i}`).toHaveLength(1)
      const lost = [...x!, ...y!].filter((f) => f.skipped)
      for (const f of lost) expect(f.skipped).toBe('another process evaluated this trigger at the same moment')
      conflicts += lost.length
    }
    expect(await h.events('trigger.fired')).toHaveLength(rounds)
    expect(conflicts, 'the two evaluations really overlapped').toBeGreaterThan(0)
  })
})

describe('failing retraining runs', () => {
  it('a run that fails records run.failed and the trigger reports the error; params that do not parse are refused and recorded once', async () => {
    const h = await harness('failingRun,badParams') // both watch data/extra.csv
    expect(await h.evaluate(at(0))).toEqual([])
    writeFileSync(join(h.dir, 'data/extra.csv'), 'species\nAdelie\n')
    const firings = await h.evaluate(at(1))
    expect(firings.map((f) => f.key)).toEqual(['onNewData(data/extra.csv) → train', 'onNewData(data/extra.csv) → train #2'])
    const [failing, refused] = firings
    expect(failing).toMatchObject({ status: 'failed', error: expect.stringMatching(/the retraining broke on purpose/) })
    expect(failing!.runId).toBeDefined()
    expect((await h.services.metadata.getRun(failing!.runId!))?.status).toBe('failed')
    expect(refused).toMatchObject({ status: 'failed', error: expect.stringMatching(/epochs/) })
    expect(refused!.runId).toBeUndefined()
    expect(refused!.models).toBeUndefined()

    const failed = await h.events('run.failed')
    expect(failed).toHaveLength(2) // one each: no duplicate for the recorded run
    expect(failed.find((e) => e.payload.runId === failing!.runId)?.payload.error).toMatch(/broke on purpose/)
    expect(failed.find((e) => e.payload.trigger === refused!.key)).toMatchObject({ payload: { pipeline: 'train', code: 'MLOPS_PARAM_INVALID' } })
    expect(await h.events('trigger.fired')).toHaveLength(2)
    expect(await new Registry(h.services.metadata).listModels()).toEqual([])
  })
})

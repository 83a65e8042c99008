import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createWorkerPool,
  isMlopsError,
  isRemoteExecutor,
  loadConfig,
  runPipeline,
  runRemoteStep,
  setupPlugin,
  type ArtifactStore,
  type Executor,
  type LoadedConfig,
  type MetadataStore,
  type ProgressEvent,
  type StepWorker,
  type WorkerPool,
} from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { createFsArtifactStore } from '@mlops/storage-fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BullmqExecutor, bullmqExecutorOptions, resolveOptions } from '../src/index.js'
import { obliterate, probeRedis, redisUrl, silentLogger, uniqueQueue } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/project/', import.meta.url))
const redis = await probeRedis()

/** What one process (the submitter, or a worker) opens from the fixture config. */
interface Services {
  config: LoadedConfig
  metadata: MetadataStore
  storage: ArtifactStore
  executor: Executor
  pool: WorkerPool
  logger: typeof silentLogger
  close(): Promise<void>
}

let root: string
let queue: string
let env: Record<string, string>
const opened: Services[] = []

async function open(overrides: Record<string, string | undefined> = {}): Promise<Services> {
  const processEnv = { ...env, ...overrides }
  const config = await loadConfig({ cwd: fixture, command: 'test', env: processEnv })
  const ctx = { root: config.root, dataDir: join(root, 'data'), logger: silentLogger, signal: new AbortController().signal, env: processEnv }
  const provides = await Promise.all(config.plugins.map((p, i) => setupPlugin(p, `plugins[${i}]`, ctx)))
  const metadata = provides.find((p) => p.metadata)?.metadata ?? (await openSqliteMetadataStore(join(root, 'local.sqlite')))
  const storage = provides.find((p) => p.storage)?.storage ?? (await createFsArtifactStore(join(root, 'local-artifacts')))
  const executor = provides.find((p) => p.executor)!.executor!
  const pool = createWorkerPool({ maxThreads: 1 })
  const services: Services = {
    config,
    metadata,
    storage,
    executor,
    pool,
    logger: silentLogger,
    close: async () => {
      await executor.close()
      await pool.close()
      await metadata.close()
      await storage.close()
    },
  }
  opened.push(services)
  return services
}

/** Workers as `mlops worker` makes them: each with its own config load and stores. */
async function startWorkers(count: number, concurrency = 2): Promise<StepWorker[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const services = await open()
      if (!isRemoteExecutor(services.executor)) throw new Error('the fixture executor is not remote')
      return services.executor.startWorker({ concurrency, runStep: async (task, context) => void (await runRemoteStep(services, task, context)) })
    }),
  )
}

function calls(name: string): number {
  const file = join(root, 'markers', `${name}.count`)
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string; exit?: number }> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

describe.skipIf(!redis.ok)(`pipelines on BullMQ workers${redis.ok ? '' : ` (skipped: ${redis.reason})`}`, () => {
  let workers: StepWorker[] = []
  let submitter: Services

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mlops-bullmq-'))
    queue = uniqueQueue('pipeline')
    env = { MLOPS_TEST_REDIS_URL: redisUrl, MLOPS_TEST_QUEUE: queue, MLOPS_TEST_STORES: join(root, 'stores'), MLOPS_TEST_MARKERS: join(root, 'markers') }
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(root, 'markers'), { recursive: true })
    workers = await startWorkers(2)
    submitter = await open()
  })

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()))
    for (const services of opened.splice(0)) await services.close()
    await obliterate(queue)
    rmSync(root, { recursive: true, force: true })
  })

  afterEach(async () => {
    const counts = await (await (submitter.executor as BullmqExecutor).getQueue()).getJobCounts('waiting', 'active', 'delayed')
    expect(counts, 'no job of a finished run is left in the queue').toEqual({ waiting: 0, active: 0, delayed: 0 })
  })

  it('runs a DAG on the workers: inputs from the recorded lineage, progress relayed to the submitter, one record per step', async () => {
    const events: ProgressEvent[] = []
    const summary = await runPipeline({ ...submitter, onProgress: (e) => events.push(e) }, { pipeline: 'train', signal: new AbortController().signal })
    expect(summary.run.status).toBe('succeeded')
    expect(summary.steps.map((s) => [s.stepId, s.status, s.attempts]).sort()).toEqual([
      ['describe', 'succeeded', 1],
      ['fit', 'succeeded', 1],
      ['make', 'succeeded', 1],
      ['report', 'succeeded', 1],
    ])
    const metrics = await submitter.metadata.listMetrics(summary.run.id)
    // fit's least-squares slope through the origin of make's rows (x, 2x + 1), x = 0..19.
    const xs = Array.from({ length: 20 }, (_, x) => x)
    const w = xs.reduce((s, x) => s + x * (2 * x + 1), 0) / xs.reduce((s, x) => s + x * x, 0)
    expect(metrics.map((m) => `${m.stepId}.${m.key}=${m.value}`).sort()).toEqual([`fit.w=${w}`, 'report.rows=20'])
    const io = await submitter.metadata.listStepIo(summary.run.id)
    const madeData = io.find((e) => e.stepId === 'make' && e.direction === 'output')!.hash
    expect(io.filter((e) => e.direction === 'input' && e.name === 'data').map((e) => [e.stepId, e.hash]).sort()).toEqual([
      ['describe', madeData],
      ['fit', madeData],
    ])
    expect((await submitter.metadata.listEvents({ type: 'report.ready' })).map((e) => e.payload.runId)).toEqual([summary.run.id])
    // The workers' step events reach the submitting process.
    const finished = events.filter((e) => e.type === 'step.finished').map((e) => (e as { stepId: string }).stepId)
    expect(finished.sort()).toEqual(['describe', 'fit', 'make', 'report'])
    expect(events.filter((e) => e.type === 'step.started')).toHaveLength(4)
    expect(await submitter.metadata.checkIntegrity()).toEqual({ ok: true, problems: [] })

    // A second run reuses every output from the cache, on the workers too.
    const again = await runPipeline(submitter, { pipeline: 'train', signal: new AbortController().signal })
    expect(again.steps.every((s) => s.status === 'cached')).toBe(true)
  })

  it("retries a failed attempt with BullMQ's attempts and backoff (the step's retry policy)", async () => {
    const events: ProgressEvent[] = []
    const summary = await runPipeline({ ...submitter, onProgress: (e) => events.push(e) }, { pipeline: 'flaky', signal: new AbortController().signal })
    expect(summary.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([['flaky', 'succeeded', 2]])
    expect(calls('flaky')).toBe(2)
    expect(events.find((e) => e.type === 'step.retrying')).toMatchObject({ stepId: 'flaky', attempt: 1, delayMs: 20, error: 'transient failure' })
  })

  it('does not retry bad outputs (exit 2) and rejects with their own error', async () => {
    const error = await errorOf(runPipeline(submitter, { pipeline: 'invalid', signal: new AbortController().signal }))
    expect(error.code).toBe('MLOPS_STEP_OUTPUT_INVALID')
    expect(error.exit).toBe(2)
    expect(calls('invalid')).toBe(1)
  })

  it('a failing step fails the run with the step error (code, exit status) and records it', async () => {
    const error = await errorOf(runPipeline(submitter, { pipeline: 'broken', signal: new AbortController().signal }))
    expect(isMlopsError(error)).toBe(true)
    expect(error.code).toBe('MLOPS_STEP_FAILED')
    expect(error.message).toContain('the training data has no label column')
    const [run] = await submitter.metadata.listRuns({ pipeline: 'broken' })
    expect(run!.status).toBe('failed')
    expect(run!.error?.code).toBe('MLOPS_STEP_FAILED')
    const steps = await submitter.metadata.listSteps(run!.id)
    expect(steps.find((s) => s.stepId === 'boom')).toMatchObject({ status: 'failed', attempts: 1 })
    expect(steps.find((s) => s.stepId === 'make')?.status).toMatch(/succeeded|cached/)
  })

  it("enforces the step's timeoutMs on the worker", async () => {
    const started = performance.now()
    const error = await errorOf(runPipeline(submitter, { pipeline: 'stuck', signal: new AbortController().signal }))
    expect(error.code).toBe('MLOPS_STEP_FAILED')
    expect((error.cause as { code?: string } | undefined)?.code).toBe('MLOPS_STEP_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(3000)
  })

  it('cancelling the run cancels the step on its worker, records it cancelled and leaves nothing queued', async () => {
    const controller = new AbortController()
    const running = errorOf(runPipeline(submitter, { pipeline: 'slow', signal: controller.signal }))
    const marker = join(root, 'markers', 'wait.started')
    const deadline = Date.now() + 10_000
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(existsSync(marker), 'the wait step started on a worker').toBe(true)
    controller.abort(new Error('Interrupted by SIGINT'))
    const error = await running
    expect(error.code).toBe('MLOPS_RUN_CANCELLED')
    const [run] = await submitter.metadata.listRuns({ pipeline: 'slow' })
    expect(run!.status).toBe('cancelled')
    const steps = Object.fromEntries((await submitter.metadata.listSteps(run!.id)).map((s) => [s.stepId, s.status]))
    expect(steps).toMatchObject({ wait: 'cancelled', fit: 'pending' })
  })

  it('a worker refuses a step whose code differs from the code that planned the run', async () => {
    const summary = await runPipeline(submitter, { pipeline: 'flaky', signal: new AbortController().signal })
    // The run has ended; a queued task of it is dropped with a clear error instead of running.
    const ended = await errorOf(
      runRemoteStep(submitter, { runId: summary.run.id, pipeline: 'flaky', stepId: 'flaky' }, { attempt: 1, maxAttempts: 1, signal: new AbortController().signal, onProgress() {} }),
    )
    expect(ended.code).toBe('MLOPS_RUN_NOT_RUNNING')
    await submitter.metadata.updateRun(summary.run.id, { status: 'running', finishedAt: null })
    const other = await errorOf(
      runRemoteStep(submitter, { runId: summary.run.id, pipeline: 'flaky', stepId: 'flaky', codeVersion: 'f'.repeat(64) }, { attempt: 1, maxAttempts: 1, signal: new AbortController().signal, onProgress() {} }),
    )
    expect(other.code).toBe('MLOPS_WORKER_CONFIG_MISMATCH')
    expect(other.exit).toBe(2)
    expect(other.message).toMatch(/differs from the code that planned the run/)
    await submitter.metadata.updateRun(summary.run.id, { status: 'succeeded', finishedAt: new Date().toISOString() })
  })
})

describe.skipIf(!redis.ok)(`refusals and health${redis.ok ? '' : ` (skipped: ${redis.reason})`}`, () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlops-bullmq-'))
    queue = uniqueQueue('refusal')
    env = { MLOPS_TEST_REDIS_URL: redisUrl, MLOPS_TEST_QUEUE: queue, MLOPS_TEST_MARKERS: root }
  })
  afterAll(async () => {
    for (const services of opened.splice(0)) await services.close()
    await obliterate(queue)
    rmSync(root, { recursive: true, force: true })
  })

  it('refuses to start a run on local stores, naming both and the plugins that fix it, before recording anything', async () => {
    const services = await open({ MLOPS_TEST_STORES: undefined })
    const error = await errorOf(runPipeline(services, { pipeline: 'train', signal: new AbortController().signal }))
    expect(error.code).toBe('MLOPS_STORES_NOT_SHARED')
    expect(error.exit).toBe(2)
    expect(error.message).toContain('the metadata store (runs, lineage) and the artifact store (storage) are local to this machine')
    expect((error as { hint?: string }).hint).toMatch(/@mlops\/metadata-postgres.*@mlops\/storage-s3/)
    expect(await services.metadata.listRuns()).toEqual([])
  })

  it('check() round-trips to Redis, and reports an unreachable one without throwing', async () => {
    const ok = await new BullmqExecutor(resolveOptions(bullmqExecutorOptions.parse({ url: redisUrl, queue }), root, {}), silentLogger)
    try {
      expect(await ok.check()).toMatchObject({ ok: true, detail: expect.stringContaining(`queue ${queue}: 0 workers`) })
    } finally {
      await ok.close()
    }
    const down = new BullmqExecutor(resolveOptions(bullmqExecutorOptions.parse({ url: 'redis://:secret@127.0.0.1:1', queue }), root, {}), silentLogger)
    try {
      const result = await down.check()
      expect(result.ok).toBe(false)
      expect(result.detail).toContain('127.0.0.1:1')
      expect(result.detail).not.toContain('secret')
    } finally {
      await down.close()
    }
  })

  it('an unreachable Redis fails execute and startWorker at once with what to fix, the password masked', async () => {
    const down = new BullmqExecutor(resolveOptions(bullmqExecutorOptions.parse({ url: 'redis://:secret@127.0.0.1:1', queue }), root, {}), silentLogger)
    try {
      const request = { runId: 'r', pipeline: 'p', nodes: [{ id: 'a', dependsOn: [] }], concurrency: 1, signal: new AbortController().signal, runStep: async () => {} }
      for (const attempt of [() => down.execute(request), () => down.startWorker({ concurrency: 1, runStep: async () => {} })]) {
        const error = await errorOf(attempt())
        expect(error.code).toBe('MLOPS_SERVICE_UNREACHABLE')
        expect(error.message).toContain('redis://:***@127.0.0.1:1')
        expect(error.message).not.toContain('secret')
        expect((error as { hint?: string }).hint).toContain('MLOPS_REDIS_URL')
      }
    } finally {
      await down.close()
    }
  })

  it('events the submitter never read (connection down, stream gone) do not stall the run: the job states decide', async () => {
    const executor = new BullmqExecutor(resolveOptions(bullmqExecutorOptions.parse({ url: redisUrl, queue }), root, {}), silentLogger)
    const { Redis } = await import('ioredis')
    const admin = new Redis(redisUrl)
    // BullMQ names the submitter's queue-events connection `<prefix>:<base64(queue)>:qe`.
    const name = `name=bull:${Buffer.from(queue).toString('base64')}:qe `
    let killed = 0
    const killEvents = async () => {
      const clients = (await admin.client('LIST')) as string
      for (const line of clients.split('\n').filter((l) => l.includes(name))) killed += Number(await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!))
    }
    let cutting: NodeJS.Timeout | undefined
    const ran: string[] = []
    const worker = await executor.startWorker({
      concurrency: 1,
      runStep: async (task) => {
        if (task.stepId === 'a') {
          // Keep the submitter's event connection down while `a` completes (ioredis waits ≥ 50 ms to reconnect).
          await killEvents()
          cutting = setInterval(() => void killEvents().catch(() => {}), 5)
          await new Promise((r) => setTimeout(r, 100))
        }
        ran.push(task.stepId)
      },
    })
    try {
      const runId = `lost-${Date.now()}`
      const execution = executor.execute({ runId, pipeline: 'p', nodes: [{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'] }], concurrency: 2, signal: new AbortController().signal, runStep: async () => {} })
      const bull = await executor.getQueue()
      const deadline = Date.now() + 10_000
      while (!(await bull.getCompleted()).some((j) => j.data.task.stepId === 'a') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      // `a` completed while the submitter was not reading: drop its events for good, then let it reconnect.
      await admin.del(bull.toKey('events'))
      clearInterval(cutting)
      await execution
      expect(killed, 'the queue events connection was found and cut').toBeGreaterThan(0)
      expect(ran).toEqual(['a', 'b'])
    } finally {
      clearInterval(cutting)
      admin.disconnect()
      await worker.close()
      await executor.close()
    }
  })

  it('options: the URL comes from MLOPS_REDIS_URL, the queue from the project folder; bad values name the option', () => {
    const resolved = resolveOptions(bullmqExecutorOptions.parse({}), '/home/me/churn model', { MLOPS_REDIS_URL: 'redis://cache:6380/2' })
    expect(resolved).toMatchObject({ url: 'redis://cache:6380/2', queue: 'mlops-churn-model', prefix: 'bull', attempts: 1 })
    expect(resolveOptions(bullmqExecutorOptions.parse({}), '/p', {}).url).toBe('redis://127.0.0.1:6379')
    expect(bullmqExecutorOptions.safeParse({ queue: 'a:b' }).error?.issues[0]?.path).toEqual(['queue'])
    expect(bullmqExecutorOptions.safeParse({ url: 'http://x' }).error?.issues[0]?.message).toContain('redis://')
  })
})

import { randomUUID } from 'node:crypto'
import { hostname as osHostname } from 'node:os'
import type { LoadedConfig } from '../config/load-config.js'
import { captureEnvironment } from '../env/capture-environment.js'
import { RunActive, RunCancelled, RunNotFound, RunNotResumable, RunNotRunning, StepFailed, StepOutputInvalid, StepTimedOut, WorkerConfigMismatch } from '../errors/catalogue.js'
import { mlopsError, serializeError } from '../errors/mlops-error.js'
import { assertStoresShared, isRetryableStepError, type RemoteExecutionRequest, type RemoteStepContext, type RemoteStepTask } from '../executor/remote-executor.js'
import { computeCacheKey, planRun, type ParamOverride, type PlannedStep, type RunPlan } from '../planner/plan.js'
import type { ArtifactRecord, ArtifactStore, Executor, Logger, MetadataStore, RunRecord, StepRecord } from '../plugin/kinds.js'
import type { WorkerPool } from '../pool/worker-pool.js'
import { withSpan } from '../telemetry/tracer.js'
import { resolveRun } from './resolve.js'

export type ProgressEvent =
  | { type: 'run.started'; runId: string; pipeline: string; steps: number; resumed: boolean }
  | { type: 'step.started'; runId: string; stepId: string; attempt: number }
  | { type: 'step.retrying'; runId: string; stepId: string; attempt: number; delayMs: number; error: string }
  | { type: 'step.finished'; runId: string; stepId: string; status: 'succeeded' | 'cached' | 'reused'; durationMs: number }
  | { type: 'step.failed'; runId: string; stepId: string; error: string }
  | { type: 'run.finished'; runId: string; status: RunRecord['status']; durationMs: number }

export interface RuntimeServices {
  config: LoadedConfig
  metadata: MetadataStore
  storage: ArtifactStore
  executor: Executor
  pool: WorkerPool
  logger: Logger
  onProgress?: (event: ProgressEvent) => void
}

/** What running one step needs: the runtime's services without the executor (a worker has its own). */
export type StepServices = Pick<RuntimeServices, 'config' | 'metadata' | 'storage' | 'pool' | 'logger'>

export interface RunPipelineOptions {
  pipeline: string
  params?: readonly ParamOverride[]
  /** Id (or unique prefix) of a failed, cancelled or crashed run to finish. */
  resume?: string
  /** Ignore cached outputs for this run. */
  noCache?: boolean
  signal: AbortSignal
}

export interface RunSummary {
  run: RunRecord
  steps: StepRecord[]
}

const nowIso = () => new Date().toISOString()

/** Whether the process that owns a `running` run is still alive on this machine. */
export function isRunLive(run: RunRecord): boolean {
  if (run.status !== 'running' || run.pid === null) return false
  if (run.hostname !== null && run.hostname !== osHostname()) return true // cannot tell: assume live
  if (run.pid === process.pid) return true
  try {
    process.kill(run.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Plans, records and executes one run of a pipeline (or finishes a crashed one with `resume`). */
export async function runPipeline(services: RuntimeServices, options: RunPipelineOptions): Promise<RunSummary> {
  const { config, metadata, storage } = services
  const progress = services.onProgress ?? (() => {})
  // Before anything is recorded: workers elsewhere could not reach stores on this machine.
  if (services.executor.isRemote) assertStoresShared(services.executor, services)
  let run: RunRecord
  let plan: RunPlan
  const finished = new Map<string, Map<string, string>>() // nodeId → output name → hash
  const reused = new Set<string>()

  if (options.resume !== undefined) {
    const previous = await resolveRun(metadata, options.resume)
    if (previous.pipeline !== options.pipeline) {
      throw mlopsError(RunNotResumable, [previous.id, `it ran pipeline "${previous.pipeline}", not "${options.pipeline}"`])
    }
    if (previous.status === 'succeeded') throw mlopsError(RunNotResumable, [previous.id, 'it already succeeded'])
    if (isRunLive(previous)) throw mlopsError(RunActive, [previous.id, previous.pid ?? 0])
    if (options.params && options.params.length > 0) {
      throw mlopsError(RunNotResumable, [previous.id, 'a resumed run keeps the params it started with; drop --param or start a new run'])
    }
    // Re-plan with the params the run was started with, so the steps it finished stay valid.
    plan = planRun(config, options.pipeline, [], previous.params)
    const [steps, io] = await Promise.all([metadata.listSteps(previous.id), metadata.listStepIo(previous.id)])
    const plannedById = new Map(plan.steps.map((s) => [s.id, s]))
    for (const step of steps) {
      const planned = plannedById.get(step.stepId)
      if (!planned || (step.status !== 'succeeded' && step.status !== 'cached') || step.codeVersion !== planned.codeVersion) continue
      const outputs = new Map(io.filter((e) => e.stepId === step.stepId && e.direction === 'output').map((e) => [e.name, e.hash]))
      const present = await Promise.all([...outputs.values()].map((h) => storage.has(h)))
      if (present.every(Boolean) && Object.keys(planned.step.config.outputs).every((k) => outputs.has(k))) {
        finished.set(step.stepId, outputs)
        reused.add(step.stepId)
      }
    }
    run = { ...previous, status: 'running', pid: process.pid, hostname: osHostname(), finishedAt: null, error: null, resumeCount: previous.resumeCount + 1 }
    await metadata.updateRun(run.id, { status: 'running', pid: run.pid, hostname: run.hostname, finishedAt: null, error: null, resumeCount: run.resumeCount })
  } else {
    plan = planRun(config, options.pipeline, options.params ?? [])
    run = {
      id: randomUUID(),
      pipeline: options.pipeline,
      status: 'running',
      params: Object.fromEntries(plan.steps.map((s) => [s.id, s.params])),
      codeVersion: plan.codeVersion,
      environment: await captureEnvironment(config.root),
      pid: process.pid,
      hostname: osHostname(),
      startedAt: nowIso(),
      finishedAt: null,
      error: null,
      resumeCount: 0,
    }
    await metadata.createRun(run)
    for (const step of plan.steps) await metadata.upsertStep(pendingStep(run.id, step))
    await metadata.appendEvent({ id: randomUUID(), type: 'run.started', payload: { runId: run.id, pipeline: run.pipeline }, createdAt: nowIso() })
  }

  const startedMs = performance.now()
  const toRun = plan.steps.filter((s) => !reused.has(s.id))
  progress({ type: 'run.started', runId: run.id, pipeline: run.pipeline, steps: plan.steps.length, resumed: options.resume !== undefined })
  for (const id of reused) progress({ type: 'step.finished', runId: run.id, stepId: id, status: 'reused', durationMs: 0 })

  const noCache = options.noCache === true || !config.execution.cache
  const runner = new StepRunner(services, run, plan, finished, noCache, progress)
  let outcome: { status: RunRecord['status']; error: unknown } = { status: 'succeeded', error: undefined }
  await withSpan('mlops.run', { 'mlops.run_id': run.id, 'mlops.pipeline': run.pipeline }, async () => {
    try {
      const request: RemoteExecutionRequest = {
        runId: run.id,
        pipeline: run.pipeline,
        nodes: toRun.map((s) => {
          const retry = s.step.config.retry
          return {
            id: s.id,
            dependsOn: s.dependsOn.filter((d) => !reused.has(d)),
            ...(retry ? { retry: { attempts: Math.max(1, retry.attempts), backoffMs: retry.backoffMs ?? DEFAULT_BACKOFF_MS } } : {}),
            task: { runId: run.id, pipeline: run.pipeline, stepId: s.id, codeVersion: s.codeVersion, ...(options.noCache === true ? { noCache: true } : {}) },
          }
        }),
        concurrency: config.execution.concurrency,
        signal: options.signal,
        runStep: async (stepId, { signal }) => {
          await runner.runStep(stepId, signal)
        },
        onProgress: progress,
      }
      await services.executor.execute(request)
    } catch (error) {
      outcome = { status: options.signal.aborted ? 'cancelled' : 'failed', error }
    }
  })

  const finishedAt = nowIso()
  const error = outcome.status === 'cancelled' ? mlopsError(RunCancelled, [run.id]) : outcome.error
  run = { ...run, status: outcome.status, finishedAt, error: error === undefined ? null : serializeError(error) }
  await metadata.updateRun(run.id, { status: run.status, finishedAt, error: run.error })
  await metadata.appendEvent({
    id: randomUUID(),
    type: `run.${outcome.status}`,
    payload: { runId: run.id, pipeline: run.pipeline, ...(run.error ? { error: run.error.message } : {}) },
    createdAt: finishedAt,
  })
  progress({ type: 'run.finished', runId: run.id, status: run.status, durationMs: performance.now() - startedMs })
  if (error !== undefined) throw error
  return { run, steps: await metadata.listSteps(run.id) }
}

const DEFAULT_BACKOFF_MS = 200

/**
 * Runs one step of a run in this process, for a worker of a remote executor: the run's params come from
 * the metadata store, the step's code from this process's config, its inputs from the outputs its
 * dependencies recorded. One attempt: the engine retries a rejection (see `isRetryableStepError`).
 * A step that is already recorded as finished (its worker crashed before the engine heard of it) is
 * not run again.
 */
export async function runRemoteStep(services: StepServices, task: RemoteStepTask, context: RemoteStepContext): Promise<{ status: 'succeeded' | 'cached' | 'reused' }> {
  const { config, metadata, storage } = services
  const mismatch = (reason: string, cause?: unknown) => mlopsError(WorkerConfigMismatch, [task.runId, task.stepId, reason], cause === undefined ? {} : { cause })
  const run = await metadata.getRun(task.runId)
  if (!run) throw mlopsError(RunNotFound, [task.runId])
  if (run.status !== 'running') throw mlopsError(RunNotRunning, [run.id, run.status, task.stepId])
  if (run.pipeline !== task.pipeline) throw mismatch(`the run is of pipeline "${run.pipeline}", the task names "${task.pipeline}"`)
  let plan: RunPlan
  try {
    plan = planForRun(config, run)
  } catch (error) {
    throw mismatch(messageOf(error), error)
  }
  const planned = plan.steps.find((s) => s.id === task.stepId)
  if (!planned) throw mismatch(`pipeline "${run.pipeline}" in ${config.file} has no step "${task.stepId}"`)
  if (task.codeVersion !== undefined && planned.codeVersion !== task.codeVersion) {
    throw mismatch(`its code here (version ${planned.codeVersion.slice(0, 12)}) differs from the code that planned the run (${task.codeVersion.slice(0, 12)})`)
  }
  const [steps, io] = await Promise.all([metadata.listSteps(run.id), metadata.listStepIo(run.id)])
  const outputsOf = (stepId: string) => new Map(io.filter((e) => e.stepId === stepId && e.direction === 'output').map((e) => [e.name, e.hash]))
  const isFinished = (record: StepRecord | undefined): record is StepRecord => record !== undefined && (record.status === 'succeeded' || record.status === 'cached')
  const progress = (event: ProgressEvent) => context.onProgress(event)

  const own = steps.find((s) => s.stepId === planned.id)
  if (isFinished(own) && own.codeVersion === planned.codeVersion) {
    const outputs = outputsOf(planned.id)
    const declared = Object.keys(planned.step.config.outputs)
    if (declared.every((k) => outputs.has(k)) && (await Promise.all([...outputs.values()].map((h) => storage.has(h)))).every(Boolean)) {
      progress({ type: 'step.finished', runId: run.id, stepId: planned.id, status: 'reused', durationMs: 0 })
      return { status: 'reused' }
    }
  }
  const finished = new Map<string, Map<string, string>>()
  for (const dep of planned.dependsOn) {
    if (!isFinished(steps.find((s) => s.stepId === dep))) throw new Error(`Step "${planned.id}" of run ${run.id} was handed to a worker before its dependency "${dep}" finished`)
    finished.set(dep, outputsOf(dep))
  }
  const runner = new StepRunner(services, run, plan, finished, task.noCache === true || !config.execution.cache, progress)
  return runner.runStep(planned.id, context.signal, context)
}

/** A worker plans a run once for all the steps it gets of it: a run's params never change. */
const plansByConfig = new WeakMap<LoadedConfig, Map<string, RunPlan>>()
const PLANS_KEPT = 16

function planForRun(config: LoadedConfig, run: RunRecord): RunPlan {
  let plans = plansByConfig.get(config)
  if (!plans) plansByConfig.set(config, (plans = new Map()))
  let plan = plans.get(run.id)
  if (!plan) {
    plan = planRun(config, run.pipeline, [], run.params)
    plans.set(run.id, plan)
    if (plans.size > PLANS_KEPT) plans.delete(plans.keys().next().value!)
  }
  return plan
}

function pendingStep(runId: string, step: PlannedStep): StepRecord {
  return {
    runId,
    stepId: step.id,
    stepName: step.stepName,
    status: 'pending',
    cacheKey: '',
    codeVersion: step.codeVersion,
    params: step.params,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    cachedFromRunId: null,
    error: null,
  }
}

class StepRunner {
  private readonly stepsById: Map<string, PlannedStep>
  /** Bytes produced in this process, so a downstream step need not read them back from storage. */
  private readonly bytes = new Map<string, Uint8Array>()

  constructor(
    private readonly services: StepServices,
    private readonly run: RunRecord,
    plan: RunPlan,
    private readonly finished: Map<string, Map<string, string>>,
    private readonly noCache: boolean,
    private readonly progress: (event: ProgressEvent) => void,
  ) {
    this.stepsById = new Map(plan.steps.map((s) => [s.id, s]))
  }

  /**
   * Runs the step with its retries; with `engine`, runs only the attempt the engine (a remote
   * executor's queue) asks for and leaves the retrying to it.
   */
  async runStep(stepId: string, signal: AbortSignal, engine?: EngineAttempt): Promise<{ status: 'succeeded' | 'cached' }> {
    const planned = this.stepsById.get(stepId)
    if (!planned) throw new Error(`Unknown step "${stepId}" in run ${this.run.id}`)
    return withSpan('mlops.step', { 'mlops.run_id': this.run.id, 'mlops.step': stepId }, () => this.execute(planned, signal, engine))
  }

  private async execute(planned: PlannedStep, runSignal: AbortSignal, engine: EngineAttempt | undefined): Promise<{ status: 'succeeded' | 'cached' }> {
    const { metadata, storage } = this.services
    const inputHashes: Record<string, string> = {}
    for (const [name, source] of Object.entries(planned.inputs)) {
      const hash = this.finished.get(source.nodeId)?.get(source.output)
      if (!hash) throw new Error(`Input "${name}" of step "${planned.id}" is not available: step "${source.nodeId}" has no output "${source.output}"`)
      inputHashes[name] = hash
    }
    const cacheKey = computeCacheKey(planned.stepName, planned.codeVersion, planned.params, inputHashes)
    const inputs = Object.entries(inputHashes).map(([name, hash]) => ({ name, hash }))
    const startedAt = nowIso()
    const t0 = performance.now()
    const recordStep = (status: StepRecord['status'], attempts: number, error?: unknown) =>
      metadata.upsertStep({
        ...pendingStep(this.run.id, planned),
        status,
        cacheKey,
        attempts,
        startedAt,
        ...(error === undefined ? {} : { finishedAt: nowIso(), durationMs: performance.now() - t0, error: serializeError(error) }),
      })

    if (!this.noCache && planned.step.config.cache !== false) {
      const hit = await metadata.findCachedOutputs(cacheKey)
      const declared = Object.keys(planned.step.config.outputs)
      if (hit && declared.every((k) => hit.outputs.some((o) => o.name === k))) {
        const present = await Promise.all(hit.outputs.map((o) => storage.has(o.hash)))
        if (present.every(Boolean)) {
          const metrics = (await metadata.listMetrics(hit.runId)).filter((m) => m.stepId === hit.stepId)
          const durationMs = performance.now() - t0
          await recordStep('running', 0)
          await metadata.completeStep(this.run.id, planned.id, {
            status: 'cached',
            finishedAt: nowIso(),
            durationMs,
            attempts: 0,
            cachedFromRunId: hit.runId,
            artifacts: [],
            inputs,
            outputs: hit.outputs.filter((o) => declared.includes(o.name)),
            metrics: metrics.map((m) => ({ key: m.key, value: m.value })),
          })
          this.finished.set(planned.id, new Map(hit.outputs.map((o) => [o.name, o.hash])))
          this.progress({ type: 'step.finished', runId: this.run.id, stepId: planned.id, status: 'cached', durationMs })
          return { status: 'cached' }
        }
      }
    }

    const config = planned.step.config
    const attempts = engine ? Math.max(1, engine.maxAttempts, engine.attempt) : Math.max(1, config.retry?.attempts ?? 1)
    const backoffMs = engine?.backoffMs ?? config.retry?.backoffMs ?? DEFAULT_BACKOFF_MS
    let lastError: unknown
    for (let attempt = engine?.attempt ?? 1; attempt <= attempts; attempt++) {
      runSignal.throwIfAborted()
      await recordStep('running', attempt)
      this.progress({ type: 'step.started', runId: this.run.id, stepId: planned.id, attempt })
      try {
        const result = await this.attempt(planned, inputHashes, attempt, runSignal)
        const durationMs = performance.now() - t0
        await metadata.completeStep(this.run.id, planned.id, {
          status: 'succeeded',
          finishedAt: nowIso(),
          durationMs,
          attempts: attempt,
          cachedFromRunId: null,
          artifacts: result.artifacts,
          inputs,
          outputs: result.outputs,
          metrics: result.metrics,
        })
        for (const event of result.events) {
          await metadata.appendEvent({
            id: randomUUID(),
            type: event.type,
            payload: { ...event.payload, runId: this.run.id, pipeline: this.run.pipeline, stepId: planned.id },
            createdAt: nowIso(),
          })
        }
        this.finished.set(planned.id, new Map(result.outputs.map((o) => [o.name, o.hash])))
        this.progress({ type: 'step.finished', runId: this.run.id, stepId: planned.id, status: 'succeeded', durationMs })
        return { status: 'succeeded' }
      } catch (error) {
        lastError = error
        if (runSignal.aborted) {
          await recordStep('cancelled', attempt, runSignal.reason)
          throw runSignal.reason
        }
        // Bad input or config (exit 2: a corrupted input, invalid outputs, an unknown test id given to a
        // built-in step) is no transient failure: no retry, and it keeps its own code and exit status.
        const retryable = isRetryableStepError(error)
        const ownError = !retryable
        if (attempt < attempts && retryable) {
          const delayMs = backoffMs * 2 ** (attempt - 1)
          this.progress({ type: 'step.retrying', runId: this.run.id, stepId: planned.id, attempt, delayMs, error: messageOf(error) })
          // The engine waits and retries (possibly on another worker); the row stays `running` meanwhile.
          if (engine) throw error
          await sleep(delayMs, runSignal)
          continue
        }
        const failure = ownError ? error : mlopsError(StepFailed, [this.run.pipeline, planned.id, attempt, messageOf(error)], { cause: error })
        await recordStep('failed', attempt, error)
        this.progress({ type: 'step.failed', runId: this.run.id, stepId: planned.id, error: messageOf(error) })
        throw failure
      }
    }
    throw lastError
  }

  private async attempt(planned: PlannedStep, inputHashes: Record<string, string>, attempt: number, runSignal: AbortSignal) {
    const { storage, logger, pool } = this.services
    const config = planned.step.config
    const declaredInputs = config.inputs ?? {}
    const inputs: Record<string, unknown> = {}
    for (const [name, hash] of Object.entries(inputHashes)) {
      const bytes = this.bytes.get(hash) ?? (await storage.get(hash, { signal: runSignal }))
      inputs[name] = declaredInputs[name]!.deserialize(bytes)
    }
    const controller = new AbortController()
    const onAbort = () => controller.abort(runSignal.reason)
    runSignal.addEventListener('abort', onAbort, { once: true })
    let timer: NodeJS.Timeout | undefined
    const logged: { key: string; value: number }[] = []
    const events: { type: string; payload: Record<string, unknown> }[] = []
    try {
      const work = Promise.resolve().then(() =>
        config.run({
          params: planned.params as never,
          inputs: inputs as never,
          signal: controller.signal,
          logger: prefixLogger(logger, planned.id),
          runId: this.run.id,
          stepId: planned.id,
          attempt,
          pool,
          logMetric: (key, value) => {
            if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric "${key}" must be a finite number, got ${String(value)}`)
            logged.push({ key, value })
          },
          emitEvent: (type, payload) => {
            if (!/^[a-z][a-z0-9_.-]*$/.test(type)) throw new Error(`event type "${type}" must be lowercase words joined by "." (e.g. drift.detected)`)
            events.push({ type, payload })
          },
        }),
      )
      const stopped = new Promise<never>((_, reject) => {
        if (config.timeoutMs !== undefined) {
          timer = setTimeout(() => {
            const error = mlopsError(StepTimedOut, [planned.id, config.timeoutMs!])
            controller.abort(error)
            reject(error)
          }, config.timeoutMs)
        }
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })
      })
      // A step that ignores its signal cannot hold the run hostage: the race settles on abort or timeout.
      const returned = await Promise.race([work, stopped])
      return { ...(await this.storeOutputs(planned, returned, logged, runSignal)), events }
    } finally {
      clearTimeout(timer)
      runSignal.removeEventListener('abort', onAbort)
    }
  }

  private async storeOutputs(planned: PlannedStep, returned: unknown, logged: { key: string; value: number }[], signal: AbortSignal) {
    const declared = planned.step.config.outputs
    const names = Object.keys(declared)
    if (names.length === 0 && (returned === undefined || returned === null)) returned = {}
    if (typeof returned !== 'object' || returned === null || Array.isArray(returned)) {
      throw mlopsError(StepOutputInvalid, [planned.id, `expected an object with ${names.length ? names.join(', ') : 'no outputs'}, got ${Array.isArray(returned) ? 'an array' : typeof returned}`])
    }
    const values = returned as Record<string, unknown>
    const missing = names.filter((n) => !(n in values))
    const extra = Object.keys(values).filter((n) => !(n in declared))
    if (missing.length || extra.length) {
      throw mlopsError(StepOutputInvalid, [planned.id, [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `undeclared ${extra.join(', ')}` : ''].filter(Boolean).join('; ')])
    }
    const artifacts: ArtifactRecord[] = []
    const outputs: { name: string; hash: string }[] = []
    const metrics = [...logged]
    for (const name of names) {
      const type = declared[name]!
      let value: unknown
      try {
        value = type.validate(values[name])
      } catch (error) {
        throw mlopsError(StepOutputInvalid, [planned.id, `output "${name}" (${type.kind}) ${messageOf(error)}`], { cause: error })
      }
      const bytes = type.serialize(value as never)
      // Bytes are stored (atomically) before the metadata transaction names them: a crash in between leaves an unreferenced blob, never a dangling reference.
      const stored = await this.services.storage.put(bytes, { signal })
      this.bytes.set(stored.hash, bytes)
      artifacts.push({ hash: stored.hash, kind: type.kind, size: stored.size, mediaType: type.mediaType, createdAt: nowIso(), meta: type.describe(value as never) })
      outputs.push({ name, hash: stored.hash })
      if (type.kind === 'metrics') {
        for (const [key, v] of Object.entries(value as Record<string, number>)) metrics.push({ key, value: v })
      }
    }
    return { artifacts, outputs, metrics }
  }
}

/** The one attempt a remote executor's engine asks a worker to make. */
interface EngineAttempt {
  attempt: number
  maxAttempts: number
  /** Base of the engine's exponential backoff, for the `step.retrying` event. */
  backoffMs?: number
}

function prefixLogger(logger: Logger, stepId: string): Logger {
  const wrap = (fn: Logger['info']) => (message: string, fields?: Record<string, unknown>) => fn(`[${stepId}] ${message}`, fields)
  return { debug: wrap(logger.debug.bind(logger)), info: wrap(logger.info.bind(logger)), warn: wrap(logger.warn.bind(logger)), error: wrap(logger.error.bind(logger)) }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

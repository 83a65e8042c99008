import { randomUUID } from 'node:crypto'
import {
  deserializeError,
  errors,
  isRetryableStepError,
  mlopsError,
  serializeError,
  type HealthCheckResult,
  type Logger,
  type ProgressEvent,
  type RemoteExecutionNode,
  type RemoteExecutionRequest,
  type RemoteExecutor,
  type RemoteStepTask,
  type SerializedError,
  type StepWorker,
  type StepWorkerOptions,
} from '@mlops/core'
import type { Job, Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { redactUrl, type ResolvedBullmqOptions } from './options.js'

/** A step's job: the task a worker hands to core, and (after a final failure) the error it threw. */
export interface StepJobData {
  task: RemoteStepTask
  error?: SerializedError
}

// BullMQ and ioredis take ~0.4 s to import: loaded on first use, so `mlops runs ls` with this plugin configured does not pay.
let engine: Promise<typeof import('bullmq')> | undefined
const loadBullmq = () => (engine ??= import('bullmq'))
let client: Promise<typeof Redis> | undefined
const loadIoredis = async () => ({ Redis: await (client ??= import('ioredis').then((m) => m.Redis)) })

/** How often the submitter asks Redis for the state of its jobs, in case a queue event was missed. */
const RECONCILE_MS = 1000
/** How often, after an abort, the submitter removes waiting jobs and asks workers to cancel active ones. */
const CANCEL_RETRY_MS = 200
/** Without an answer from Redis for this long, the submitter gives the run up (the steps may still finish on workers: `--resume`). */
const REDIS_LOST_MS = 60_000
/** Finished jobs are kept this long (for inspection in BullMQ tools), then removed by later jobs. */
const KEEP_COMPLETED_S = 3600
const KEEP_FAILED_S = 7 * 24 * 3600

/**
 * Runs steps as BullMQ jobs. How a DAG maps onto the queue: one job per step, added when the last of
 * its dependencies completed (the submitter follows `completed`/`failed` queue events). BullMQ flows
 * are trees (a job has at most one parent), while a step's output may feed several steps; adding jobs
 * as they become ready also lets the submitter keep at most `concurrency` steps of the run in the
 * queue, stop adding steps after a failure, and cancel a run by removing what is queued. Retries are
 * BullMQ's `attempts` with exponential `backoff` (the step's `retry` policy, else this executor's
 * `attempts`/`backoffMs`); a dead worker's job is found by BullMQ's stalled-job check and run by
 * another worker; timeouts stay the step's own (`timeoutMs`, enforced by the worker running it).
 */
export class BullmqExecutor implements RemoteExecutor {
  readonly name = '@mlops/executor-bullmq'
  readonly isRemote = true as const
  private queue: Promise<Queue<StepJobData>> | undefined
  private redis: Promise<Redis> | undefined
  private readonly executions = new Set<Promise<unknown>>()
  private readonly workers = new Set<StepWorker>()

  constructor(
    readonly options: ResolvedBullmqOptions,
    readonly logger: Logger,
  ) {}

  get queueName(): string {
    return this.options.queue
  }

  /** The BullMQ queue the steps go to (created on first use). */
  getQueue(): Promise<Queue<StepJobData>> {
    this.queue ??= loadBullmq().then(({ Queue }) => new Queue<StepJobData>(this.options.queue, { connection: this.connectionOptions(), prefix: this.options.prefix }))
    return this.queue
  }

  /** A plain connection for what BullMQ has no call for (reading the event stream's end, the cancel channel). */
  getRedis(): Promise<Redis> {
    this.redis ??= loadIoredis().then(({ Redis }) => {
      const redis = new Redis(this.options.url, { maxRetriesPerRequest: null })
      redis.on('error', () => {}) // commands on it reject; BullMQ's own connections report errors
      return redis
    })
    return this.redis
  }

  /** One PING without retries: BullMQ's own connections retry forever, which would leave a run waiting on a Redis that is not there. */
  private async ping(timeoutMs: number): Promise<void> {
    const { Redis } = await loadIoredis()
    const client = new Redis(this.options.url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false })
    client.on('error', () => {}) // reported by the failed ping
    try {
      await client.connect()
      const pong = await client.ping()
      if (pong !== 'PONG') throw new Error(`PING answered ${pong}`)
    } finally {
      client.disconnect()
    }
  }

  /** Fails fast, with what to do, when Redis does not answer. */
  async assertReachable(queue = this.options.queue): Promise<void> {
    try {
      await this.ping(5000)
    } catch (error) {
      throw mlopsError(
        errors.ServiceUnreachable,
        ['Redis (queue ' + queue + ')', redactUrl(this.options.url), messageOf(error), 'Start Redis, or point the executor at it: the url option of @mlops/executor-bullmq or the MLOPS_REDIS_URL environment variable.'],
        { cause: error },
      )
    }
  }

  async check(): Promise<HealthCheckResult> {
    const where = `${redactUrl(this.options.url)}, queue ${this.options.queue}`
    try {
      await this.ping(2000)
      const queue = await this.getQueue()
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')
      const workers = await queue.getWorkersCount()
      return { ok: true, detail: `${where}: ${workers} worker${workers === 1 ? '' : 's'}, ${counts.waiting ?? 0} waiting, ${counts.active ?? 0} active, ${counts.failed ?? 0} failed jobs` }
    } catch (error) {
      return { ok: false, detail: `${where}: ${messageOf(error)} (start Redis or set MLOPS_REDIS_URL / the executor's url option)` }
    }
  }

  execute(request: RemoteExecutionRequest): Promise<void> {
    const run = new Execution(this, request).run()
    this.executions.add(run)
    void run.then(
      () => this.executions.delete(run),
      () => this.executions.delete(run),
    )
    return run
  }

  async startWorker(options: StepWorkerOptions): Promise<StepWorker> {
    const [{ UnrecoverableError, Worker }, { Redis }] = await Promise.all([loadBullmq(), loadIoredis()])
    const queueName = options.queue ?? this.options.queue
    await this.assertReachable(queueName)
    const concurrency = Math.max(1, Math.floor(options.concurrency))
    const report = options.onEvent ?? (() => {})
    const processor = async (job: Job<StepJobData>, _token: string | undefined, signal: AbortSignal | undefined): Promise<void> => {
      const task = job.data.task
      const attempt = job.attemptsMade + 1
      const maxAttempts = job.opts.attempts ?? 1
      const backoff = job.opts.backoff
      const backoffMs = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0)
      const started = performance.now()
      const relayed = new Set<Promise<unknown>>()
      const onProgress = (event: ProgressEvent) => {
        const sent = job.updateProgress(event as unknown as object).catch(() => {})
        relayed.add(sent)
        void sent.then(() => relayed.delete(sent))
      }
      report({ type: 'step.started', task, attempt })
      try {
        await options.runStep(task, { attempt, maxAttempts, backoffMs, signal: signal ?? new AbortController().signal, onProgress })
        await Promise.all(relayed) // the submitter hears of the step's end before the job completes
        report({ type: 'step.finished', task, durationMs: performance.now() - started })
      } catch (error) {
        await Promise.all(relayed)
        const willRetry = !signal?.aborted && isRetryableStepError(error) && attempt < maxAttempts
        report({ type: 'step.failed', task, attempt, willRetry, error: messageOf(error) })
        if (willRetry) throw error
        // The submitter rebuilds the error (code, hint, exit status) from the job; failedReason keeps only a message.
        await job.updateData({ ...job.data, error: serializeError(error) }).catch(() => {})
        throw new UnrecoverableError(messageOf(error))
      }
    }
    const worker = new Worker<StepJobData>(queueName, processor, {
      connection: this.connectionOptions(),
      prefix: this.options.prefix,
      concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      maxStalledCount: this.options.maxStalledCount,
      autorun: false,
    })
    worker.on('error', (error) => report({ type: 'error', error: messageOf(error) }))
    // Cancellation of a run reaches the worker holding its step through a Redis channel (BullMQ's
    // cancelJob only acts inside the process running the job).
    const subscriber = new Redis(this.options.url, { maxRetriesPerRequest: null, lazyConnect: true })
    subscriber.on('error', (error) => report({ type: 'error', error: `cancel channel: ${messageOf(error)}` }))
    subscriber.on('message', (_channel: string, message: string) => {
      let jobIds: unknown
      try {
        jobIds = (JSON.parse(message) as { jobIds?: unknown }).jobIds
      } catch {
        return
      }
      if (Array.isArray(jobIds)) for (const id of jobIds) if (typeof id === 'string') worker.cancelJob(id, 'the run was cancelled')
    })
    try {
      await subscriber.connect()
      await subscriber.subscribe(cancelChannel(this.options.prefix, queueName))
      await worker.waitUntilReady()
    } catch (error) {
      subscriber.disconnect()
      await worker.close(true).catch(() => {})
      throw mlopsError(errors.ServiceUnreachable, [`Redis (queue ${queueName})`, redactUrl(this.options.url), messageOf(error)], { cause: error })
    }
    const running = worker.run()
    report({ type: 'ready', queue: queueName, concurrency })
    let closing: Promise<void> | undefined
    const handle: StepWorker = {
      queue: queueName,
      close: ({ force = false } = {}) => {
        closing ??= (async () => {
          try {
            await worker.close(force)
            await running.catch(() => {})
          } finally {
            subscriber.disconnect()
            this.workers.delete(handle)
          }
        })()
        return closing
      },
    }
    this.workers.add(handle)
    return handle
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.executions])
    await Promise.allSettled([...this.workers].map((w) => w.close()))
    const queue = this.queue
    this.queue = undefined
    await (await queue?.catch(() => undefined))?.close()
    const redis = await this.redis?.catch(() => undefined)
    this.redis = undefined
    await redis?.quit().catch(() => redis.disconnect())
  }

  /** BullMQ makes its own ioredis connections from these (blocking ones for workers and queue events). */
  connectionOptions(): { url: string; maxRetriesPerRequest: null } {
    return { url: this.options.url, maxRetriesPerRequest: null }
  }
}

export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:mlops-cancel`
}

/** One `execute` call: adds each step's job once its dependencies completed, follows the jobs to the end. */
class Execution {
  private readonly request: RemoteExecutionRequest
  private queue!: Queue<StepJobData>
  private readonly nodes: Map<string, RemoteExecutionNode>
  private readonly remainingDeps = new Map<string, number>()
  private readonly dependents = new Map<string, string[]>()
  private readonly ready: string[] = []
  /** jobId → stepId of the jobs added (or being added) and not yet settled. */
  private readonly inFlight = new Map<string, string>()
  /** Jobs whose `add` resolved: only those are reconciled. */
  private readonly added = new Set<string>()
  private finished = 0
  /** When Redis last answered the job-state poll. */
  private lastContact = performance.now()
  private reconciling = false
  /** Settled: later errors (queue events closing) change nothing. */
  private settled = false
  private failed = false
  private firstError: unknown
  private readonly executionId = randomUUID().slice(0, 8)
  private wake: () => void = () => {}

  constructor(
    private readonly executor: BullmqExecutor,
    request: RemoteExecutionRequest,
  ) {
    this.request = request
    this.nodes = new Map(request.nodes.map((n) => [n.id, n]))
    for (const node of request.nodes) {
      const deps = node.dependsOn.filter((d) => this.nodes.has(d))
      this.remainingDeps.set(node.id, deps.length)
      for (const dep of deps) {
        const list = this.dependents.get(dep)
        if (list) list.push(node.id)
        else this.dependents.set(dep, [node.id])
      }
      if (deps.length === 0) this.ready.push(node.id)
    }
  }

  private jobIdOf(stepId: string): string {
    // BullMQ job ids must not contain ":"; a fresh execution id per call keeps a resumed run's jobs apart.
    return `${this.request.runId}.${this.executionId}.${stepId.replace(/:/g, '_')}`
  }

  async run(): Promise<void> {
    const { signal } = this.request
    if (this.request.nodes.length === 0) return
    signal.throwIfAborted()
    await this.executor.assertReachable()
    const [{ QueueEvents }, queue] = await Promise.all([loadBullmq(), this.executor.getQueue()])
    this.queue = queue
    signal.throwIfAborted()
    const events = new QueueEvents(this.executor.queueName, {
      connection: this.executor.connectionOptions(),
      prefix: this.executor.options.prefix,
      autorun: false,
      // Read from the stream's current end, fixed before the first job is added: no event of ours is missed.
      lastEventId: await this.lastEventId(),
    })
    events.on('completed', ({ jobId }) => this.onCompleted(jobId))
    events.on('failed', ({ jobId, failedReason }) => void this.onFailed(jobId, failedReason))
    events.on('progress', ({ jobId, data }) => {
      if (this.inFlight.has(jobId) && typeof data === 'object' && data !== null) this.request.onProgress?.(data as unknown as ProgressEvent)
    })
    // A dropped connection is retried by ioredis; meanwhile the job-state poll stands in for the events.
    events.on('error', (error) => this.executor.logger.debug(`queue events of ${this.executor.queueName}: ${messageOf(error)}`))
    void events.run().catch((error: unknown) => this.executor.logger.warn(`queue events of ${this.executor.queueName} stopped: ${messageOf(error)}; following the steps by polling`))
    const onAbort = () => this.fail(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    const reconcile = setInterval(() => {
      if (performance.now() - this.lastContact > REDIS_LOST_MS) {
        this.fail(mlopsError(errors.ServiceUnreachable, [`Redis (queue ${this.executor.queueName})`, redactUrl(this.executor.options.url), `no answer for ${REDIS_LOST_MS / 1000} s while following run ${this.request.runId}`, 'Restart Redis, then `mlops run PIPELINE --resume RUN_ID` finishes the run.']))
      } else if (!this.reconciling) void this.reconcile()
    }, RECONCILE_MS)
    let cancelling: NodeJS.Timeout | undefined
    try {
      await events.waitUntilReady()
      await new Promise<void>((resolve) => {
        this.wake = () => {
          if (signal.aborted && cancelling === undefined && this.inFlight.size > 0) {
            void this.cancelInFlight()
            cancelling = setInterval(() => void this.cancelInFlight(), CANCEL_RETRY_MS)
          }
          if (!this.failed) this.pump()
          if (this.inFlight.size === 0 && (this.failed || this.finished === this.nodes.size || this.ready.length === 0)) resolve()
        }
        this.wake()
      })
      this.settled = true
    } finally {
      this.settled = true
      clearInterval(reconcile)
      clearInterval(cancelling)
      signal.removeEventListener('abort', onAbort)
      await events.close().catch(() => {})
    }
    if (this.failed) throw this.firstError
    if (this.finished !== this.nodes.size) throw new Error(`Executor stopped with ${this.nodes.size - this.finished} steps not run (a dependency cycle?)`)
  }

  private async lastEventId(): Promise<string> {
    const last = (await (await this.executor.getRedis()).xrevrange(this.queue.toKey('events'), '+', '-', 'COUNT', 1)) as [string, string[]][]
    return last[0]?.[0] ?? '0-0'
  }

  /** Adds the jobs of ready steps while fewer than `concurrency` steps of this run are queued or running. */
  private pump(): void {
    const limit = Math.max(1, this.request.concurrency)
    while (!this.failed && this.inFlight.size < limit && this.ready.length > 0) {
      const stepId = this.ready.shift()!
      const node = this.nodes.get(stepId)!
      const jobId = this.jobIdOf(stepId)
      this.inFlight.set(jobId, stepId)
      const attempts = node.retry?.attempts ?? this.executor.options.attempts
      const backoffMs = node.retry?.backoffMs ?? this.executor.options.backoffMs
      const task: RemoteStepTask = node.task ?? { runId: this.request.runId, pipeline: this.request.pipeline, stepId }
      this.queue
        .add(
          stepId,
          { task },
          {
            jobId,
            attempts,
            backoff: { type: 'exponential', delay: backoffMs },
            removeOnComplete: { age: KEEP_COMPLETED_S },
            removeOnFail: { age: KEEP_FAILED_S },
          },
        )
        .then(
          () => this.added.add(jobId),
          (error: unknown) => {
            this.inFlight.delete(jobId)
            this.fail(mlopsError(errors.StepFailed, [this.request.pipeline, stepId, 0, `could not be queued on ${this.executor.queueName}: ${messageOf(error)}`], { cause: error }))
          },
        )
    }
  }

  private onCompleted(jobId: string): void {
    const stepId = this.inFlight.get(jobId)
    if (stepId === undefined) return
    this.inFlight.delete(jobId)
    this.added.delete(jobId)
    this.finished++
    for (const next of this.dependents.get(stepId) ?? []) {
      const left = this.remainingDeps.get(next)! - 1
      this.remainingDeps.set(next, left)
      if (left === 0) this.ready.push(next)
    }
    this.wake()
  }

  private async onFailed(jobId: string, failedReason: string): Promise<void> {
    const stepId = this.inFlight.get(jobId)
    if (stepId === undefined) return
    // Still in flight while its error is read, so the run does not settle before it is known.
    let error: unknown
    try {
      const job = await this.queue.getJob(jobId)
      const stored = job?.data.error
      error = stored
        ? deserializeError(stored)
        : mlopsError(errors.StepFailed, [this.request.pipeline, stepId, job?.attemptsMade ?? 1, failedReason || 'the job failed'])
    } catch (readError) {
      error = mlopsError(errors.StepFailed, [this.request.pipeline, stepId, 1, failedReason || messageOf(readError)])
    }
    if (!this.inFlight.has(jobId)) return
    this.inFlight.delete(jobId)
    this.added.delete(jobId)
    this.fail(error)
  }

  /** Records the first failure (or the abort) and stops adding steps; the run settles when nothing is in flight. */
  private fail(error: unknown): void {
    if (this.settled) return
    if (!this.failed) {
      this.failed = true
      this.firstError = error
    }
    this.wake()
  }

  /** Queue events are read from a capped stream over a connection that may drop: the job states decide. */
  private async reconcile(): Promise<void> {
    this.reconciling = true
    try {
      await this.reconcileJobs()
    } finally {
      this.reconciling = false
    }
  }

  private async reconcileJobs(): Promise<void> {
    if (this.added.size === 0) this.lastContact = performance.now()
    for (const jobId of [...this.added]) {
      if (!this.inFlight.has(jobId)) continue
      try {
        const state = await this.queue.getJobState(jobId)
        this.lastContact = performance.now()
        if (state === 'completed') this.onCompleted(jobId)
        else if (state === 'failed') await this.onFailed(jobId, '')
        else if (state === 'unknown' && this.inFlight.has(jobId)) {
          const stepId = this.inFlight.get(jobId)!
          this.inFlight.delete(jobId)
          this.added.delete(jobId)
          this.fail(
            this.request.signal.aborted
              ? this.request.signal.reason
              : mlopsError(errors.StepFailed, [this.request.pipeline, stepId, 0, `its job ${jobId} was removed from queue ${this.executor.queueName} before it finished`]),
          )
        }
      } catch {
        // Redis unreachable for now: the next round tries again.
      }
    }
  }

  /** After an abort: removes the jobs still waiting (or delayed) and asks the workers running the others to cancel them. */
  private async cancelInFlight(): Promise<void> {
    const active: string[] = []
    for (const jobId of [...this.added]) {
      if (!this.inFlight.has(jobId)) continue
      try {
        const removed = await this.queue.remove(jobId)
        if (removed === 1 && this.inFlight.has(jobId)) {
          this.inFlight.delete(jobId)
          this.added.delete(jobId)
          this.wake()
        } else active.push(jobId)
      } catch {
        active.push(jobId)
      }
    }
    if (active.length === 0) return
    try {
      await (await this.executor.getRedis()).publish(cancelChannel(this.executor.options.prefix, this.executor.queueName), JSON.stringify({ jobIds: active }))
    } catch {
      // The next round tries again.
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

import { StoresNotShared } from '../errors/catalogue.js'
import { isMlopsError, mlopsError } from '../errors/mlops-error.js'
import type { ArtifactStore, ExecutionNode, ExecutionRequest, Executor, MetadataStore } from '../plugin/kinds.js'
import type { ProgressEvent } from '../runtime/run-pipeline.js'

/**
 * What a worker needs to run one step of a run, by id: the worker loads the same config, reads the
 * run's params from the metadata store and rebuilds the step's inputs from the recorded lineage. It is
 * plain JSON (a queue job's payload); only core reads it (`runRemoteStep`).
 */
export interface RemoteStepTask {
  runId: string
  pipeline: string
  stepId: string
  /** The step's code version as planned by the submitting process: a worker with other code refuses it. */
  codeVersion?: string
  /** The run ignores cached outputs (`mlops run --no-cache`). */
  noCache?: boolean
}

/** An execution node with what an executor running steps elsewhere needs (runPipeline always sets them). */
export interface RemoteExecutionNode extends ExecutionNode {
  /** The step's own `retry` policy, for the engine's retries; undefined: the executor's default. */
  retry?: { attempts: number; backoffMs: number }
  /** The payload a worker hands back to `runRemoteStep`; undefined: `{ runId, pipeline, stepId }`. */
  task?: RemoteStepTask
}

/**
 * `ExecutionRequest` as runPipeline passes it: each node carries its retry policy and task, and the
 * steps' progress, reported by the workers, goes to `onProgress`. Every extra is optional, so a plain
 * `ExecutionRequest` (the executor conformance suite's) is one too.
 */
export interface RemoteExecutionRequest extends ExecutionRequest {
  nodes: readonly RemoteExecutionNode[]
  onProgress?: (event: ProgressEvent) => void
}

/** What a worker's executor gives `runStep` for one attempt. */
export interface RemoteStepContext {
  /** 1 on the first attempt; a re-run after a crashed worker keeps the attempt number. */
  attempt: number
  /** Attempts the engine makes in all: after a failed attempt `maxAttempts`, the step has failed. */
  maxAttempts: number
  /** Base delay of the engine's exponential backoff (doubling per attempt), for the retry message. */
  backoffMs?: number
  /** Aborted when the submitting run is cancelled or the worker shuts down. */
  signal: AbortSignal
  /** Relays the step's progress to the submitting process. */
  onProgress(event: ProgressEvent): void
}

export interface StepWorkerOptions {
  /** Steps run at once by this worker process. */
  concurrency: number
  /** Queue (or topic) to take steps from; undefined: the executor's own. */
  queue?: string
  /**
   * Runs one step in this process. A rejection is a failed attempt: the engine retries it (with its
   * backoff) unless `isRetryableStepError` says no or it was the last attempt.
   */
  runStep(task: RemoteStepTask, context: RemoteStepContext): Promise<void>
  /** Optional report of what the worker does, for its log. */
  onEvent?(event: StepWorkerEvent): void
}

export type StepWorkerEvent =
  | { type: 'ready'; queue: string; concurrency: number }
  | { type: 'step.started'; task: RemoteStepTask; attempt: number }
  | { type: 'step.finished'; task: RemoteStepTask; durationMs: number }
  | { type: 'step.failed'; task: RemoteStepTask; attempt: number; willRetry: boolean; error: string }
  | { type: 'error'; error: string }

export interface StepWorker {
  readonly queue: string
  /** Stops taking steps and waits for the running ones (`force`: cancels them). */
  close(options?: { force?: boolean }): Promise<void>
}

/**
 * An executor whose steps run in other processes (`mlops worker`). `execute` hands steps to workers and
 * follows them; `startWorker` makes this process one of those workers.
 */
export interface RemoteExecutor extends Executor {
  readonly isRemote: true
  execute(request: RemoteExecutionRequest): Promise<void>
  startWorker(options: StepWorkerOptions): Promise<StepWorker>
}

export function isRemoteExecutor(executor: Executor): executor is RemoteExecutor {
  return executor.isRemote && typeof (executor as Partial<RemoteExecutor>).startWorker === 'function'
}

/**
 * Bad input or config (exit 2: a corrupted input, invalid outputs, a worker with other code) is no
 * transient failure: no retry, and it keeps its own code and exit status. Everything else may be retried.
 */
export function isRetryableStepError(error: unknown): boolean {
  return !(isMlopsError(error) && error.exit === 2)
}

/**
 * Steps that run in other processes read and write the same metadata and artifacts as the submitting
 * process: refuses stores that only this machine reaches (`scope` other than `shared`). Every remote
 * executor gets this check from runPipeline and `mlops worker`.
 */
export function assertStoresShared(executor: Pick<Executor, 'name'>, stores: { metadata: Pick<MetadataStore, 'scope'>; storage: Pick<ArtifactStore, 'scope'> }): void {
  const local: string[] = []
  if (stores.metadata.scope !== 'shared') local.push('metadata')
  if (stores.storage.scope !== 'shared') local.push('storage')
  if (local.length > 0) throw mlopsError(StoresNotShared, [executor.name, local])
}

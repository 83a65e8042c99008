import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TransferListItem } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { WorkerTaskFailed } from '../errors/catalogue.js'
import { deserializeError, mlopsError } from '../errors/mlops-error.js'
import type { PoolReply, PoolTask } from './worker.js'

/**
 * Node 20 cannot run a .ts worker: use the compiled dist/pool/worker.js, also when this module itself
 * was loaded from source (tests and tools that import `src/`).
 */
function workerFilename(): string {
  const beside = new URL('./worker.js', import.meta.url)
  if (existsSync(fileURLToPath(beside))) return beside.href
  return new URL('../../dist/pool/worker.js', import.meta.url).href
}

export interface WorkerPoolRunOptions {
  signal?: AbortSignal
  /** Buffers moved (not copied) to the worker; they are detached in the caller afterwards. */
  transferList?: TransferListItem[]
}

/** Core's worker-thread pool: CPU-heavy work (drift kernels, training) off the main thread. */
export interface WorkerPool {
  readonly maxThreads: number
  run<T>(task: PoolTask, options?: WorkerPoolRunOptions): Promise<T>
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export interface WorkerPoolOptions {
  /** Default: the number of cores. */
  maxThreads?: number
  idleTimeoutMs?: number
}

/**
 * Creates the pool lazily: no thread starts until the first task, so commands that never use it
 * pay nothing. Each task names a module URL and an export; errors come back with code and cause.
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const maxThreads = Math.max(1, options.maxThreads ?? availableParallelism())
  let pool: Promise<import('tinypool').Tinypool> | undefined
  let closed = false
  const getPool = () => {
    pool ??= import('tinypool').then(
      ({ Tinypool }) =>
        new Tinypool({
          filename: workerFilename(),
          minThreads: 0,
          maxThreads,
          idleTimeout: options.idleTimeoutMs ?? 2_000,
        }),
    )
    return pool
  }
  const self: WorkerPool = {
    maxThreads,
    async run<T>(task: PoolTask, runOptions: WorkerPoolRunOptions = {}): Promise<T> {
      if (closed) throw new Error('The worker pool is closed.')
      runOptions.signal?.throwIfAborted()
      const tinypool = await getPool()
      const reply = (await tinypool.run(task, {
        ...(runOptions.signal ? { signal: runOptions.signal } : {}),
        ...(runOptions.transferList ? { transferList: runOptions.transferList as never } : {}),
      })) as PoolReply
      if (reply.ok) return reply.value as T
      const cause = deserializeError(reply.error)
      if ((cause as { code?: unknown }).code && 'hint' in cause) throw cause
      throw mlopsError(WorkerTaskFailed, [`${task.fn}`, cause.message], { cause })
    },
    async close() {
      closed = true
      if (pool) await (await pool).destroy()
    },
    [Symbol.asyncDispose]() {
      return self.close()
    },
  }
  return self
}

import { basename } from 'node:path'
import { z } from 'zod'

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

export const bullmqExecutorOptions = z.object({
  /** Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Default: env `MLOPS_REDIS_URL`, else redis://127.0.0.1:6379. */
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Queue name. Default `mlops-<project folder name>`; every worker of the project must use the same. */
  queue: z
    .string()
    .min(1)
    .regex(/^[^:]+$/, 'must not contain ":" (BullMQ separates key parts with it)')
    .optional(),
  /** Prefix of every Redis key of the queue (BullMQ's `prefix`). */
  prefix: z
    .string()
    .min(1)
    .regex(/^[^:]+$/, 'must not contain ":"')
    .default('bull'),
  /** Job attempts (the first included) for steps that declare no `retry` policy of their own. */
  attempts: z.int().min(1).default(1),
  /** Base of the exponential backoff between attempts, for steps that declare no `retry` policy. */
  backoffMs: z.int().min(0).default(1000),
  /**
   * How long a worker's claim on a step lasts without being renewed (renewed every half of it). A worker
   * that dies (SIGKILL, lost machine) lets its step go after this; it must be longer than the event
   * loop is ever blocked by a step (a step blocking longer is taken for dead and run again elsewhere).
   */
  lockDurationMs: z.int().min(100).default(30_000),
  /** How often workers look for steps whose worker died (BullMQ's stalled-job check). */
  stalledIntervalMs: z.int().min(100).default(30_000),
  /** How often one step may be recovered from a dead worker before it counts as failed. */
  maxStalledCount: z.int().min(0).default(1),
})

export type BullmqExecutorOptions = z.input<typeof bullmqExecutorOptions>

export interface ResolvedBullmqOptions {
  url: string
  queue: string
  prefix: string
  attempts: number
  backoffMs: number
  lockDurationMs: number
  stalledIntervalMs: number
  maxStalledCount: number
}

/** Fills in the URL from the environment and the queue name from the project folder. */
export function resolveOptions(options: z.output<typeof bullmqExecutorOptions>, root: string, env: Readonly<Record<string, string | undefined>>): ResolvedBullmqOptions {
  const project = basename(root).replace(/[^A-Za-z0-9_.-]+/g, '-') || 'project'
  return {
    url: options.url ?? (env.MLOPS_REDIS_URL || DEFAULT_REDIS_URL),
    queue: options.queue ?? `mlops-${project}`,
    prefix: options.prefix,
    attempts: options.attempts,
    backoffMs: options.backoffMs,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}

import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { Queue } from 'bullmq'

export const redisUrl = process.env.MLOPS_TEST_REDIS_URL || 'redis://127.0.0.1:6379'

/** Whether Redis answers; unreachable fails the run when CI=true instead of skipping. */
export async function probeRedis(): Promise<{ ok: boolean; reason: string }> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500, retryStrategy: () => null, enableOfflineQueue: false })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return { ok: true, reason: '' }
  } catch (error) {
    const reason = `no Redis at ${redisUrl} (${(error as Error).message}); set MLOPS_TEST_REDIS_URL`
    if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`)
    console.warn(`skipping @mlops/executor-bullmq tests: ${reason}`)
    return { ok: false, reason }
  } finally {
    client.disconnect()
  }
}

/** A queue name no other test (or leftover) uses. */
export function uniqueQueue(label: string): string {
  return `mlops-test-${label}-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** Removes every key of the queue. */
export async function obliterate(queue: string, prefix = 'bull'): Promise<void> {
  const q = new Queue(queue, { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix })
  try {
    await q.obliterate({ force: true })
  } finally {
    await q.close()
  }
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} }

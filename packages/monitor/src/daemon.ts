import { hostname } from 'node:os'
import {
  deliverOutbox,
  enqueueNotifications,
  isMlopsError,
  mlopsError,
  type DeliveryReport,
  type Notifier,
} from '@mlops/core'
import { Cron } from 'croner'
import { DaemonLeaseLost, DaemonRunning } from './errors.js'
import { runMonitor, type MonitorResult } from './run-monitor.js'
import { evaluateTriggers, type TriggerFiring, type TriggerServices } from './triggers.js'

export const DAEMON_STATE = 'daemon'

interface Lease {
  pid: number
  hostname: string
  startedAt: string
  heartbeatAt: string
  expiresAt: string
}

function alive(lease: Lease, now: number): boolean {
  if (Date.parse(lease.expiresAt) <= now) return false
  if (lease.hostname !== hostname()) return true
  try {
    process.kill(lease.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface DaemonServices extends TriggerServices {
  notifiers: readonly Notifier[]
}

export interface DaemonTick {
  at: string
  monitors: MonitorResult[]
  firings: TriggerFiring[]
  notifications: DeliveryReport & { enqueued: number; suppressed: number }
}

/** Moves new events into the outbox and delivers what is due: one notification pass. */
export async function flushNotifications(services: DaemonServices, signal?: AbortSignal): Promise<DeliveryReport & { enqueued: number; suppressed: number }> {
  const channels = services.notifiers.map((n) => n.name)
  const queued = await enqueueNotifications({ metadata: services.metadata, channels, config: services.config.notifications })
  const delivered = await deliverOutbox({ metadata: services.metadata, notifiers: services.notifiers, logger: services.logger, ...(signal ? { signal } : {}) })
  return { ...queued, ...delivered }
}

/**
 * `mlops daemon`: holds the project's lease (one daemon per project, across machines when the metadata
 * store is shared), runs monitors on their schedules, evaluates every trigger, and delivers
 * notifications, until `signal` aborts. The lease is renewed on every tick and released on exit; a
 * crashed daemon's lease expires after `leaseMs`.
 */
export async function runDaemon(
  services: DaemonServices,
  options: { signal: AbortSignal; actor: string; tickMs?: number; leaseMs?: number; onTick?: (tick: DaemonTick) => void },
): Promise<void> {
  const { metadata, config, logger } = services
  const tickMs = options.tickMs ?? 1000
  const leaseMs = options.leaseMs ?? Math.max(15_000, tickMs * 5)
  let revision = await acquireLease(services, leaseMs)
  const schedules = new Map<string, Cron>()
  for (const [name, def] of config.monitors) if (def.config.schedule) schedules.set(name, new Cron(def.config.schedule, { timezone: 'UTC', paused: true }))
  let lastTick = new Date()
  logger.info(`daemon started (pid ${process.pid}): ${schedules.size} scheduled monitors, ${config.triggers.length} triggers, ${services.notifiers.length} notifiers`)
  try {
    while (!options.signal.aborted) {
      const now = new Date()
      revision = await renewLease(services, revision, leaseMs, now)
      const due = [...schedules].filter(([, cron]) => {
        const next = cron.nextRun(lastTick)
        return next !== null && next.getTime() <= now.getTime()
      })
      const monitors: MonitorResult[] = []
      for (const [name] of due) {
        try {
          monitors.push(await runMonitor(services, name, { now, signal: options.signal }))
        } catch (error) {
          logger.error(`monitor ${name} failed: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      lastTick = now
      const firings = await evaluateTriggers(services, { results: monitors, now, signal: options.signal, actor: options.actor })
      const notifications = await flushNotifications(services, options.signal)
      options.onTick?.({ at: now.toISOString(), monitors, firings, notifications })
      await sleep(tickMs, options.signal)
    }
  } finally {
    await releaseLease(services, revision).catch(() => {})
    logger.info('daemon stopped')
  }
}

async function acquireLease(services: DaemonServices, leaseMs: number): Promise<number> {
  const now = Date.now()
  const doc = await services.metadata.getDocument(DAEMON_STATE, 'lease')
  const held = doc?.value as Lease | null | undefined
  if (held && alive(held, now)) throw mlopsError(DaemonRunning, [`pid ${held.pid} on ${held.hostname}, started ${held.startedAt}`, held.expiresAt])
  const lease: Lease = { pid: process.pid, hostname: hostname(), startedAt: new Date(now).toISOString(), heartbeatAt: new Date(now).toISOString(), expiresAt: new Date(now + leaseMs).toISOString() }
  try {
    await services.metadata.commit({ writes: [{ collection: DAEMON_STATE, key: 'lease', value: lease, expectedRevision: doc?.revision ?? 0 }] })
  } catch (error) {
    if (isMlopsError(error) && error.code === 'MLOPS_WRITE_CONFLICT') {
      const now2 = await services.metadata.getDocument(DAEMON_STATE, 'lease')
      const other = now2?.value as Lease | undefined
      throw mlopsError(DaemonRunning, [other ? `pid ${other.pid} on ${other.hostname}, started ${other.startedAt}` : 'another process', other?.expiresAt ?? 'now'])
    }
    throw error
  }
  return (doc?.revision ?? 0) + 1
}

async function renewLease(services: DaemonServices, revision: number, leaseMs: number, now: Date): Promise<number> {
  const doc = await services.metadata.getDocument(DAEMON_STATE, 'lease')
  const lease = doc?.value as Lease | null | undefined
  if (!doc || !lease || doc.revision !== revision || lease.pid !== process.pid || lease.hostname !== hostname()) {
    throw mlopsError(DaemonLeaseLost, [lease ? `now held by pid ${lease.pid} on ${lease.hostname}` : 'the lease document is gone'])
  }
  const next: Lease = { ...lease, heartbeatAt: now.toISOString(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() }
  try {
    await services.metadata.commit({ writes: [{ collection: DAEMON_STATE, key: 'lease', value: next, expectedRevision: revision }] })
  } catch (error) {
    if (isMlopsError(error) && error.code === 'MLOPS_WRITE_CONFLICT') throw mlopsError(DaemonLeaseLost, ['another process wrote the lease'])
    throw error
  }
  return revision + 1
}

async function releaseLease(services: DaemonServices, revision: number): Promise<void> {
  await services.metadata.commit({ writes: [{ collection: DAEMON_STATE, key: 'lease', value: null, expectedRevision: revision }] })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

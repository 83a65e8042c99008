import { statSync } from 'node:fs'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { dispatchNotifications, isMlopsError, mlopsError, type LoadedConfig, type NotificationPass, type Notifier } from '@mlops/core'
import { Cron } from 'croner'
import { DaemonLeaseLost, DaemonRunning } from './errors.js'
import { runMonitor, type MonitorResult } from './run-monitor.js'
import { checkSchedules, evaluateTriggers, type TriggerFiring, type TriggerServices } from './triggers.js'

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
  notifications: NotificationPass
}

/** One notification pass for the project (core's dispatchNotifications with the config's settings). */
export function flushNotifications(services: DaemonServices, signal?: AbortSignal): Promise<NotificationPass> {
  return dispatchNotifications({ metadata: services.metadata, notifiers: services.notifiers, config: services.config.notifications, logger: services.logger, ...(signal ? { signal } : {}) })
}

/** Per scheduled monitor, when the daemon last looked (so a run missed while no daemon ran happens once on start). */
const SCHEDULE_KEY = (monitor: string) => `schedule/${monitor}`

/**
 * `mlops daemon`: holds the project's lease (one daemon per project, across machines when the metadata
 * store is shared), runs monitors on their schedules, evaluates every trigger, and delivers
 * notifications, until `signal` aborts. The lease is renewed by a heartbeat (every `leaseMs / 3`, also
 * while a long retraining run is in flight) and released on exit; a crashed daemon's lease expires
 * after `leaseMs`, or at once for a new daemon on the same host when its pid is gone.
 *
 * With `reloadConfig`, the daemon reloads the config when its file changes (so `onCodeChange` sees an
 * edited step, and new monitors and triggers take effect); a config that fails to load is reported and
 * the previous one kept. Plugins (stores, notifiers) keep the instances the daemon started with.
 */
export async function runDaemon(
  services: DaemonServices,
  options: {
    signal: AbortSignal
    actor: string
    tickMs?: number
    leaseMs?: number
    onTick?: (tick: DaemonTick) => void
    reloadConfig?: () => Promise<LoadedConfig>
  },
): Promise<void> {
  const { metadata, logger } = services
  const svc: DaemonServices = { ...services }
  const tickMs = options.tickMs ?? 1000
  const leaseMs = options.leaseMs ?? Math.max(15_000, tickMs * 5)
  checkSchedules(svc.config)
  let revision = await acquireLease(svc, leaseMs)

  // The heartbeat renews the lease independently of the ticks, which may run a pipeline for minutes.
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  options.signal.addEventListener('abort', onAbort, { once: true })
  let lost: unknown
  let renewing: Promise<void> = Promise.resolve()
  const heartbeat = setInterval(
    () => {
      renewing = renewing.then(async () => {
        if (lost !== undefined) return
        try {
          revision = await renewLease(svc, revision, leaseMs, new Date())
        } catch (error) {
          if (isMlopsError(error) && error.code === DaemonLeaseLost.code) {
            lost = error
            stop.abort()
          } else logger.warn(`daemon: could not renew the lease (will retry): ${messageOf(error)}`)
        }
      })
    },
    Math.max(20, Math.floor(leaseMs / 3)),
  )

  const configStamp = () => {
    try {
      const st = statSync(svc.config.file)
      return `${st.size}:${st.mtimeMs}`
    } catch {
      return 'missing'
    }
  }
  let stamp = configStamp()
  let lastProblem = ''
  const problem = (message: string) => {
    // The same failure on every tick would flood the log: say it once until something changes.
    if (message !== lastProblem) logger.error(message)
    lastProblem = message
  }
  logger.info(
    `daemon started (pid ${process.pid}): ${[...svc.config.monitors.values()].filter((m) => m.config.schedule).length} scheduled monitors, ${svc.config.triggers.length} triggers, ${svc.notifiers.length} notifiers`,
  )
  try {
    while (!stop.signal.aborted) {
      const now = new Date()
      if (options.reloadConfig) {
        const current = configStamp()
        if (current !== stamp) {
          stamp = current
          try {
            const next = await options.reloadConfig()
            checkSchedules(next)
            svc.config = next
            logger.info(`daemon: ${next.file} changed; reloaded (${next.monitors.size} monitors, ${next.triggers.length} triggers; plugin changes need a restart)`)
          } catch (error) {
            logger.error(`daemon: ${svc.config.file} changed but cannot be loaded; keeping the previous config: ${messageOf(error)}`)
          }
        }
      }
      const monitors: MonitorResult[] = []
      let firings: TriggerFiring[] = []
      let notifications: DaemonTick['notifications'] = { enqueued: 0, suppressed: 0, delivered: 0, retried: 0, dead: 0, errors: [] }
      try {
        for (const name of await dueMonitors(svc, now)) {
          try {
            monitors.push(await runMonitor(svc, name, { now, signal: stop.signal }))
          } catch (error) {
            logger.error(`monitor ${name} failed: ${messageOf(error)}`)
          }
        }
        firings = await evaluateTriggers(svc, { results: monitors, now, signal: stop.signal, actor: options.actor })
        notifications = await flushNotifications(svc, stop.signal)
        lastProblem = ''
      } catch (error) {
        if (stop.signal.aborted) break
        problem(`daemon: this tick failed (the next one tries again): ${messageOf(error)}`)
      }
      options.onTick?.({ at: now.toISOString(), monitors, firings, notifications })
      // Ends early when the daemon is stopped (the abort rejects; nothing to handle).
      await sleep(tickMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  } finally {
    clearInterval(heartbeat)
    options.signal.removeEventListener('abort', onAbort)
    await renewing
    if (lost === undefined) await releaseLease(svc, revision).catch((error) => logger.warn(`daemon: could not release the lease: ${messageOf(error)}`))
    logger.info('daemon stopped')
  }
  if (lost !== undefined) throw lost
}

/** Scheduled monitors whose cron came due since the daemon last looked (the first look only records the time). */
async function dueMonitors(services: DaemonServices, now: Date): Promise<string[]> {
  const due: string[] = []
  for (const [name, def] of services.config.monitors) {
    const cron = def.config.schedule
    if (!cron) continue
    const doc = await services.metadata.getDocument(DAEMON_STATE, SCHEDULE_KEY(name))
    const state = doc?.value as { cron: string; checkedAt: string } | undefined
    // A changed schedule starts counting from now. The last look only moves when the monitor came due:
    // until then the next run after it stays the same, and nothing needs writing on every tick.
    if (state && state.cron === cron) {
      const next = new Cron(cron, { timezone: 'UTC', paused: true }).nextRun(new Date(state.checkedAt))
      if (!next || next.getTime() > now.getTime()) continue
      due.push(name)
    }
    await services.metadata.commit({ writes: [{ collection: DAEMON_STATE, key: SCHEDULE_KEY(name), value: { cron, checkedAt: now.toISOString() }, expectedRevision: doc?.revision ?? 0 }] })
  }
  return due
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
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

import { isMlopsError } from '../errors/mlops-error.js'
import type { NotificationsConfig } from '../dsl/monitor.js'
import type { DocumentWrite, EventRecord, Logger, MetadataStore, Notifier, OutboxEnqueue } from '../plugin/kinds.js'
import { parseDuration } from '../util/duration.js'

export const NOTIFY_STATE = 'notify-state'

/** Events sent to notifiers unless `notifications.events` says otherwise. */
export const DEFAULT_NOTIFY_EVENTS: readonly string[] = [
  'drift.detected',
  'performance.dropped',
  'data_quality.failed',
  'model.promoted',
  'model.rejected',
  'model.rolled_back',
  'model.awaiting_approval',
  'run.failed',
  'trigger.fired',
]

/** Alerts (conditions that persist and would repeat on every monitor pass) are subject to the cooldown. */
const ALERT_TYPES = new Set(['drift.detected', 'performance.dropped', 'data_quality.failed', 'run.failed'])

/** What makes two alerts "the same": the type and what it is about. */
export function alertKey(event: Pick<EventRecord, 'type' | 'payload'>): string {
  const p = event.payload
  const about = [p.monitor, p.model, p.pipeline].filter((x) => typeof x === 'string').join('/')
  return `${event.type}:${about}`
}

/**
 * Moves new events from the event log into the outbox, one message per notifier (channel), in one
 * transaction with the read cursor, so each event is enqueued exactly once even with several
 * dispatchers. An alert whose key was sent less than `cooldown` ago is suppressed (no alert storms).
 */
export async function enqueueNotifications(options: {
  metadata: MetadataStore
  channels: readonly string[]
  config: NotificationsConfig
  batch?: number
}): Promise<{ enqueued: number; suppressed: number }> {
  const { metadata, channels, config } = options
  if (channels.length === 0) return { enqueued: 0, suppressed: 0 }
  const types = new Set(config.events ?? DEFAULT_NOTIFY_EVENTS)
  const cooldownMs = parseDuration(config.cooldown ?? '1h') ?? 3_600_000
  let enqueued = 0
  let suppressed = 0
  for (let attempt = 0; ; attempt++) {
    const cursorDoc = await metadata.getDocument(NOTIFY_STATE, 'cursor')
    const afterSeq = (cursorDoc?.value as { seq: number } | undefined)?.seq ?? 0
    const events = await metadata.listEvents({ afterSeq, limit: options.batch ?? 500 })
    if (events.length === 0) return { enqueued, suppressed }
    const writes: DocumentWrite[] = [{ collection: NOTIFY_STATE, key: 'cursor', value: { seq: events.at(-1)!.seq }, expectedRevision: cursorDoc?.revision ?? 0 }]
    const outbox: OutboxEnqueue[] = []
    const cooldowns = new Map<string, { lastAt: string; revision: number }>()
    let batchSuppressed = 0
    for (const event of events) {
      if (!types.has(event.type)) continue
      for (const channel of channels) {
        if (ALERT_TYPES.has(event.type)) {
          const key = `cooldown/${channel}/${alertKey(event)}`
          let state = cooldowns.get(key)
          if (!state) {
            const doc = await metadata.getDocument(NOTIFY_STATE, key)
            state = { lastAt: (doc?.value as { lastAt: string } | undefined)?.lastAt ?? '', revision: doc?.revision ?? 0 }
            cooldowns.set(key, state)
          }
          if (state.lastAt && Date.parse(event.createdAt) - Date.parse(state.lastAt) < cooldownMs) {
            batchSuppressed++
            continue
          }
          state.lastAt = event.createdAt
          cooldowns.set(key, state)
        }
        outbox.push({ id: `${channel}:${event.id}`, channel, eventId: event.id, payload: { id: event.id, type: event.type, createdAt: event.createdAt, payload: event.payload }, createdAt: new Date().toISOString() })
      }
    }
    for (const [key, state] of cooldowns) writes.push({ collection: NOTIFY_STATE, key, value: { lastAt: state.lastAt }, expectedRevision: state.revision })
    try {
      await metadata.commit({ writes, outbox })
      enqueued += outbox.length
      suppressed += batchSuppressed
    } catch (error) {
      // Another dispatcher moved the cursor first: read again (its events are already enqueued).
      if (isMlopsError(error) && error.code === 'MLOPS_WRITE_CONFLICT' && attempt < 10) continue
      throw error
    }
  }
}

export interface DeliveryReport {
  delivered: number
  retried: number
  dead: number
  errors: { channel: string; eventId: string; error: string }[]
}

/**
 * Delivers claimed outbox messages with their notifiers: a failure is retried later with exponential
 * backoff (1 s, 2 s, 4 s … up to 15 min), and after `maxAttempts` the message is marked dead. A
 * dispatcher that dies mid-delivery releases its claim when the lease runs out (at least once).
 */
export async function deliverOutbox(options: {
  metadata: MetadataStore
  notifiers: readonly Notifier[]
  now?: Date
  leaseMs?: number
  limit?: number
  maxAttempts?: number
  baseBackoffMs?: number
  logger?: Logger
  signal?: AbortSignal
}): Promise<DeliveryReport> {
  const { metadata, notifiers } = options
  const report: DeliveryReport = { delivered: 0, retried: 0, dead: 0, errors: [] }
  if (notifiers.length === 0) return report
  const byName = new Map(notifiers.map((n) => [n.name, n]))
  const maxAttempts = options.maxAttempts ?? 8
  const base = options.baseBackoffMs ?? 1000
  const now = options.now ?? new Date()
  const items = await metadata.claimOutbox({ now: now.toISOString(), leaseMs: options.leaseMs ?? 60_000, limit: options.limit ?? 50, channels: [...byName.keys()] })
  for (const item of items) {
    const notifier = byName.get(item.channel)!
    const event = item.payload as { id: string; type: string; createdAt: string; payload: Record<string, unknown> }
    try {
      await notifier.send({ id: event.id, type: event.type, createdAt: event.createdAt, payload: event.payload }, options.signal ? { signal: options.signal } : {})
      await metadata.settleOutbox(item.id, { delivered: true, at: new Date().toISOString() })
      report.delivered++
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      report.errors.push({ channel: item.channel, eventId: item.eventId, error: message })
      if (item.attempts >= maxAttempts) {
        await metadata.settleOutbox(item.id, { delivered: false, error: message, retryAt: null })
        report.dead++
        options.logger?.error(`notification ${item.eventId} via ${item.channel} failed ${item.attempts} times; giving up`, { error: message })
      } else {
        const delay = Math.min(base * 2 ** (item.attempts - 1), 15 * 60_000)
        await metadata.settleOutbox(item.id, { delivered: false, error: message, retryAt: new Date(Date.now() + delay).toISOString() })
        report.retried++
        options.logger?.warn(`notification ${item.eventId} via ${item.channel} failed (attempt ${item.attempts}); retrying in ${Math.round(delay / 1000)} s`, { error: message })
      }
    }
  }
  return report
}

export type NotificationPass = DeliveryReport & { enqueued: number; suppressed: number }

/**
 * One notification pass: moves new events into the outbox for `notifiers` (with the config's event
 * list and cooldown), then delivers what is due. The daemon runs it every tick; commands that change
 * the registry run it once so the team hears of it without a daemon.
 */
export async function dispatchNotifications(options: {
  metadata: MetadataStore
  notifiers: readonly Notifier[]
  config: NotificationsConfig
  logger?: Logger
  signal?: AbortSignal
}): Promise<NotificationPass> {
  const { metadata, notifiers, config, logger, signal } = options
  const queued = await enqueueNotifications({ metadata, channels: notifiers.map((n) => n.name), config })
  const delivered = await deliverOutbox({ metadata, notifiers, ...(logger ? { logger } : {}), ...(signal ? { signal } : {}) })
  return { ...queued, ...delivered }
}

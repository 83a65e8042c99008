import { createServer, type IncomingMessage, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deliverOutbox, enqueueNotifications, type MetadataStore } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { verifyWebhookSignature, WebhookNotifier } from '@mlops/notify-webhook'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

/** A real webhook receiver that deduplicates by event id, as receivers are told to. */
function receiver(secret: string) {
  const seen = new Map<string, { type: string; payload: Record<string, unknown> }>()
  let requests = 0
  let failNext = 0
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      requests++
      if (failNext > 0) {
        failNext--
        res.writeHead(503).end('busy')
        return
      }
      const ok = verifyWebhookSignature(secret, String(req.headers['x-mlops-timestamp']), body, String(req.headers['x-mlops-signature']))
      if (!ok) {
        res.writeHead(401).end('bad signature')
        return
      }
      const event = JSON.parse(body) as { id: string; type: string; payload: Record<string, unknown> }
      expect(req.headers['x-mlops-event-id']).toBe(event.id)
      seen.set(event.id, { type: event.type, payload: event.payload })
      res.writeHead(204).end()
    })
  })
  return {
    server,
    seen,
    get requests() {
      return requests
    },
    failTimes(n: number) {
      failNext = n
    },
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const address = server.address() as { port: number }
      return `http://127.0.0.1:${address.port}/hooks/mlops`
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, s)).toISOString()

describe('notifications through the transactional outbox', () => {
  const secret = 'test-signing-secret'
  let dir: string
  let store: MetadataStore
  let second: MetadataStore
  let hook: ReturnType<typeof receiver>
  let url: string

  beforeAll(async () => {
    hook = receiver(secret)
    url = await hook.listen()
  })
  afterAll(() => hook.close())
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-outbox-'))
    store = await openSqliteMetadataStore(join(dir, 'metadata.sqlite'))
    second = await openSqliteMetadataStore(join(dir, 'metadata.sqlite'))
    hook.seen.clear()
  })
  afterEach(async () => {
    await store.close()
    await second.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const notifier = (name = 'webhook') => new WebhookNotifier({ name, url, secret, retry: { attempts: 1 } })

  it('enqueues each event once per notifier even with two dispatchers racing, and delivers it signed', async () => {
    for (let i = 0; i < 5; i++) await store.appendEvent({ id: `e${i}`, type: 'model.promoted', payload: { model: 'penguins', version: String(i) }, createdAt: at(i) })
    await store.appendEvent({ id: 'ignored', type: 'monitor.completed', payload: {}, createdAt: at(9) })
    const [a, b] = await Promise.all([
      enqueueNotifications({ metadata: store, channels: ['webhook', 'audit-hook'], config: {} }),
      enqueueNotifications({ metadata: second, channels: ['webhook', 'audit-hook'], config: {} }),
    ])
    expect(a.enqueued + b.enqueued).toBe(10)
    expect(await store.listOutbox({ channel: 'webhook' })).toHaveLength(5)
    expect(await enqueueNotifications({ metadata: store, channels: ['webhook', 'audit-hook'], config: {} })).toEqual({ enqueued: 0, suppressed: 0 })

    const report = await deliverOutbox({ metadata: store, notifiers: [notifier(), notifier('audit-hook')] })
    expect(report).toMatchObject({ delivered: 10, retried: 0, dead: 0 })
    expect([...hook.seen.keys()].sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'])
    expect(await store.listOutbox({ status: 'pending' })).toHaveLength(0)
  })

  it('an alert repeats only after its cooldown', async () => {
    for (const [i, s] of [0, 10, 20, 4000].entries()) {
      await store.appendEvent({ id: `d${i}`, type: 'drift.detected', payload: { monitor: 'penguins-live', model: 'penguins' }, createdAt: at(s) })
    }
    await store.appendEvent({ id: 'other', type: 'drift.detected', payload: { monitor: 'other-monitor' }, createdAt: at(15) })
    const result = await enqueueNotifications({ metadata: store, channels: ['webhook'], config: { cooldown: '1h' } })
    expect(result).toEqual({ enqueued: 3, suppressed: 2 })
    expect((await store.listOutbox()).map((o) => o.eventId).sort()).toEqual(['d0', 'd3', 'other'])
  })

  it('an unreachable or failing receiver: retried with backoff, delivered at least once when it recovers, dead after the last attempt', async () => {
    await store.appendEvent({ id: 'r1', type: 'model.rejected', payload: { model: 'penguins' }, createdAt: at(0) })
    await enqueueNotifications({ metadata: store, channels: ['webhook', 'down'], config: {} })
    const down = new WebhookNotifier({ name: 'down', url: 'http://127.0.0.1:9/unreachable', retry: { attempts: 1 }, timeoutMs: 2000 })
    hook.failTimes(1)
    const first = await deliverOutbox({ metadata: store, notifiers: [notifier(), down], baseBackoffMs: 10, maxAttempts: 2 })
    expect(first).toMatchObject({ delivered: 0, retried: 2, dead: 0 })
    expect(first.errors.find((e) => e.channel === 'down')!.error).toMatch(/127\.0\.0\.1:9/)
    // Nothing is due before its retry time.
    expect((await deliverOutbox({ metadata: store, notifiers: [notifier(), down], now: new Date(Date.now() - 60_000) })).delivered).toBe(0)
    await new Promise((r) => setTimeout(r, 30))
    const second = await deliverOutbox({ metadata: store, notifiers: [notifier(), down], baseBackoffMs: 10, maxAttempts: 2 })
    expect(second).toMatchObject({ delivered: 1, dead: 1 })
    expect(hook.seen.get('r1')?.type).toBe('model.rejected')
    const dead = await store.listOutbox({ status: 'dead' })
    expect(dead.map((d) => [d.channel, d.attempts])).toEqual([['down', 2]])
    expect(dead[0]!.lastError).toMatch(/unreachable|ECONNREFUSED|failed/i)
  })

  it('a dispatcher that dies after claiming releases the message when its lease runs out', async () => {
    await store.appendEvent({ id: 'l1', type: 'model.promoted', payload: { model: 'penguins' }, createdAt: at(0) })
    await enqueueNotifications({ metadata: store, channels: ['webhook'], config: {} })
    const claimed = await second.claimOutbox({ now: new Date().toISOString(), leaseMs: 50, limit: 10 })
    expect(claimed).toHaveLength(1) // …and the claimer "dies" without settling
    expect((await deliverOutbox({ metadata: store, notifiers: [notifier()] })).delivered).toBe(0)
    await new Promise((r) => setTimeout(r, 80))
    expect((await deliverOutbox({ metadata: store, notifiers: [notifier()] })).delivered).toBe(1)
    expect((await store.listOutbox())[0]).toMatchObject({ status: 'delivered', attempts: 2 })
  })
})

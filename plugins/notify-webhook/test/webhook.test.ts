import { setupPlugin } from '@mlops/core'
import type { NotificationEvent, PluginContext } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { notifyWebhook, parseRetryAfter, redactUrl, signWebhookPayload, verifyWebhookSignature, WebhookNotifier } from '../src/index.js'
import type { WebhookNotifierOptions } from '../src/index.js'
import { closedPort, startReceiver } from './receiver.js'
import type { Receiver } from './receiver.js'

const SECRET = 'whsec_test_0123456789'
let receiver: Receiver
let seq = 0
beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(() => receiver.close())

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: `evt-${process.pid}-${seq++}`,
    type: 'run.failed',
    createdAt: '2025-01-02T03:04:05.000Z',
    payload: { pipeline: 'train', runId: 'run-42', status: 'failed', error: { message: 'step "fit" failed:\n<loss> = NaN' }, rows: 1200 },
    ...overrides,
  }
}

/** A fresh path per test, so request counts never mix. */
function path(name: string): string {
  return `/${name}-${seq++}`
}

function notifier(p: string, options: Partial<WebhookNotifierOptions> = {}): WebhookNotifier {
  return new WebhookNotifier({ url: `${receiver.url}${p}`, secret: SECRET, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...options })
}

const requestsTo = (p: string) => receiver.requests.filter((r) => r.path === p)

async function caught(action: () => Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code?: string; hint?: string }
  }
  throw new Error('expected a rejection')
}

describe('@mlops/notify-webhook', () => {
  it('POSTs { id, type, createdAt, payload } with a signature that verifies, and event id/timestamp headers', async () => {
    const p = path('signed')
    const e = event()
    await notifier(p).send(e)
    const [request] = requestsTo(p)
    expect(request!.method).toBe('POST')
    expect(request!.headers['content-type']).toMatch(/^application\/json/)
    expect(request!.headers['x-mlops-event-id']).toBe(e.id)
    expect(JSON.parse(request!.body)).toEqual(e)
    const timestamp = request!.headers['x-mlops-timestamp'] as string
    const signature = request!.headers['x-mlops-signature'] as string
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5)
    expect(signature).toBe(signWebhookPayload(SECRET, timestamp, request!.body))
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)

    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, signature)).toBe(true)
    expect(verifyWebhookSignature(SECRET, timestamp, Buffer.from(request!.body), signature)).toBe(true)
    expect(verifyWebhookSignature('another secret', timestamp, request!.body, signature)).toBe(false)
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body.replace('train', 'trail'), signature)).toBe(false)
    expect(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), request!.body, signature)).toBe(false)
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, signature.slice(0, -1))).toBe(false)
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, undefined)).toBe(false)
    // A replay ten minutes later is refused by default, accepted only with a wider tolerance.
    const later = Number(timestamp) + 600
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, { now: later })).toBe(false)
    expect(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, { now: later, toleranceSeconds: 3600 })).toBe(true)
  })

  it('without a secret, requests are unsigned but still carry the event id', async () => {
    const p = path('unsigned')
    const e = event()
    await new WebhookNotifier({ url: `${receiver.url}${p}` }).send(e)
    const [request] = requestsTo(p)
    expect(request!.headers['x-mlops-signature']).toBeUndefined()
    expect(request!.headers['x-mlops-event-id']).toBe(e.id)
  })

  it('user info in the URL is sent as HTTP basic auth', async () => {
    const p = path('basic')
    await new WebhookNotifier({ url: `${receiver.url.replace('http://', 'http://ops:p%40ss@')}${p}` }).send(event())
    expect(requestsTo(p)[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:p@ss').toString('base64')}`)
  })

  it('slack format: a readable one-line text plus blocks, escaped for mrkdwn', async () => {
    const p = path('slack')
    const e = event()
    await notifier(p, { format: 'slack' }).send(e)
    const body = JSON.parse(requestsTo(p)[0]!.body) as { text: string; blocks: { type: string; fields?: { text: string }[]; elements?: { text: string }[] }[] }
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text'])
    expect(body.text).toBe('[mlops] run.failed: pipeline=train, runId=run-42, status=failed, error=step "fit" failed: &lt;loss&gt; = NaN, rows=1200')
    expect(body.text).not.toContain('\n')
    expect(body.blocks[0]!.type).toBe('section')
    expect(body.blocks[0]!.fields!.map((f) => f.text)).toContain('*pipeline*\ntrain')
    expect(body.blocks[1]!.elements![0]!.text).toContain(e.id)
  })

  it('retries a 503 and succeeds, re-signing each attempt with the same event id', async () => {
    const p = path('flaky')
    receiver.on(p, (n, res) => (n === 1 ? res.writeHead(503).end('overloaded') : res.writeHead(200).end('ok')))
    const e = event()
    await notifier(p).send(e)
    const requests = requestsTo(p)
    expect(requests).toHaveLength(2)
    for (const r of requests) {
      expect(r.headers['x-mlops-event-id']).toBe(e.id)
      expect(verifyWebhookSignature(SECRET, r.headers['x-mlops-timestamp'], r.body, r.headers['x-mlops-signature'])).toBe(true)
    }
  })

  it('honours Retry-After on a 429, and gives up at once when it asks for longer than maxRetryAfterMs', async () => {
    const p = path('limited')
    receiver.on(p, (n, res) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(202).end()))
    await notifier(p).send(event())
    const [first, second] = requestsTo(p)
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)

    const q = path('limited-long')
    receiver.on(q, (_n, res) => res.writeHead(429, { 'retry-after': '3600' }).end())
    const started = Date.now()
    const error = await caught(() => notifier(q).send(event()))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error.code).toBe('MLOPS_WEBHOOK_DELIVERY_FAILED')
    expect(error.message).toMatch(/HTTP 429.*retry after 3600 s/)
    expect(requestsTo(q)).toHaveLength(1)
  })

  it('a 400 is final: no retry, and the error names URL, status and the response', async () => {
    const p = path('bad')
    receiver.on(p, (_n, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown event type'))
    const e = event()
    const error = await caught(() => notifier(p).send(e))
    expect(requestsTo(p)).toHaveLength(1)
    expect(error.code).toBe('MLOPS_WEBHOOK_DELIVERY_FAILED')
    expect(error.message).toBe(`Could not deliver event ${e.id} to ${receiver.url}${p} after 1 attempt: HTTP 400, Bad Request: unknown event type`)
    expect(error.hint).toMatch(/not retried/)

    const r = path('redirect')
    receiver.on(r, (_n, res) => res.writeHead(302, { location: '/elsewhere?token=abc' }).end())
    const redirected = await caught(() => notifier(r).send(event()))
    expect(redirected.message).toMatch(/HTTP 302, redirected to http:\/\/127\.0\.0\.1:\d+\/elsewhere\?…; configure the final URL/)
    expect(requestsTo(r)).toHaveLength(1)

    // 408 and 5xx are retried up to `attempts`.
    const t = path('gone')
    receiver.on(t, (n, res) => res.writeHead(n % 2 ? 408 : 500).end())
    expect((await caught(() => notifier(t).send(event()))).message).toMatch(/after 4 attempts: HTTP 500/)
    expect(requestsTo(t)).toHaveLength(4)
  })

  it('an unreachable URL fails after the retries with an error that hides tokens in the URL', async () => {
    const port = await closedPort()
    const url = `http://user:pw@127.0.0.1:${port}/hooks/T0001/B0002/abcDEF0123456789xyz?token=supersecret`
    const started = Date.now()
    const error = await caught(() => new WebhookNotifier({ url, retry: { attempts: 3, baseDelayMs: 20 } }).send(event()))
    expect(Date.now() - started).toBeGreaterThanOrEqual(20) // two backoffs of at least 10 and 20 ms
    expect(error.code).toBe('MLOPS_WEBHOOK_DELIVERY_FAILED')
    expect(error.message).toContain(`http://127.0.0.1:${port}/hooks/T0001/B0002/…?…`)
    expect(error.message).toMatch(/after 3 attempts: .*ECONNREFUSED/)
    for (const secret of ['supersecret', 'abcDEF0123456789xyz', 'pw@']) expect(error.message).not.toContain(secret)
    const health = await new WebhookNotifier({ url }).check()
    expect(health.ok).toBe(false)
    expect(health.detail).not.toContain('supersecret')
  })

  it('each attempt has its own timeout', async () => {
    const p = path('slow')
    receiver.on(p, (_n, res) => setTimeout(() => res.writeHead(200).end(), 400))
    const error = await caught(() => notifier(p, { timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 10 } }).send(event()))
    expect(error.message).toMatch(/after 2 attempts: no response within 100 ms/)
    expect(requestsTo(p)).toHaveLength(2)
  })

  it('an invalid event is rejected before any request', async () => {
    const p = path('invalid')
    for (const bad of [{ ...event(), id: '' }, { ...event(), payload: null }, null]) {
      expect((await caught(() => notifier(p).send(bad as NotificationEvent))).code).toBe('MLOPS_INPUT_INVALID')
    }
    expect(requestsTo(p)).toHaveLength(0)
  })

  it('helpers: Retry-After as seconds or a date; URLs without secrets', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('7', now)).toBe(7000)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(redactUrl('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')).toBe('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')
    expect(redactUrl('https://hooks.slack.com/services/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')).toBe('https://hooks.slack.com/services/T024BE7LD/B01ABC23DEF/…')
    expect(redactUrl('https://ops.example.com/hooks/mlops?key=1')).toBe('https://ops.example.com/hooks/mlops?…')
  })

  describe('the plugin', () => {
    const ctx = (env: Record<string, string>): PluginContext => ({
      root: '/project',
      dataDir: '/project/.mlops',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      env,
    })

    it('reads URL and secret from the environment and provides a named notifier', async () => {
      const p = path('plugin')
      const { notifier: n } = await setupPlugin(
        notifyWebhook({ name: 'ops-hook', urlEnv: 'OPS_HOOK_URL', secretEnv: 'OPS_HOOK_SECRET', retry: { attempts: 1 } }),
        'mlops.config.ts: plugins[1]',
        ctx({ OPS_HOOK_URL: `${receiver.url}${p}`, OPS_HOOK_SECRET: 'from-env' }),
      )
      expect(n!.name).toBe('ops-hook')
      await n!.send(event())
      const [r] = requestsTo(p)
      expect(verifyWebhookSignature('from-env', r!.headers['x-mlops-timestamp'], r!.body, r!.headers['x-mlops-signature'])).toBe(true)
      expect(await n!.check!()).toMatchObject({ ok: true })
    })

    it('names a missing environment variable and rejects contradictory options', async () => {
      const missing = await caught(() => setupPlugin(notifyWebhook({ url: receiver.url, secretEnv: 'NOT_SET_ANYWHERE' }), 'mlops.config.ts: plugins[1]', ctx({})))
      expect(missing.code).toBe('MLOPS_WEBHOOK_ENV_MISSING')
      expect(missing.message).toContain('NOT_SET_ANYWHERE')
      const both = await caught(() => setupPlugin(notifyWebhook({ url: receiver.url, urlEnv: 'X' }), 'mlops.config.ts: plugins[1]', ctx({ X: receiver.url })))
      expect(both.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
      expect(both.message).toMatch(/exactly one of `url` and `urlEnv`/)
      const ftp = await caught(() => setupPlugin(notifyWebhook({ url: 'ftp://example.com/x' }), 'mlops.config.ts: plugins[1]', ctx({})))
      expect(ftp.message).toMatch(/url.*http/)
      const badEnvUrl = await caught(() => setupPlugin(notifyWebhook({ urlEnv: 'U' }), 'mlops.config.ts: plugins[1]', ctx({ U: 'not a url with-secret' })))
      expect(badEnvUrl.code).toBe('MLOPS_INPUT_INVALID')
      expect(badEnvUrl.message).not.toContain('with-secret')
    })
  })
})

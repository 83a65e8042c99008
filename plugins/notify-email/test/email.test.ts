import { setupPlugin, serializeError } from '@mlops/core'
import type { NotificationEvent, PluginContext } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmailNotifier, notifyEmail } from '../src/index.js'
import type { EmailNotifierOptions } from '../src/index.js'
import { closedPort, startSmtp } from './smtp.js'
import type { RunningSmtp } from './smtp.js'

const PASSWORD = 'correct-horse-battery-staple'
let open: RunningSmtp
let authed: RunningSmtp
let seq = 0
beforeAll(async () => {
  open = await startSmtp({
    // A 451 on the first RCPT for retry@, a permanent 550 for nobody@.
    onRecipient: (address) =>
      address === 'nobody@example.com'
        ? Object.assign(new Error('No such user here'), { responseCode: 550 })
        : address.startsWith('retry-') && !retried.has(address)
          ? (retried.add(address), Object.assign(new Error('Greylisted, try again later'), { responseCode: 451 }))
          : undefined,
  })
  authed = await startSmtp({ auth: { user: 'mlops', pass: PASSWORD } })
})
afterAll(async () => {
  await open.close()
  await authed.close()
})
const retried = new Set<string>()

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: `evt-${process.pid}-${seq++}`,
    type: 'run.failed',
    createdAt: '2025-01-02T03:04:05.000Z',
    payload: { pipeline: 'train', runId: 'run-42', status: 'failed', error: { message: 'step "fit" failed: <loss> = NaN' }, metrics: { auc: 0.91 } },
    ...overrides,
  }
}

function notifier(server: RunningSmtp, options: Partial<EmailNotifierOptions> = {}): EmailNotifier {
  return new EmailNotifier({
    host: server.host,
    port: server.port,
    secure: false,
    ignoreTLS: true,
    from: 'ML Ops <mlops@example.com>',
    to: ['ml-team@example.com', 'oncall@example.com'],
    retry: { attempts: 3, baseDelayMs: 20 },
    ...options,
  })
}

const mailFor = (server: RunningSmtp, id: string) => server.mails.filter((m) => m.parsed.headers.get('x-mlops-event-id') === id)

async function caught(action: () => Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code?: string; hint?: string }
  }
  throw new Error('expected a rejection')
}

describe('@mlops/notify-email', () => {
  it('sends one message with the key facts in the subject, a text and an HTML body, and the event id header', async () => {
    const e = event()
    const n = notifier(open)
    await n.send(e)
    const [mail] = mailFor(open, e.id)
    expect(mail!.envelope).toEqual({ from: 'mlops@example.com', to: ['ml-team@example.com', 'oncall@example.com'] })
    const parsed = mail!.parsed
    expect(parsed.subject).toBe('[mlops] run.failed: pipeline=train, runId=run-42, status=failed, error=step "fit" failed: <loss> = NaN')
    expect(parsed.from?.text).toBe('"ML Ops" <mlops@example.com>')
    expect(parsed.headers.get('x-mlops-event-type')).toBe('run.failed')
    expect(parsed.messageId).toMatch(/^<mlops-[0-9a-f]{32}@example\.com>$/)
    expect(parsed.text).toContain(`id:         ${e.id}`)
    expect(parsed.text).toContain('"auc": 0.91')
    expect(parsed.html).toContain('<h2 style="font-size:16px;margin:0 0 8px">run.failed</h2>')
    expect(parsed.html).toContain('step &quot;fit&quot; failed: &lt;loss&gt; = NaN')
    expect(parsed.html).not.toContain('<loss>')
    await n.close()
  })

  it('a redelivered event keeps its id header and Message-ID, so receivers can drop the duplicate', async () => {
    const e = event({ type: 'model.promoted', payload: { model: 'churn', version: '7', alias: 'production' } })
    const n = notifier(open)
    await n.send(e)
    await n.send(structuredClone(e))
    const mails = mailFor(open, e.id)
    expect(mails).toHaveLength(2)
    expect(new Set(mails.map((m) => m.parsed.messageId)).size).toBe(1)
    expect(mails[0]!.parsed.subject).toBe('[mlops] model.promoted: model=churn, version=7, alias=production')
    expect(notifier(open).message(event()).messageId).not.toBe(mails[0]!.parsed.messageId)
  })

  it('logs in with the password, and a refused login is a clear error without the password and without retries', async () => {
    const e = event()
    await notifier(authed, { user: 'mlops', password: PASSWORD }).send(e)
    expect(mailFor(authed, e.id)[0]!.user).toBe('mlops')

    const before = authed.authAttempts.length
    const wrong = 'not-the-password-123'
    const error = await caught(() => notifier(authed, { user: 'mlops', password: wrong, passwordEnv: 'SMTP_PASSWORD' }).send(event()))
    expect(error.code).toBe('MLOPS_EMAIL_AUTH_FAILED')
    expect(error.message).toContain(`${authed.host}:${authed.port}`)
    expect(error.message).toContain('"mlops"')
    expect(error.message).toMatch(/535/)
    expect(error.hint).toContain('SMTP_PASSWORD')
    expect(JSON.stringify(serializeError(error))).not.toContain(wrong)
    expect(authed.authAttempts.length - before).toBe(1)

    const health = await notifier(authed, { user: 'mlops', password: wrong }).check()
    expect(health.ok).toBe(false)
    expect(health.detail).toMatch(/refused the login of "mlops"/)
    expect(await notifier(authed, { user: 'mlops', password: PASSWORD }).check()).toEqual({ ok: true, detail: `SMTP ${authed.host}:${authed.port} (login as mlops accepted)` })
  })

  it('an unreachable SMTP server fails after the retries with an error naming host:port', async () => {
    const port = await closedPort()
    const started = Date.now()
    const error = await caught(() => notifier(open, { port }).send(event()))
    expect(Date.now() - started).toBeGreaterThanOrEqual(30) // backoffs of ≥ 10 and ≥ 20 ms
    expect(error.code).toBe('MLOPS_EMAIL_DELIVERY_FAILED')
    expect(error.message).toMatch(new RegExp(`SMTP server 127\\.0\\.0\\.1:${port} after 3 attempts: .*ECONNREFUSED`))
    expect(error.hint).toMatch(/host.*port/)
    expect((await notifier(open, { port }).check()).ok).toBe(false)
  })

  it('a temporary 4xx reply is retried; a permanent 5xx reply is final', async () => {
    const e = event()
    const greylisted = `retry-${seq}@example.com`
    await notifier(open, { to: [greylisted] }).send(e)
    expect(retried.has(greylisted)).toBe(true) // the first attempt got the 451
    expect(mailFor(open, e.id)).toHaveLength(1)

    // Some recipients refused, others accepted: delivered (no retry that would duplicate it), with a warning.
    const warnings: string[] = []
    const partly = event()
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} }
    await notifier(open, { to: ['nobody@example.com', 'ml-team@example.com'], logger }).send(partly)
    expect(mailFor(open, partly.id).map((m) => m.envelope.to)).toEqual([['ml-team@example.com']])
    expect(warnings).toEqual([expect.stringContaining(`refused some recipients of event ${partly.id}`)])

    const bounced = event()
    const error = await caught(() => notifier(open, { to: ['nobody@example.com'] }).send(bounced))
    expect(error.code).toBe('MLOPS_EMAIL_DELIVERY_FAILED')
    expect(error.message).toMatch(/after 1 attempt: .*550 No such user here/)
    expect(error.hint).toMatch(/not retried/)
    expect(mailFor(open, bounced.id)).toHaveLength(0)
  })

  it('an invalid event is rejected before connecting', async () => {
    const before = open.mails.length
    for (const bad of [{ ...event(), id: '' }, { ...event(), payload: [] }, undefined]) {
      expect((await caught(() => notifier(open).send(bad as unknown as NotificationEvent))).code).toBe('MLOPS_INPUT_INVALID')
    }
    expect(open.mails.length).toBe(before)
  })

  describe('the plugin', () => {
    const ctx = (env: Record<string, string>): PluginContext => ({
      root: '/project',
      dataDir: '/project/.mlops',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      env,
    })
    const base = () => ({ host: authed.host, port: authed.port, secure: false, ignoreTLS: true, from: 'mlops@example.com', to: ['ml-team@example.com'] })

    it('reads the password from the environment variable named by passwordEnv', async () => {
      const { notifier: n } = await setupPlugin(
        notifyEmail({ ...base(), name: 'team-mail', user: 'mlops', passwordEnv: 'SMTP_PASSWORD', subjectPrefix: '[churn]' }),
        'mlops.config.ts: plugins[2]',
        ctx({ SMTP_PASSWORD: PASSWORD }),
      )
      expect(n!.name).toBe('team-mail')
      const e = event({ type: 'drift.detected', payload: { monitor: 'churn-inputs', shareOfDriftedColumns: 0.4, datasetDrift: true } })
      await n!.send(e)
      expect(mailFor(authed, e.id)[0]!.parsed.subject).toBe('[churn] drift.detected: monitor=churn-inputs, datasetDrift=true, shareOfDriftedColumns=0.4')
      await n!.close?.()
    })

    it('names a missing environment variable and rejects bad options', async () => {
      const missing = await caught(() => setupPlugin(notifyEmail({ ...base(), user: 'mlops', passwordEnv: 'NOT_SET_ANYWHERE' }), 'mlops.config.ts: plugins[2]', ctx({})))
      expect(missing.code).toBe('MLOPS_EMAIL_ENV_MISSING')
      expect(missing.message).toContain('NOT_SET_ANYWHERE')
      const noUser = await caught(() => setupPlugin(notifyEmail({ ...base(), passwordEnv: 'SMTP_PASSWORD' }), 'mlops.config.ts: plugins[2]', ctx({ SMTP_PASSWORD: 'x' })))
      expect(noUser.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
      expect(noUser.message).toMatch(/passwordEnv/)
      const badTo = await caught(() => setupPlugin(notifyEmail({ ...base(), to: ['not an address'] }), 'mlops.config.ts: plugins[2]', ctx({})))
      expect(badTo.message).toMatch(/to.*e-mail address/)
      const noTo = await caught(() => setupPlugin(notifyEmail({ ...base(), to: [] }), 'mlops.config.ts: plugins[2]', ctx({})))
      expect(noTo.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    })
  })
})

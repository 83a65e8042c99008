import { setTimeout as sleep } from 'node:timers/promises'
import { createHash } from 'node:crypto'
import { assertNotificationEvent, errors, mlopsError } from '@mlops/core'
import type { CallOptions, HealthCheckResult, Logger, NotificationEvent, Notifier } from '@mlops/core'
import { createTransport } from 'nodemailer'
import type { SendMailOptions, Transporter } from 'nodemailer'
import { EmailAuthFailed, EmailDeliveryFailed } from './errors.js'
import { summarizeEvent } from './summary.js'

export interface EmailRetryOptions {
  /** Attempts in all, the first included. Default 3. */
  attempts?: number
  /** Backoff before the second attempt; doubles each time, with jitter. Default 1 s. */
  baseDelayMs?: number
  /** Longest backoff. Default 30 s. */
  maxDelayMs?: number
}

export interface EmailNotifierOptions {
  /** The notifier's name (the outbox channel). Default `email`. */
  name?: string
  host: string
  /** Default 465 when `secure`, else 587. */
  port?: number
  /** Implicit TLS from the first byte (port 465). Default: true on port 465. Other ports upgrade with STARTTLS when offered. */
  secure?: boolean
  /** Refuse to send unless the server upgrades to TLS with STARTTLS. */
  requireTLS?: boolean
  /** Never upgrade with STARTTLS (local relays, test servers). */
  ignoreTLS?: boolean
  /** `"mlops <mlops@example.com>"` or `mlops@example.com`. */
  from: string
  to: string[]
  /** Default `[mlops]`. */
  subjectPrefix?: string
  user?: string
  password?: string
  /** Name of the environment variable the password came from, for error hints. */
  passwordEnv?: string
  /** Connection, greeting and socket inactivity timeout. Default 10 s. */
  timeoutMs?: number
  retry?: EmailRetryOptions
  /** Told about recipients the server refused while others accepted the message. */
  logger?: Logger
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string; command?: string }

/**
 * Sends each event as one e-mail (plain text and a small HTML part) over SMTP with nodemailer. The
 * `X-Mlops-Event-Id` header and a Message-ID derived from the event id let receivers and mail clients
 * drop duplicates. Connection failures, timeouts and 4xx SMTP replies are retried with backoff; a
 * refused login or a 5xx reply is final.
 */
export class EmailNotifier implements Notifier {
  readonly name: string
  /** `host:port`, for messages. */
  readonly server: string
  readonly #transporter: Transporter
  readonly #from: string
  readonly #to: string[]
  readonly #subjectPrefix: string
  readonly #user: string | undefined
  readonly #password: string | undefined
  readonly #passwordEnv: string | undefined
  readonly #attempts: number
  readonly #baseDelayMs: number
  readonly #maxDelayMs: number
  readonly #logger: Logger | undefined
  #closed = false

  constructor(options: EmailNotifierOptions) {
    const secure = options.secure ?? options.port === 465
    const port = options.port ?? (secure ? 465 : 587)
    this.name = options.name ?? 'email'
    this.server = `${options.host}:${port}`
    this.#from = options.from
    this.#to = [...options.to]
    this.#subjectPrefix = options.subjectPrefix ?? '[mlops]'
    this.#user = options.user
    this.#password = options.password
    this.#passwordEnv = options.passwordEnv
    this.#attempts = Math.max(1, options.retry?.attempts ?? 3)
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 1000
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 30_000
    this.#logger = options.logger
    const timeoutMs = options.timeoutMs ?? 10_000
    this.#transporter = createTransport({
      host: options.host,
      port,
      secure,
      requireTLS: options.requireTLS ?? false,
      ignoreTLS: options.ignoreTLS ?? false,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // Messages are built from event data: never let a value pull in a local file or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
      ...(options.user !== undefined ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
    })
  }

  async send(event: NotificationEvent, options?: CallOptions): Promise<void> {
    this.#assertOpen()
    const signal = options?.signal
    signal?.throwIfAborted()
    assertNotificationEvent(event)
    const message = this.message(event)
    for (let attempt = 1; ; attempt++) {
      try {
        const info = (await abortable(this.#transporter.sendMail(message), signal)) as { rejected?: unknown[] }
        // Delivered to some recipients: a retry would repeat it for them and fail again for the others.
        if (info.rejected?.length) {
          this.#logger?.warn(`${this.server} refused some recipients of event ${event.id}; the others got it`, { rejected: info.rejected.map(String) })
        }
        return
      } catch (error) {
        if (signal?.aborted) throw signal.reason
        const smtp = error as SmtpError
        if (isAuthFailure(smtp)) {
          throw mlopsError(EmailAuthFailed, [this.server, this.#user ?? '(no user)', this.#reason(smtp), this.#passwordEnv], { cause: this.#cause(smtp) })
        }
        const permanent = isPermanent(smtp)
        if (permanent || attempt >= this.#attempts) {
          throw mlopsError(EmailDeliveryFailed, [this.server, event.id, attempt, this.#reason(smtp), permanent], { cause: this.#cause(smtp) })
        }
      }
      await sleep(this.#backoffMs(attempt), undefined, { signal }).catch(() => signal!.throwIfAborted())
    }
  }

  /** The message nodemailer sends for `event` (exposed for previews and tests). */
  message(event: NotificationEvent): SendMailOptions {
    const summary = summarizeEvent({ ...event, type: oneLine(event.type) })
    return {
      from: this.#from,
      to: this.#to,
      subject: truncate(`${this.#subjectPrefix ? `${this.#subjectPrefix} ` : ''}${summary}`, 200),
      // The same event always gets the same Message-ID, so mail clients fold redeliveries into one.
      messageId: `<mlops-${createHash('sha256').update(event.id).digest('hex').slice(0, 32)}@${domainOf(this.#from)}>`,
      headers: { 'X-Mlops-Event-Id': event.id, 'X-Mlops-Event-Type': oneLine(event.type) },
      text: renderText(event, summary),
      html: renderHtml(event, summary),
    }
  }

  /** Connects, greets and logs in (when a user is configured): the same round-trip a send makes, without sending. */
  async check(options?: CallOptions): Promise<HealthCheckResult> {
    try {
      await abortable(this.#transporter.verify(), options?.signal)
      return { ok: true, detail: `SMTP ${this.server}${this.#user ? ` (login as ${this.#user} accepted)` : ''}` }
    } catch (error) {
      const smtp = error as SmtpError
      const what = isAuthFailure(smtp) ? `refused the login of "${this.#user}"` : 'is not usable'
      return { ok: false, detail: `SMTP ${this.server} ${what}: ${this.#reason(smtp)}` }
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#transporter.close()
  }

  #reason(error: SmtpError): string {
    let text = error.message || error.name
    if (error.code && !text.includes(error.code)) text = `${error.code}: ${text}`
    text = text.replace(/\s+/g, ' ').trim()
    if (this.#password && this.#password.length >= 3) text = text.split(this.#password).join('***')
    return text
  }

  /** Without nodemailer's connection objects (which hold the credentials). */
  #cause(error: SmtpError): Error {
    const cause = new Error(this.#reason(error))
    cause.name = error.name
    if (error.code) (cause as SmtpError).code = error.code
    if (error.responseCode) (cause as SmtpError).responseCode = error.responseCode
    return cause
  }

  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1))
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`The e-mail notifier "${this.name}" is closed; create a new one.`)
  }
}

function isAuthFailure(error: SmtpError): boolean {
  return error.code === 'EAUTH' || error.responseCode === 535 || error.responseCode === 534
}

/** A 5xx reply to the envelope or the message: the server will refuse it again. */
function isPermanent(error: SmtpError): boolean {
  return typeof error.responseCode === 'number' && error.responseCode >= 500 && error.responseCode < 600
}

function renderText(event: NotificationEvent, summary: string): string {
  return [
    summary,
    '',
    `event:      ${event.type}`,
    `id:         ${event.id}`,
    `created at: ${event.createdAt}`,
    '',
    'payload:',
    JSON.stringify(event.payload, null, 2),
    '',
    '-- ',
    'Sent by mlops. Receivers deduplicate by the X-Mlops-Event-Id header.',
    '',
  ].join('\n')
}

function renderHtml(event: NotificationEvent, summary: string): string {
  const rows = Object.entries(event.payload)
    .map(([key, value]) => {
      const cell = typeof value === 'string' ? escapeHtml(value) : `<code>${escapeHtml(JSON.stringify(value) ?? String(value))}</code>`
      return `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${escapeHtml(key)}</th><td style="padding:2px 0;white-space:pre-wrap">${cell}</td></tr>`
    })
    .join('\n')
  return `<!doctype html>
<html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222">
<h2 style="font-size:16px;margin:0 0 8px">${escapeHtml(event.type)}</h2>
<p style="margin:0 0 12px">${escapeHtml(summary)}</p>
<table style="border-collapse:collapse">
${rows}
</table>
<p style="color:#777;font-size:12px;margin-top:16px">mlops event <code>${escapeHtml(event.id)}</code> · ${escapeHtml(event.createdAt)}</p>
</body></html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The domain of the sender, for Message-IDs (`"mlops <ml@example.com>"` → `example.com`). */
function domainOf(address: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address)
  return match?.[1] ?? 'mlops.invalid'
}


/**
 * nodemailer takes no AbortSignal: an abort rejects at once, and an SMTP dialogue already past DATA
 * may still complete (delivery is at least once; receivers deduplicate by event id).
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) {
      onAbort()
      promise.catch(() => undefined)
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

import { setTimeout as sleep } from 'node:timers/promises'
import { assertNotificationEvent, errors, mlopsError } from '@mlops/core'
import type { CallOptions, HealthCheckResult, NotificationEvent, Notifier } from '@mlops/core'
import { WebhookDeliveryFailed } from './errors.js'
import { signWebhookPayload } from './signature.js'
import { keyFacts, summarizeEvent } from './summary.js'

export type WebhookFormat = 'json' | 'slack'

export interface WebhookRetryOptions {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number
  /** Backoff before the second attempt; doubles each time, with jitter. Default 500 ms. */
  baseDelayMs?: number
  /** Longest backoff between two attempts. Default 30 s. */
  maxDelayMs?: number
  /**
   * Longest `Retry-After` honoured within one send. A receiver asking for more ends the send at once
   * (the outbox retries later). Default 60 s.
   */
  maxRetryAfterMs?: number
}

export interface WebhookNotifierOptions {
  /** The notifier's name (the outbox channel). Default `webhook`. */
  name?: string
  url: string
  /** HMAC-SHA256 key for `X-Mlops-Signature`; without it requests are unsigned. */
  secret?: string
  /** `json`: `{ id, type, createdAt, payload }`; `slack`: a Slack incoming-webhook message. Default `json`. */
  format?: WebhookFormat
  /** Extra request headers (e.g. an API key header the receiver wants). */
  headers?: Record<string, string>
  /** Per-attempt timeout, response included. Default 10 s. */
  timeoutMs?: number
  retry?: WebhookRetryOptions
}

type AttemptOutcome =
  | { ok: true }
  | { ok: false; status: number | null; reason: string; retryable: boolean; retryAfterMs?: number }

const USER_AGENT = 'mlops-notify-webhook/0.1'
const MAX_REASON_CHARS = 300

/**
 * Delivers one event per `send` as an HTTP POST, retrying network errors, timeouts, 5xx, 408 and 429
 * with exponential backoff and jitter (honouring `Retry-After`). Other 4xx and redirects are final.
 * Each attempt is signed afresh: `X-Mlops-Timestamp` (seconds) and `X-Mlops-Signature:
 * sha256=HMAC(secret, timestamp + '.' + body)`; `X-Mlops-Event-Id` lets receivers deduplicate.
 */
export class WebhookNotifier implements Notifier {
  readonly name: string
  readonly format: WebhookFormat
  /** The URL without credentials, query or token-like path segments: safe for messages and logs. */
  readonly displayUrl: string
  readonly #url: string
  /** Strings that must never reach a message: the raw URL forms and the secret. */
  readonly #secrets: string[]
  readonly #secret: string | undefined
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  readonly #attempts: number
  readonly #baseDelayMs: number
  readonly #maxDelayMs: number
  readonly #maxRetryAfterMs: number

  constructor(options: WebhookNotifierOptions) {
    const url = new URL(options.url)
    this.#headers = { ...options.headers }
    // fetch refuses URLs with user info: send it as HTTP basic auth, as curl does.
    if (url.username || url.password) {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      this.#headers.authorization ??= `Basic ${Buffer.from(credentials).toString('base64')}`
      url.username = ''
      url.password = ''
    }
    this.#url = url.href
    this.displayUrl = redactUrl(options.url)
    this.name = options.name ?? 'webhook'
    this.format = options.format ?? 'json'
    this.#secret = options.secret || undefined
    this.#secrets = [options.url, this.#url, url.search, ...url.pathname.split('/').filter(isTokenLike), this.#secret ?? '']
      .filter((s) => s.length >= 4)
      .sort((a, b) => b.length - a.length)
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#attempts = Math.max(1, options.retry?.attempts ?? 5)
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 500
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 30_000
    this.#maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 60_000
  }

  async send(event: NotificationEvent, options?: CallOptions): Promise<void> {
    const signal = options?.signal
    signal?.throwIfAborted()
    assertNotificationEvent(event)
    const body = JSON.stringify(this.format === 'slack' ? slackMessage(event) : { id: event.id, type: event.type, createdAt: event.createdAt, payload: event.payload })
    let attempt = 0
    for (;;) {
      attempt++
      const outcome = await this.#attempt(event, body, signal)
      if (outcome.ok) return
      let reason = outcome.reason
      let final = !outcome.retryable || attempt >= this.#attempts
      if (!final && outcome.retryAfterMs !== undefined && outcome.retryAfterMs > this.#maxRetryAfterMs) {
        reason += ` (the receiver asked to retry after ${Math.ceil(outcome.retryAfterMs / 1000)} s, more than maxRetryAfterMs)`
        final = true
      }
      if (final) throw mlopsError(WebhookDeliveryFailed, [this.displayUrl, event.id, attempt, outcome.status, this.#scrub(reason)])
      await sleep(outcome.retryAfterMs ?? this.#backoffMs(attempt), undefined, { signal }).catch(() => signal!.throwIfAborted())
    }
  }

  /** A HEAD request: any HTTP answer below 500 proves the receiver is up (many answer HEAD with 404/405). */
  async check(options?: CallOptions): Promise<HealthCheckResult> {
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    try {
      const response = await fetch(this.#url, {
        method: 'HEAD',
        headers: { 'user-agent': USER_AGENT },
        redirect: 'manual',
        signal: options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      })
      await response.body?.cancel().catch(() => undefined)
      const ok = response.status < 500
      return { ok, detail: `${this.displayUrl} answered HTTP ${response.status}${ok ? '' : ': the receiver is failing'}` }
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : this.#scrub(networkReason(error))
      return { ok: false, detail: `${this.displayUrl} is unreachable: ${reason}` }
    }
  }

  async close(): Promise<void> {}

  /** Replaces the raw URL (longest forms first), its token-like parts and the secret with safe text. */
  #scrub(text: string): string {
    let result = text
    for (const secret of this.#secrets) result = result.split(secret).join(secret.startsWith('http') ? this.displayUrl : '…')
    return result
  }

  async #attempt(event: NotificationEvent, body: string, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    const timestamp = String(Math.floor(Date.now() / 1000))
    const headers: Record<string, string> = {
      ...this.#headers,
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      'x-mlops-event-id': event.id,
      'x-mlops-event-type': event.type,
      'x-mlops-timestamp': timestamp,
    }
    if (this.#secret !== undefined) headers['x-mlops-signature'] = signWebhookPayload(this.#secret, timestamp, body)
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    try {
      const response = await fetch(this.#url, {
        method: 'POST',
        headers,
        body,
        // A redirected POST would silently become a GET elsewhere: report it instead.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
      const text = await readSnippet(response)
      const status = response.status
      if (status >= 200 && status < 300) return { ok: true }
      if (status >= 300 && status < 400) {
        const location = response.headers.get('location')
        return { ok: false, status, retryable: false, reason: `redirected${location ? ` to ${redactUrl(new URL(location, this.#url).href)}` : ''}; configure the final URL` }
      }
      const retryable = status >= 500 || status === 408 || status === 429
      const reason = `${response.statusText || 'error'}${text ? `: ${text}` : ''}`
      const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined
      return retryAfterMs === undefined ? { ok: false, status, retryable, reason } : { ok: false, status, retryable, reason, retryAfterMs }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (timeout.aborted) return { ok: false, status: null, retryable: true, reason: `no response within ${this.#timeoutMs} ms` }
      return { ok: false, status: null, retryable: true, reason: networkReason(error) }
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of base × 2^(attempt−1), capped. */
  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1))
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }
}

/** The Slack incoming-webhook message: `text` is the one-line summary (also the notification preview). */
export function slackMessage(event: NotificationEvent): { text: string; blocks: unknown[] } {
  const facts = keyFacts(event.payload ?? {})
  const fields = facts.map(([key, value]) => ({ type: 'mrkdwn', text: `*${escapeSlack(key)}*\n${escapeSlack(value)}` }))
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(event.type)}*` }, ...(fields.length ? { fields: fields.slice(0, 10) } : {}) }]
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `mlops event \`${escapeSlack(event.id)}\` · ${escapeSlack(event.createdAt)}` }] })
  return { text: escapeSlack(`[mlops] ${summarizeEvent(event)}`), blocks }
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * `https://hooks.slack.com/services/T0/B0/xyz…?token=…` → `https://hooks.slack.com/services/T0/B0/…?…`:
 * no user info, no query, and path segments that look like tokens (16+ characters mixing letters and
 * digits) hidden, so error messages and logs never carry a webhook's secret.
 */
export function redactUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return '(invalid URL)'
  }
  const path = url.pathname
    .split('/')
    .map((segment) => (isTokenLike(segment) ? '…' : segment))
    .join('/')
  return `${url.protocol}//${url.host}${path}${url.search ? '?…' : ''}`
}

function isTokenLike(segment: string): boolean {
  return segment.length >= 16 && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment)
}


/** `Retry-After` in seconds or as an HTTP date, in ms (never negative); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Up to a few hundred characters of the response body, for the error message; the rest is discarded. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < MAX_REASON_CHARS) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_REASON_CHARS ? `${oneLine.slice(0, MAX_REASON_CHARS)}…` : oneLine
}

/** undici's `fetch failed` hides the useful part in `cause` (`connect ECONNREFUSED 127.0.0.1:9`). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause
  const detail = cause instanceof Error ? cause : error instanceof Error ? error : undefined
  if (!detail) return String(error)
  const code = (detail as { code?: unknown }).code
  const message = detail.message || detail.name
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
}

import { appendFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { definePlugin, errors, mlopsError } from '@mlops/core'
import type { CallOptions, ErrorData, HealthCheckResult, NotificationEvent, Notifier } from '@mlops/core'
import { z } from 'zod'
import { version } from './version.js'

export const __FACTORY__Options = z
  .object({
    /** Append each event as one JSON line to this file (relative to the project root). */
    file: z.string().min(1).optional(),
    /** POST each event as JSON to this URL instead. */
    url: z.url().optional(),
    /** Extra request headers for `url` (e.g. an authorization header read from the environment). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Give up on a request after this many milliseconds. */
    timeoutMs: z.int().min(1).default(10_000),
  })
  .refine((o) => !(o.file && o.url), { message: 'set either file or url, not both' })

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

const EventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  createdAt: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
})

/** This plugin's user-facing error, in @mlops/core's catalogue form: what, where, how to fix, exit code. */
export const NotifyFailed = {
  code: 'MLOPS_NOTIFY_FAILED',
  title: 'A notification could not be delivered.',
  message: (event: string, url: string, reason: string) => `Event ${event} could not be posted to ${url}: ${reason}`,
  hint: 'Check that the URL is right and the receiver is up; the outbox retries the delivery later.',
  exit: 1,
} satisfies ErrorData<[string, string, string]>

/** Throws MLOPS_INPUT_INVALID naming the bad field when `event` is not a NotificationEvent. */
function checkEvent(event: unknown): NotificationEvent {
  const parsed = EventSchema.safeParse(event)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw mlopsError(errors.InputInvalid, [`notification event${issue.path.length ? ` › ${issue.path.join('.')}` : ''}`, issue.message])
  }
  return parsed.data
}

/** Appends events as JSON lines: one `appendFile` per event, so concurrent sends never interleave a line. */
export class FileNotifier implements Notifier {
  readonly name = '__PACKAGE_NAME__'
  constructor(readonly file: string) {}

  async send(event: NotificationEvent, options: CallOptions = {}): Promise<void> {
    const checked = checkEvent(event)
    options.signal?.throwIfAborted()
    await mkdir(dirname(this.file), { recursive: true })
    await appendFile(this.file, `${JSON.stringify(checked)}\n`)
  }

  async check(): Promise<HealthCheckResult> {
    try {
      await mkdir(dirname(this.file), { recursive: true })
      await appendFile(this.file, '')
      return { ok: true, detail: `appends to ${this.file}` }
    } catch (error) {
      return { ok: false, detail: `cannot write ${this.file}: ${(error as Error).message}` }
    }
  }
}

/** POSTs each event as JSON; a non-2xx answer or a network error rejects (the outbox retries it). */
export class HttpNotifier implements Notifier {
  readonly name = '__PACKAGE_NAME__'
  constructor(
    readonly url: string,
    readonly headers: Record<string, string>,
    readonly timeoutMs: number,
  ) {}

  async send(event: NotificationEvent, options: CallOptions = {}): Promise<void> {
    const checked = checkEvent(event)
    options.signal?.throwIfAborted()
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs)
    let response: Response
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': checked.id, ...this.headers },
        body: JSON.stringify(checked),
        signal,
      })
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`
      throw mlopsError(NotifyFailed, [checked.id, this.url, reason], { cause: error })
    }
    await response.body?.cancel()
    if (!response.ok) throw mlopsError(NotifyFailed, [checked.id, this.url, `the receiver answered ${response.status} ${response.statusText}`])
  }

  /** A round-trip to the receiver: any HTTP answer means it is reachable. */
  async check(options: CallOptions = {}): Promise<HealthCheckResult> {
    try {
      const response = await fetch(this.url, { method: 'HEAD', signal: options.signal ?? AbortSignal.timeout(this.timeoutMs) })
      await response.body?.cancel()
      return { ok: true, detail: `${this.url} answers (HTTP ${response.status})` }
    } catch (error) {
      return { ok: false, detail: `${this.url} is unreachable: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}` }
    }
  }
}

/** `plugins: [__FACTORY__({ file: 'notifications.jsonl' })]` or `__FACTORY__({ url: 'https://…' })`. */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options, ctx) => ({
    notifier: options.url
      ? new HttpNotifier(options.url, options.headers, options.timeoutMs)
      : new FileNotifier(options.file ? resolve(ctx.root, options.file) : join(ctx.dataDir, 'notifications.jsonl')),
  }),
})

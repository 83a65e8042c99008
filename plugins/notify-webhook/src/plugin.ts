import { definePlugin, errors, mlopsError } from '@mlops/core'
import { z } from 'zod'
import { WebhookEnvMissing } from './errors.js'
import { WebhookNotifier } from './webhook-notifier.js'
import type { WebhookNotifierOptions } from './webhook-notifier.js'

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as MLOPS_WEBHOOK_SECRET')
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })

export const webhookNotifierOptions = z
  .object({
    /** The notifier's name: the outbox channel; give each webhook notifier its own. */
    name: z.string().min(1).default('webhook'),
    /** Where to POST. A Slack webhook URL is itself a secret: prefer `urlEnv` for it. */
    url: httpUrl.optional(),
    /** Environment variable holding the URL (instead of `url`). */
    urlEnv: envName.optional(),
    /** Environment variable holding the HMAC-SHA256 signing secret. Without it requests are unsigned. */
    secretEnv: envName.optional(),
    format: z.enum(['json', 'slack']).default('json'),
    /** Extra request headers. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.string()).optional(),
    /** Per-attempt timeout in ms. */
    timeoutMs: z.int().min(1).default(10_000),
    retry: z
      .object({
        attempts: z.int().min(1).max(20).default(5),
        baseDelayMs: z.int().min(0).default(500),
        maxDelayMs: z.int().min(0).default(30_000),
        maxRetryAfterMs: z.int().min(0).default(60_000),
      })
      .prefault({}),
  })
  .refine((o) => (o.url === undefined) !== (o.urlEnv === undefined), { message: 'give exactly one of `url` and `urlEnv`', path: ['url'] })

export type WebhookNotifierPluginOptions = z.input<typeof webhookNotifierOptions>

/** `notifyWebhook({ url: 'https://ops.example.com/hooks/mlops', secretEnv: 'MLOPS_WEBHOOK_SECRET' })` in `plugins`. */
export const notifyWebhook = definePlugin({
  name: '@mlops/notify-webhook',
  apiVersion: 1,
  options: webhookNotifierOptions,
  setup: (options, ctx) => {
    const url = options.url ?? fromEnv(ctx.env, options.urlEnv!, 'the webhook URL, option urlEnv')
    // The value is not quoted: a URL kept in the environment is a secret.
    if (!httpUrl.safeParse(url).success) throw mlopsError(errors.InputInvalid, [`environment variable ${options.urlEnv}`, 'must hold an http:// or https:// URL'])
    const notifierOptions: WebhookNotifierOptions = {
      name: options.name,
      url,
      format: options.format,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
    }
    if (options.secretEnv !== undefined) notifierOptions.secret = fromEnv(ctx.env, options.secretEnv, 'the signing secret, option secretEnv')
    if (options.headers !== undefined) notifierOptions.headers = options.headers
    return { notifier: new WebhookNotifier(notifierOptions) }
  },
})

function fromEnv(env: Readonly<Record<string, string | undefined>>, name: string, what: string): string {
  const value = env[name]
  if (value === undefined || value === '') throw mlopsError(WebhookEnvMissing, [name, what])
  return value
}

import { definePlugin, mlopsError } from '@mlops/core'
import { z } from 'zod'
import { EmailNotifier } from './email-notifier.js'
import type { EmailNotifierOptions } from './email-notifier.js'
import { EmailEnvMissing } from './errors.js'

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as SMTP_PASSWORD')
/** `ml@example.com` or `"ML Ops" <ml@example.com>`. */
const address = z.string().regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an e-mail address such as ml@example.com or "ML Ops <ml@example.com>"')

export const emailNotifierOptions = z
  .object({
    /** The notifier's name: the outbox channel; give each e-mail notifier its own. */
    name: z.string().min(1).default('email'),
    host: z.string().min(1),
    /** Default 465 when `secure`, else 587. */
    port: z.int().min(1).max(65_535).optional(),
    /** Implicit TLS (port 465). Default: true on port 465. */
    secure: z.boolean().optional(),
    requireTLS: z.boolean().optional(),
    ignoreTLS: z.boolean().optional(),
    from: address,
    to: z.array(address).min(1),
    subjectPrefix: z.string().regex(/^[^\r\n]*$/, 'must be one line').default('[mlops]'),
    /** SMTP login (not a secret); or `userEnv`. */
    user: z.string().min(1).optional(),
    userEnv: envName.optional(),
    /** Environment variable holding the SMTP password. */
    passwordEnv: envName.optional(),
    /** Connection, greeting and socket timeout in ms. */
    timeoutMs: z.int().min(1).default(10_000),
    retry: z
      .object({
        attempts: z.int().min(1).max(20).default(3),
        baseDelayMs: z.int().min(0).default(1000),
        maxDelayMs: z.int().min(0).default(30_000),
      })
      .prefault({}),
  })
  .refine((o) => !(o.user !== undefined && o.userEnv !== undefined), { message: 'give `user` or `userEnv`, not both', path: ['user'] })
  .refine((o) => o.passwordEnv === undefined || o.user !== undefined || o.userEnv !== undefined, {
    message: '`passwordEnv` needs a `user` (or `userEnv`) to log in as',
    path: ['passwordEnv'],
  })

export type EmailNotifierPluginOptions = z.input<typeof emailNotifierOptions>

/** `notifyEmail({ host: 'smtp.example.com', from: 'mlops@example.com', to: ['ml-team@example.com'] })` in `plugins`. */
export const notifyEmail = definePlugin({
  name: '@mlops/notify-email',
  apiVersion: 1,
  options: emailNotifierOptions,
  setup: (options, ctx) => {
    const notifierOptions: EmailNotifierOptions = {
      name: options.name,
      host: options.host,
      from: options.from,
      to: options.to,
      subjectPrefix: options.subjectPrefix,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      logger: ctx.logger,
    }
    if (options.port !== undefined) notifierOptions.port = options.port
    if (options.secure !== undefined) notifierOptions.secure = options.secure
    if (options.requireTLS !== undefined) notifierOptions.requireTLS = options.requireTLS
    if (options.ignoreTLS !== undefined) notifierOptions.ignoreTLS = options.ignoreTLS
    const user = options.user ?? (options.userEnv === undefined ? undefined : fromEnv(ctx.env, options.userEnv, 'the SMTP user, option userEnv'))
    if (user !== undefined) notifierOptions.user = user
    if (options.passwordEnv !== undefined) {
      notifierOptions.password = fromEnv(ctx.env, options.passwordEnv, 'the SMTP password, option passwordEnv')
      notifierOptions.passwordEnv = options.passwordEnv
    }
    return { notifier: new EmailNotifier(notifierOptions) }
  },
})

function fromEnv(env: Readonly<Record<string, string | undefined>>, name: string, what: string): string {
  const value = env[name]
  if (value === undefined || value === '') throw mlopsError(EmailEnvMissing, [name, what])
  return value
}

import type { ErrorData } from '@mlops/core'

export const EmailDeliveryFailed = {
  code: 'MLOPS_EMAIL_DELIVERY_FAILED',
  title: 'An e-mail notification could not be sent.',
  message: (server: string, eventId: string, attempts: number, reason: string, _permanent?: boolean) =>
    `Could not send event ${eventId} by e-mail through the SMTP server ${server} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
  hint: (_server: string, _eventId: string, _attempts: number, _reason: string, permanent?: boolean) =>
    permanent
      ? 'The SMTP server refused the message (not retried): check `from` and `to` and what the server allows this account to send.'
      : 'Check `host`, `port` and `secure` (465 is implicit TLS, 587 and 25 use STARTTLS) and that the SMTP server is reachable from this machine; the outbox retries the event later.',
  exit: 2,
} satisfies ErrorData<[string, string, number, string, boolean?]>

export const EmailAuthFailed = {
  code: 'MLOPS_EMAIL_AUTH_FAILED',
  title: 'The SMTP server refused the login.',
  message: (server: string, user: string, reason: string, _passwordEnv?: string) => `The SMTP server ${server} refused the login of "${user}": ${reason}`,
  hint: (_server: string, _user: string, _reason: string, passwordEnv?: string) =>
    `Check the \`user\` option and the password in the environment variable ${passwordEnv ?? 'named by `passwordEnv`'}; some providers need an app password.`,
  exit: 2,
} satisfies ErrorData<[string, string, string, string?]>

export const EmailEnvMissing = {
  code: 'MLOPS_EMAIL_ENV_MISSING',
  title: 'An e-mail setting is missing from the environment.',
  message: (variable: string, what: string) => `The environment variable ${variable} (${what}) is not set or is empty.`,
  hint: 'Set it in the environment of every process that sends notifications (the config names the variable, never the value).',
  exit: 2,
} satisfies ErrorData<[string, string]>

import type { ErrorData } from '@mlops/core'

export const WebhookDeliveryFailed = {
  code: 'MLOPS_WEBHOOK_DELIVERY_FAILED',
  title: 'A webhook delivery failed.',
  message: (url: string, eventId: string, attempts: number, status: number | null, reason: string) =>
    `Could not deliver event ${eventId} to ${url} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${status === null ? '' : `HTTP ${status}, `}${reason}`,
  hint: (_url: string, _eventId: string, _attempts: number, status: number | null) =>
    status !== null && status >= 300 && status < 500 && status !== 408 && status !== 429
      ? "The receiver refused the request (not retried): check the URL, the signing secret and the receiver's logs."
      : 'Check that the receiver is running and reachable from this machine; the outbox retries the event later.',
  exit: 2,
} satisfies ErrorData<[string, string, number, number | null, string]>

export const WebhookEnvMissing = {
  code: 'MLOPS_WEBHOOK_ENV_MISSING',
  title: 'A webhook setting is missing from the environment.',
  message: (variable: string, what: string) => `The environment variable ${variable} (${what}) is not set or is empty.`,
  hint: (_variable: string, what: string) =>
    `Set it in the environment of every process that sends notifications (the config names the variable, never the value)${what.startsWith('the signing secret') ? ', or remove `secretEnv` to send unsigned requests' : ''}.`,
  exit: 2,
} satisfies ErrorData<[string, string]>

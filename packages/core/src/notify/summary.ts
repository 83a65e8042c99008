import { InputInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { NotificationEvent } from '../plugin/kinds.js'

/**
 * One-line summaries of notification events, shared by the notifier plugins (email subjects, Slack
 * text, webhook logs).
 */

/** Payload keys worth a place in a one-line summary, most telling first. */
const KEY_FACTS = [
  'pipeline', 'runId', 'run', 'status', 'model', 'version', 'alias', 'stage', 'step', 'stepId', 'target', 'deployment',
  'monitor', 'column', 'datasetDrift', 'shareOfDriftedColumns', 'metric', 'value', 'threshold', 'error', 'reason', 'message',
]
const MAX_FACTS = 6
const MAX_VALUE_CHARS = 80

/** `[key, value]` pairs for the summary: well-known keys first, then other scalar entries. */
export function keyFacts(payload: Record<string, unknown>): [string, string][] {
  const facts: [string, string][] = []
  const seen = new Set<string>()
  const add = (key: string): void => {
    if (facts.length >= MAX_FACTS || seen.has(key) || !Object.hasOwn(payload, key)) return
    const text = factText(payload[key])
    if (text !== undefined) {
      facts.push([key, text])
      seen.add(key)
    }
  }
  for (const key of KEY_FACTS) add(key)
  for (const key of Object.keys(payload)) add(key)
  return facts
}

/** `run.failed: pipeline=train, runId=01HX…, status=failed, error=step "fit" failed` */
export function summarizeEvent(event: NotificationEvent): string {
  const facts = keyFacts(event.payload ?? {})
  return facts.length === 0 ? event.type : `${event.type}: ${facts.map(([k, v]) => `${k}=${v}`).join(', ')}`
}

function factText(value: unknown): string | undefined {
  let text: string | undefined
  if (typeof value === 'string') text = value
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value)
  else if (value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    text = (value as { message: string }).message
  }
  if (text === undefined) return undefined
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_VALUE_CHARS ? `${oneLine.slice(0, MAX_VALUE_CHARS - 1)}…` : oneLine
}

/** Checks the shape of an event a notifier was handed (MLOPS_INPUT_INVALID naming the field otherwise). */
export function assertNotificationEvent(event: NotificationEvent): void {
  const problem =
    event === null || typeof event !== 'object'
      ? 'expected an object { id, type, createdAt, payload }'
      : typeof event.id !== 'string' || event.id === ''
        ? '`id` must be a non-empty string (receivers deduplicate by it)'
        : typeof event.type !== 'string' || event.type === ''
          ? '`type` must be a non-empty string'
          : typeof event.createdAt !== 'string'
            ? '`createdAt` must be an ISO date string'
            : event.payload === null || typeof event.payload !== 'object' || Array.isArray(event.payload)
              ? '`payload` must be an object'
              : undefined
  if (problem) throw mlopsError(InputInvalid, ['notification event', problem])
}

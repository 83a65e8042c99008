import type { OutboxEnqueue } from '@mlops/core'
import { at } from './records.js'

/** An outbox message created `minutes` after the fixed base (available at once unless overridden). */
export function makeOutbox(id: string, minutes: number, overrides: Partial<OutboxEnqueue> = {}): OutboxEnqueue {
  return { id, channel: 'webhook', eventId: `evt-${id}`, payload: { id, text: `message ${id}`, nested: { n: minutes } }, createdAt: at(minutes), ...overrides }
}

/** Lets other pending promises (another writer, another claimer) run before continuing. */
export function yieldToOthers(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve))
}

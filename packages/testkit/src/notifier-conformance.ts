import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { isMlopsError } from '@mlops/core'
import type { NotificationEvent, Notifier } from '@mlops/core'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

/** What the receiver got for one delivery. `id` and `type` are required; `payload`, when given, is compared too. */
export type ReceivedNotification = Pick<NotificationEvent, 'id' | 'type'> & Partial<NotificationEvent>

export interface NotifierHarness {
  /** Shown in every title, e.g. `@mlops/notify-webhook`. */
  pluginName: string
  /** A notifier pointed at the harness's real receiver (an HTTP server, an SMTP server …). The suite closes it. */
  create(): Promise<Notifier>
  /**
   * Every delivery the receiver has got so far, duplicates included, in arrival order (the suite filters by
   * the unique event ids it sends, so deliveries of other cases may stay in the list).
   */
  received(): Promise<ReceivedNotification[]>
  /**
   * A notifier pointed at an endpoint nothing listens on (a closed port), configured with short retries.
   * Without it, the unreachable-endpoint cases are skipped.
   */
  makeUnreachable?(): Promise<Notifier>
  /** How long a send to the unreachable endpoint may take before it must have rejected. Default 10 000 ms. */
  unreachableWithinMs?: number
}

async function withNotifier(notifier: Notifier, body: (notifier: Notifier) => Promise<void>): Promise<void> {
  try {
    await body(notifier)
  } finally {
    await notifier.close?.()
  }
}

function makeEvent(type = 'run.failed'): NotificationEvent {
  return {
    id: `conformance-${randomUUID()}`,
    type,
    createdAt: new Date().toISOString(),
    payload: {
      pipeline: 'train',
      runId: `run-${randomUUID().slice(0, 8)}`,
      status: 'failed',
      // Characters that break naive encoders: quotes, markup, non-ASCII, a newline.
      reason: 'step "fit" failed: <b>loss</b> = NaN & résumé ✓\nsecond line',
      attempts: 3,
      metrics: { auc: 0.91, rows: 1200 },
    },
  }
}

/** Polls `received()` until `ids` arrived (a receiver may record a delivery just after acknowledging it). */
async function waitForDeliveries(h: NotifierHarness, id: string, atLeast: number, withinMs = 3000): Promise<ReceivedNotification[]> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const matching = (await h.received()).filter((r) => r.id === id)
    if (matching.length >= atLeast || Date.now() >= deadline) return matching
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function assertSameEvent(received: ReceivedNotification, sent: NotificationEvent, what: string): void {
  assert.equal(received.id, sent.id, `${what}: the event id must reach the receiver unchanged (receivers deduplicate by it)`)
  assert.equal(received.type, sent.type, `${what}: the event type must reach the receiver`)
  if (received.payload !== undefined) assert.deepEqual(received.payload, sent.payload, `${what}: the payload must arrive intact`)
  if (received.createdAt !== undefined) assert.equal(received.createdAt, sent.createdAt, `${what}: createdAt must arrive unchanged`)
}

/** Awaits `action`, asserting it rejects within `withinMs`; returns the error and the time taken. */
async function rejectsWithin(action: () => Promise<unknown>, withinMs: number, what: string): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    action().then(
      (value) => ({ kind: 'resolved' as const, value }),
      (error: unknown) => ({ kind: 'rejected' as const, error }),
    ),
    new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), withinMs)
    }),
  ])
  clearTimeout(timer)
  if (outcome.kind === 'timeout') assert.fail(`${what}: still pending after ${withinMs} ms; a send must give up within a bounded time`)
  if (outcome.kind === 'resolved') assert.fail(`${what}: expected a rejection, but send() resolved`)
  return { error: outcome.error, elapsedMs: Date.now() - started }
}

/** The cases, in a table like ESLint's RuleTester: each creates its notifiers from the harness. */
export const notifierCases: readonly ConformanceCase<NotifierHarness>[] = [
  {
    name: 'delivers an event to the receiver with its id and type (and payload, when the receiver sees it)',
    run: async (h) =>
      withNotifier(await h.create(), async (notifier) => {
        assert.equal(typeof notifier.name, 'string', 'a notifier has a name (the outbox channel)')
        assert.ok(notifier.name.length > 0, 'a notifier name is not empty')
        const event = makeEvent()
        const result = await notifier.send(event)
        assert.equal(result, undefined, 'send() resolves with nothing once the receiver has the event')
        const deliveries = await waitForDeliveries(h, event.id, 1)
        assert.ok(deliveries.length >= 1, `the receiver never got event ${event.id}`)
        for (const delivery of deliveries) assertSameEvent(delivery, event, 'the delivery')
      }),
  },
  {
    name: 'the same event sent twice arrives at least once, always with the same id, so the receiver can deduplicate',
    run: async (h) =>
      withNotifier(await h.create(), async (notifier) => {
        const event = makeEvent('model.promoted')
        const other = makeEvent('model.promoted')
        await notifier.send(event)
        await notifier.send(structuredClone(event)) // the outbox redelivers after a crash, from a stored copy
        await notifier.send(other)
        const deliveries = await waitForDeliveries(h, event.id, 1)
        assert.ok(deliveries.length >= 1, 'the event must arrive at least once')
        for (const delivery of deliveries) assertSameEvent(delivery, event, 'a repeated delivery')
        const distinct = new Set((await h.received()).filter((r) => r.id === event.id || r.id === other.id).map((r) => r.id))
        assert.deepEqual([...distinct].sort(), [event.id, other.id].sort(), 'two different events must keep two different ids')
      }),
  },
  {
    name: 'an unreachable endpoint rejects with an MlopsError (with a code) within a bounded time',
    timeoutMs: 30_000,
    unsupported: (h) => (h.makeUnreachable ? undefined : 'the harness has no makeUnreachable()'),
    run: async (h) =>
      withNotifier(await h.makeUnreachable!(), async (notifier) => {
        const withinMs = h.unreachableWithinMs ?? 10_000
        const event = makeEvent()
        const { error } = await rejectsWithin(() => notifier.send(event), withinMs, 'send() to an unreachable endpoint')
        assert.ok(error instanceof Error, 'the rejection is an Error')
        assert.ok(isMlopsError(error), `the rejection must be an MlopsError (got ${(error as Error).name}: ${(error as Error).message})`)
        assert.match(error.code, /^[A-Z][A-Z0-9_]+$/, 'the error has a code, for the outbox and `--json` output')
        assert.ok(error.message.length > 0 && error.hint.length > 0, 'the error says what happened and what to do')
        assert.ok(!error.message.includes('[object Object]'), 'the message is readable')
      }),
  },
  {
    name: 'check(), when implemented, is ok against the receiver and reports (never throws) an unreachable endpoint',
    timeoutMs: 30_000,
    run: async (h) => {
      await withNotifier(await h.create(), async (notifier) => {
        if (!notifier.check) return
        const result = await notifier.check()
        assert.equal(result.ok, true, `check() against the live receiver: ${result.detail}`)
        assert.ok(result.detail.length > 0, 'check() says where it looked')
      })
      if (!h.makeUnreachable) return
      await withNotifier(await h.makeUnreachable(), async (notifier) => {
        if (!notifier.check) return
        const result = await notifier.check()
        assert.equal(result.ok, false, 'check() against a closed port is not ok')
        assert.ok(result.detail.length > 0, 'check() says what failed')
      })
    },
  },
  {
    name: 'respects an aborted signal: rejects and delivers nothing; an abort during retries stops them promptly',
    timeoutMs: 30_000,
    run: async (h) => {
      await withNotifier(await h.create(), async (notifier) => {
        const event = makeEvent()
        const controller = new AbortController()
        controller.abort(new Error('cancelled by the conformance suite'))
        await rejectsWithin(() => notifier.send(event, { signal: controller.signal }), 2000, 'send() with an aborted signal')
        await new Promise((resolve) => setTimeout(resolve, 200))
        assert.deepEqual(await waitForDeliveries(h, event.id, 1, 0), [], 'an event sent with an aborted signal must not be delivered')
      })
      if (!h.makeUnreachable) return
      await withNotifier(await h.makeUnreachable(), async (notifier) => {
        const controller = new AbortController()
        const timer = setTimeout(() => controller.abort(new Error('cancelled mid-retry')), 30)
        try {
          const { elapsedMs } = await rejectsWithin(() => notifier.send(makeEvent(), { signal: controller.signal }), 2000, 'send() aborted while retrying')
          assert.ok(elapsedMs < 2000)
        } finally {
          clearTimeout(timer)
        }
      })
    },
  },
]

/**
 * Registers the notifier conformance cases with the caller's test runner:
 * `notifierConformance({ describe, it }, { pluginName, create, received, makeUnreachable })`.
 */
export function notifierConformance(t: TestApi, harness: NotifierHarness): void {
  registerCases(t, 'notifier conformance (apiVersion 1)', harness, notifierCases)
}

import { notifierConformance } from '@mlops/testkit'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { verifyWebhookSignature, WebhookNotifier } from '../src/index.js'
import { closedPort, startReceiver } from './receiver.js'
import type { Receiver } from './receiver.js'

const SECRET = 'conformance-signing-secret'
let receiver: Receiver
beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(() => receiver.close())

notifierConformance(
  { describe, it },
  {
    pluginName: '@mlops/notify-webhook',
    create: async () => new WebhookNotifier({ url: `${receiver.url}/hook`, secret: SECRET }),
    // What a receiver would accept: POSTs to the hook whose signature verifies, parsed.
    received: async () =>
      receiver.requests
        .filter((r) => r.method === 'POST' && r.path === '/hook')
        .filter((r) => verifyWebhookSignature(SECRET, r.headers['x-mlops-timestamp'], r.body, r.headers['x-mlops-signature']))
        .map((r) => JSON.parse(r.body)),
    makeUnreachable: async () =>
      new WebhookNotifier({ url: `http://127.0.0.1:${await closedPort()}/hook`, secret: SECRET, retry: { attempts: 3, baseDelayMs: 200 } }),
    unreachableWithinMs: 5000,
  },
)

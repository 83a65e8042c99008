import { notifierConformance } from '@mlops/testkit'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { EmailNotifier } from '../src/index.js'
import { closedPort, startSmtp } from './smtp.js'
import type { RunningSmtp } from './smtp.js'

let smtp: RunningSmtp
beforeAll(async () => {
  smtp = await startSmtp()
})
afterAll(() => smtp.close())

notifierConformance(
  { describe, it },
  {
    pluginName: '@mlops/notify-email',
    create: async () =>
      new EmailNotifier({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, from: 'mlops@example.com', to: ['ml-team@example.com'] }),
    // A receiving script would read the event id and type from the headers.
    received: async () =>
      smtp.mails.map((mail) => ({ id: String(mail.parsed.headers.get('x-mlops-event-id')), type: String(mail.parsed.headers.get('x-mlops-event-type')) })),
    makeUnreachable: async () =>
      new EmailNotifier({
        host: '127.0.0.1',
        port: await closedPort(),
        secure: false,
        ignoreTLS: true,
        from: 'mlops@example.com',
        to: ['ml-team@example.com'],
        retry: { attempts: 3, baseDelayMs: 200 },
      }),
    unreachableWithinMs: 5000,
  },
)

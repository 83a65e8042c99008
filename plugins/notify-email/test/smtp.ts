import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import type { ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  envelope: { from: string; to: string[] }
  /** The user that logged in, if any. */
  user: string | undefined
  raw: string
  parsed: ParsedMail
}

export interface SmtpOptions {
  /** Require this login (AUTH PLAIN/LOGIN over plain text, as a local relay would). */
  auth?: { user: string; pass: string }
  /** Reply to RCPT TO: `undefined` accepts; an Error with `responseCode` rejects (n is the 1-based RCPT count). */
  onRecipient?: (address: string, n: number) => (Error & { responseCode?: number }) | undefined
}

export interface RunningSmtp {
  host: string
  port: number
  mails: ReceivedMail[]
  authAttempts: { user: string | undefined; ok: boolean }[]
  close(): Promise<void>
}

/** A real SMTP server in this process on 127.0.0.1 (random port), keeping every accepted message. */
export async function startSmtp(options: SmtpOptions = {}): Promise<RunningSmtp> {
  const mails: ReceivedMail[] = []
  const authAttempts: RunningSmtp['authAttempts'] = []
  let recipients = 0
  const server = new SMTPServer({
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass
      authAttempts.push({ user: auth.username, ok })
      if (ok) callback(null, { user: auth.username })
      else callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }))
    },
    onRcptTo(address, _session, callback) {
      callback(options.onRecipient?.(address.address, ++recipients) ?? null)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks)
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              raw: raw.toString('utf8'),
              parsed,
            })
            callback(null)
          },
          (error: Error) => callback(error),
        )
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    host: '127.0.0.1',
    port,
    mails,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

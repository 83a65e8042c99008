import { createServer } from 'node:http'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The raw body, as signed. */
  body: string
  at: number
}

/** Decides the answer to the `n`th request (1-based) on a path. */
export type Responder = (n: number, res: ServerResponse) => void

export interface Receiver {
  url: string
  requests: ReceivedRequest[]
  on(path: string, responder: Responder): void
  close(): Promise<void>
}

/** A real HTTP receiver on 127.0.0.1 (random port). Paths without a responder answer 204. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const responders = new Map<string, Responder>()
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const n = (counts.get(path) ?? 0) + 1
      counts.set(path, n)
      const responder = responders.get(path)
      if (responder) responder(n, res)
      else res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (path, responder) => responders.set(path, responder),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
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

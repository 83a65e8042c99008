import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import type { PluginContext } from '@mlops/core'
import { notifierConformance } from '@mlops/testkit'
import type { ReceivedNotification } from '@mlops/testkit'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
let root: string
const ctx = (): PluginContext => ({ root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })

// A real HTTP receiver, and a port nothing listens on.
const received: ReceivedNotification[] = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    if (req.method === 'POST') received.push(JSON.parse(body) as ReceivedNotification)
    res.writeHead(204).end()
  })
})
let url = ''
let closedUrl = ''

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`
  await new Promise((r) => closed.close(r))
})
afterAll(async () => {
  server.close()
  await rm(root, { recursive: true, force: true })
})

notifierConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__ (file)',
    create: async () => (await setupPlugin(__FACTORY__({ file: 'events.jsonl' }), 'test', ctx())).notifier!,
    received: async () => {
      const text = await readFile(join(root, 'events.jsonl'), 'utf8').catch(() => '')
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReceivedNotification)
    },
  },
)

notifierConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__ (url)',
    create: async () => (await setupPlugin(__FACTORY__({ url }), 'test', ctx())).notifier!,
    received: async () => received,
    makeUnreachable: async () => (await setupPlugin(__FACTORY__({ url: closedUrl, timeoutMs: 2000 }), 'test', ctx())).notifier!,
  },
)

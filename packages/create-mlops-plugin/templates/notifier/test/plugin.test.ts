import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import type { Notifier, PluginContext } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
let root: string
const ctx = (): PluginContext => ({ root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })
const event = (id: string) => ({ id, type: 'run.finished', createdAt: '2026-01-01T00:00:00.000Z', payload: { runId: 'r1', ok: true } })

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('__PACKAGE_NAME__', () => {
  it('appends one JSON line per event to the file (default .mlops/notifications.jsonl)', async () => {
    const { notifier } = await setupPlugin(__FACTORY__(), 'test', ctx())
    await Promise.all([notifier!.send(event('e1')), notifier!.send(event('e2'))])
    const lines = (await readFile(join(root, '.mlops/notifications.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.id).sort()).toEqual(['e1', 'e2'])
    expect(lines[0]).toMatchObject({ type: 'run.finished', payload: { runId: 'r1', ok: true } })
    expect(await notifier!.check!()).toMatchObject({ ok: true })
  })

  it('posts each event as JSON to a URL and rejects on an error status', async () => {
    const received: unknown[] = []
    let status = 204
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        received.push({ key: req.headers['idempotency-key'], auth: req.headers.authorization, body: JSON.parse(body) })
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      const { notifier } = await setupPlugin(__FACTORY__({ url, headers: { authorization: 'Bearer t' } }), 'test', ctx())
      await notifier!.send(event('e3'))
      expect(received).toEqual([{ key: 'e3', auth: 'Bearer t', body: event('e3') }])
      status = 500
      await expect(notifier!.send(event('e4'))).rejects.toMatchObject({ code: 'MLOPS_NOTIFY_FAILED', message: expect.stringContaining('500') })
    } finally {
      server.close()
    }
  })

  it('rejects a malformed event with MLOPS_INPUT_INVALID and writes nothing', async () => {
    const file = join(root, 'bad.jsonl')
    const { notifier } = await setupPlugin(__FACTORY__({ file }), 'test', ctx())
    await expect((notifier as Notifier).send({ ...event(''), id: '' })).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('refuses options with both file and url', async () => {
    await expect(setupPlugin(__FACTORY__({ file: 'a.jsonl', url: 'https://example.com/hook' }), 'test', ctx())).rejects.toMatchObject({
      code: 'MLOPS_PLUGIN_OPTIONS_INVALID',
    })
  })
})

import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, makeProject } from './helpers.js'

/** Commands that change the registry tell the notifiers at once (through the outbox), without a daemon. */
describe('registry changes notify right away', () => {
  let project: ReturnType<typeof makeProject>
  let server: Server
  let url: string
  const received: { id: string; type: string; payload: Record<string, unknown> }[] = []

  beforeAll(async () => {
    project = makeProject('trigger-project')
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`
  })
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()))
    project.remove()
  })

  it('mlops run (promotion), mlops rollback and mlops models promote deliver their events to the webhook', async () => {
    const env = { MLOPS_TEST_WEBHOOK_URL: url, MLOPS_ACTOR: 'ci-bot' }
    for (const epochs of ['60', '300']) {
      const run = await cli(['run', 'train', '--param', `epochs=${epochs}`], project.dir, env)
      expect(run.code, run.stderr).toBe(0)
    }
    const promoted = received.filter((e) => e.type === 'model.promoted').map((e) => [e.payload.from, e.payload.to])
    expect(promoted).toEqual([
      [null, '1'],
      ['1', '2'],
    ])
    const back = await cli(['rollback', 'penguins', '--reason', 'the new one misbehaves'], project.dir, env)
    expect(back.code, back.stderr).toBe(0)
    expect(received.find((e) => e.type === 'model.rolled_back')?.payload).toMatchObject({ from: '2', to: '1', actor: 'ci-bot', reason: 'the new one misbehaves' })
    // Each event arrives once: nothing already delivered is sent again by a later command.
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length)
  })
})

// `mlops doctor` through the real bin: the embedded defaults, a plugin whose check() reaches a closed TCP
// port (a real socket), a plugin whose setup fails, a config that does not load, a hanging check.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, repoRoot } from './helpers.js'

/** A test plugin: its notifier's check() opens a TCP connection; with `failSetup` its setup does (and throws). */
const TCP_PLUGIN = `
import { connect } from 'node:net'
import { definePlugin, z } from '@mlops/core'

function reach(port: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.end()
      resolve({ ok: true, detail: \`127.0.0.1:\${port} accepts connections\` })
    })
    socket.once('error', (error) => resolve({ ok: false, detail: \`127.0.0.1:\${port}: \${error.message}\` }))
  })
}

export const tcpPlugin = definePlugin({
  name: '@test/tcp-service',
  apiVersion: 1,
  options: z.object({ port: z.int(), failSetup: z.boolean().default(false), check: z.enum(['tcp', 'hang', 'throw']).default('tcp') }),
  async setup(options) {
    if (options.failSetup) {
      const reached = await reach(options.port)
      if (!reached.ok) throw new Error(\`cannot open the service: \${reached.detail}\`)
    }
    return {
      notifier: {
        name: 'tcp',
        async send() {},
        check: () =>
          options.check === 'hang' ? new Promise<never>(() => {}) : options.check === 'throw' ? Promise.reject(new Error('the driver blew up')) : reach(options.port),
      },
    }
  },
})
`

const config = (plugins: string, imports = '') => `
import { defineConfig, pipeline, step } from '@mlops/core'
import { tcpPlugin } from './tcp-plugin.js'
${imports}
const hello = step({ name: 'hello', outputs: {}, run: () => ({}) })

export default defineConfig({
  plugins: [${plugins}],
  pipelines: { main: pipeline({ steps() { hello() } }) },
})
`

interface DoctorJson {
  ok: boolean
  checks: { name: string; instance?: string; kind: string; source: string; ok: boolean; detail: string; durationMs: number }[]
}

const tmpRoot = join(repoRoot, 'test/.tmp')
let dir: string
let closedPort: number
let openServer: ReturnType<typeof createServer>
let openPort: number

beforeAll(async () => {
  mkdirSync(tmpRoot, { recursive: true })
  dir = mkdtempSync(join(tmpRoot, 'doctor-'))
  writeFileSync(join(dir, 'tcp-plugin.ts'), TCP_PLUGIN)
  // A port that was just free: bind it, note it, close it. Nothing listens there during the test.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as { port: number }).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  openServer = createServer((socket) => socket.end())
  await new Promise<void>((resolve) => openServer.listen(0, '127.0.0.1', resolve))
  openPort = (openServer.address() as { port: number }).port
})
afterAll(async () => {
  await new Promise<void>((resolve) => openServer.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

async function doctor(configText: string, ...args: string[]) {
  writeFileSync(join(dir, 'mlops.config.ts'), configText)
  const result = await cli(['doctor', ...args], dir)
  return result
}

async function doctorJson(configText: string, ...args: string[]) {
  const result = await doctor(configText, ...args, '--json')
  let data: DoctorJson
  try {
    data = JSON.parse(result.stdout) as DoctorJson
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
  return { result, data }
}

const row = (data: DoctorJson, name: string, kind: string) => data.checks.find((c) => c.name === name && c.kind === kind)

describe('mlops doctor', () => {
  it('with the embedded defaults: every backend ok, exit 0, a table', async () => {
    const human = await doctor(config(''))
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^NAME\s+KIND\s+STATUS\s+DETAIL$/m)
    expect(human.stdout).toMatch(/^@mlops\/metadata-sqlite\s+metadata\s+ok\s+/m)
    expect(human.stdout).toMatch(/^@mlops\/storage-fs\s+storage\s+ok\s+/m)
    expect(human.stdout).toMatch(/^local\s+executor\s+ok\s+/m)
    expect(human.stdout).toContain('all 3 backends reachable')
    expect(human.stderr).toBe('')

    const { result, data } = await doctorJson(config(''))
    expect(result.code).toBe(0)
    expect(data.ok).toBe(true)
    expect(data.checks.map((c) => [c.name, c.kind, c.source, c.ok])).toEqual([
      ['@mlops/metadata-sqlite', 'metadata', 'embedded default', true],
      ['@mlops/storage-fs', 'storage', 'embedded default', true],
      ['local', 'executor', 'built in', true],
    ])
  })

  it('a backend whose check() cannot connect: FAIL with the socket error, exit 2, named on stderr; the others still ok', async () => {
    const plugins = `tcpPlugin({ port: ${closedPort} }), tcpPlugin({ port: ${openPort} }), trainerCommand({ name: 'missing-python', command: ['mlops-no-such-python', 'train.py'] }), trainerCommand({ name: 'sh', command: ['sh', 'train.sh'] })`
    const text = config(plugins, "import { trainerCommand } from '@mlops/trainer-command'")
    const { result, data } = await doctorJson(text)
    expect(result.code).toBe(2)
    expect(data.ok).toBe(false)
    const [closed, open] = data.checks.filter((c) => c.name === '@test/tcp-service')
    expect(closed).toMatchObject({ kind: 'notifier', source: 'plugins[0]', ok: false })
    expect(closed!.detail).toContain(`127.0.0.1:${closedPort}: connect ECONNREFUSED`)
    expect(open).toMatchObject({ kind: 'notifier', source: 'plugins[1]', ok: true, detail: `127.0.0.1:${openPort} accepts connections` })
    expect(data.checks.find((c) => c.instance === 'missing-python')).toMatchObject({ kind: 'trainer', ok: false })
    expect(data.checks.find((c) => c.instance === 'missing-python')!.detail).toContain('"mlops-no-such-python" not found on PATH')
    expect(data.checks.find((c) => c.instance === 'sh')).toMatchObject({ kind: 'trainer', ok: true })
    expect(row(data, '@mlops/metadata-sqlite', 'metadata')?.ok).toBe(true)
    expect(result.stderr).toContain('2 of 7 checks failed')
    expect(result.stderr).toContain('@test/tcp-service (tcp) [notifier, plugins[0]]')
    expect(result.stderr).toContain('@mlops/trainer-command (missing-python) [trainer, plugins[2]]')

    const human = await doctor(text)
    expect(human.code).toBe(2)
    expect(human.stdout).toMatch(new RegExp(`^@test/tcp-service \\(tcp\\)\\s+notifier\\s+FAIL\\s+127\\.0\\.0\\.1:${closedPort}: connect ECONNREFUSED`, 'm'))
  })

  it('a plugin whose setup throws: that plugin FAILs as setup, the config and the other plugins are still checked, exit 2', async () => {
    const { result, data } = await doctorJson(config(`tcpPlugin({ port: ${openPort} }), tcpPlugin({ port: ${closedPort}, failSetup: true })`))
    expect(result.code).toBe(2)
    expect(data.checks[0]).toMatchObject({ kind: 'config', ok: true, name: 'mlops.config.ts' })
    expect(data.checks.find((c) => c.source === 'plugins[0]')).toMatchObject({ kind: 'notifier', ok: true })
    const failed = data.checks.find((c) => c.source === 'plugins[1]')!
    expect(failed).toMatchObject({ name: '@test/tcp-service', kind: 'setup', ok: false })
    expect(failed.detail).toContain(`setup failed: cannot open the service: 127.0.0.1:${closedPort}: connect ECONNREFUSED`)
    expect(result.stderr).toContain('@test/tcp-service [setup, plugins[1]]')
  })

  it('a config that does not load, or invalid plugin options: a config or setup FAIL, exit 2', async () => {
    const broken = await doctorJson('export default {{ oops')
    expect(broken.result.code).toBe(2)
    expect(broken.data.checks).toHaveLength(1)
    expect(broken.data.checks[0]).toMatchObject({ kind: 'config', ok: false })
    expect(broken.data.checks[0]!.detail).toContain('mlops.config.ts')
    expect(broken.result.stderr).toContain('mlops.config.ts [config, config]')

    const badOptions = await doctorJson(config(`tcpPlugin({ port: 'not a number' } as never)`))
    expect(badOptions.result.code).toBe(2)
    const failed = badOptions.data.checks.find((c) => c.source === 'plugins[0]')!
    expect(failed).toMatchObject({ kind: 'setup', ok: false })
    expect(failed.detail).toContain('port')
  })

  it('a check that hangs is cut off by --timeout; one that throws is a FAIL, not a crash', async () => {
    const started = Date.now()
    const { result, data } = await doctorJson(config(`tcpPlugin({ port: ${openPort}, check: 'hang' }), tcpPlugin({ port: ${openPort}, check: 'throw' })`), '--timeout', '300')
    expect(result.code).toBe(2)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(data.checks.find((c) => c.source === 'plugins[0]')).toMatchObject({ ok: false, detail: expect.stringContaining('no answer within 300 ms') })
    expect(data.checks.find((c) => c.source === 'plugins[1]')).toMatchObject({ ok: false, detail: 'check() threw: the driver blew up' })
  })

  it('rejects a bad --timeout as a usage error', async () => {
    const result = await doctor(config(''), '--timeout', 'soon')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--timeout needs a positive whole number')
  })
})

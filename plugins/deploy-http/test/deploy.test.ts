import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMlopsError, setupPlugin, type DeployRequest, type DeployTarget } from '@mlops/core'
import { deployTargetConformance } from '@mlops/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import deployHttp from '../src/index.js'
import { quietLogger } from './fixtures/penguins.mjs'

// Background deployments run this fixture in place of `mlops serve` (the conformance suite's serve
// command names no real project): it serves the penguins model of the project folder with the real
// server until SIGTERM.
const fixture = fileURLToPath(new URL('./fixtures/serve-process.mjs', import.meta.url))
const roots: string[] = []
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })))
})

async function target(root: string, options: Parameters<typeof deployHttp>[0] = { command: [process.execPath, fixture] }): Promise<DeployTarget> {
  const ctx = { root, dataDir: join(root, '.mlops'), logger: quietLogger, signal: new AbortController().signal, env: {} }
  return (await setupPlugin(deployHttp(options), 'test', ctx)).deployTarget!
}

/** Stops whatever a case left running. */
async function stopAll(t: DeployTarget, root: string): Promise<void> {
  const dir = join(root, '.mlops', 'deployments')
  if (!existsSync(dir)) return
  const { readdir } = await import('node:fs/promises')
  for (const f of await readdir(dir)) if (f.endsWith('.json') && !f.endsWith('.ready.json')) await t.undeploy(f.slice(0, -5)).catch(() => {})
}

const rootOf = new WeakMap<DeployTarget, string>()
deployTargetConformance(
  { describe, it },
  {
    pluginName: '@mlops/deploy-http',
    async create(root) {
      const t = await target(root)
      rootOf.set(t, root)
      return t
    },
    dispose: (t) => stopAll(t, rootOf.get(t)!),
  },
)

function request(root: string, over: Partial<DeployRequest> = {}): DeployRequest {
  return {
    deploymentId: 'penguins-champion-http',
    model: 'penguins',
    selector: { alias: 'champion' },
    resolved: { version: '1', artifactHash: 'a'.repeat(64) },
    project: { name: 'test', root, configFile: join(root, 'mlops.config.ts') },
    serveCommand: ['npx', 'mlops', 'serve', 'penguins@champion'],
    settings: {},
    ...over,
  }
}

describe('background deployments', () => {
  it('deploy starts a detached server that scores requests; status follows it; undeploy drains it with SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mlops-deploy-http-bg-'))
    roots.push(root)
    const t = await target(root)
    const result = await t.deploy(request(root))
    expect(result).toMatchObject({ id: 'penguins-champion-http', target: 'http', state: 'running', model: { model: 'penguins', version: '1', alias: 'champion' } })
    expect(result.pid).toBeGreaterThan(0)
    const res = await fetch(`${result.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bg-1' },
      body: JSON.stringify({ dataframe_records: [{ bill_length_mm: 46.1, bill_depth_mm: 13.2, flipper_length_mm: 211, body_mass_g: 4500 }] }),
    })
    expect(await res.json()).toEqual({ predictions: ['Gentoo'] })
    expect((await t.status('penguins-champion-http')).state).toBe('running')
    const state = JSON.parse(await readFile(join(root, '.mlops', 'deployments', 'penguins-champion-http.json'), 'utf8'))
    expect(state).toMatchObject({ pid: result.pid, url: result.url, stoppedAt: null })

    await t.undeploy('penguins-champion-http')
    expect(() => process.kill(result.pid!, 0)).toThrow()
    expect((await t.status('penguins-champion-http')).state).toBe('stopped')
    const log = await readFile(join(root, '.mlops', 'deployments', 'penguins-champion-http.log'), 'utf8')
    expect(log).toContain('serving at')
    expect(log).toMatch(/stopped; prediction log 1 written, 0 dropped/)
  })

  it('a server that cannot start fails the deploy with the tail of its log, and leaves nothing running', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mlops-deploy-http-fail-'))
    roots.push(root)
    const crashing = await target(root, { command: [process.execPath, '-e', 'console.error("mlops.config.ts: models.penguins: no such model"); process.exit(2)'] })
    const error = await crashing.deploy(request(root)).catch((e: unknown) => e)
    expect(isMlopsError(error) && error.code).toBe('MLOPS_DEPLOY_START_FAILED')
    expect((error as Error).message).toContain('exited with code 2')
    expect((error as Error).message).toContain('no such model')
    await expect(crashing.status('penguins-champion-http')).rejects.toThrow(/No http deployment "penguins-champion-http"/)

    const silent = await target(root, { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], readyTimeoutMs: 500 })
    const timeout = await silent.deploy(request(root, { settings: { port: '1' } })).catch((e: unknown) => e)
    expect(isMlopsError(timeout) && timeout.message).toContain('did not answer /v2/health/ready within')
  })

  it('does not mistake another server on the port for its own: the deploy fails when its server cannot listen', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mlops-deploy-http-port-'))
    roots.push(root)
    const other = createServer((_req, res) => res.end('{"ready":true}'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const port = String((other.address() as { port: number }).port)
    try {
      const t = await target(root, {})
      const error = await t.deploy(request(root, { serveCommand: [process.execPath, fixture, '--port', port], settings: { port } })).catch((e: unknown) => e)
      expect(isMlopsError(error) && error.code).toBe('MLOPS_DEPLOY_START_FAILED')
      expect((error as Error).message).toContain('the port is in use')
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('a failed process is reported as failed by status', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mlops-deploy-http-died-'))
    roots.push(root)
    const t = await target(root)
    const result = await t.deploy(request(root))
    process.kill(-result.pid!, 'SIGKILL')
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(result.pid!, 0)
        await new Promise((r) => setTimeout(r, 20))
      } catch {
        break
      }
    }
    const status = await t.status('penguins-champion-http')
    expect(status.state).toBe('failed')
    expect(status.detail).toContain('is not running')
    await t.undeploy('penguins-champion-http')
  })
})

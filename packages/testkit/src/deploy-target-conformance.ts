import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError } from '@mlops/core'
import type { DeploymentStatus, DeployRequest, DeployTarget } from '@mlops/core'
import { preview, rejects } from './internal/assertions.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

export interface DeployTargetHarness {
  /** Shown in every title, e.g. `@acme/deploy-fly`. */
  pluginName: string
  /**
   * A target with no deployments (a fresh folder, namespace or app prefix per call). `root` is a fresh
   * temp folder, also passed as the project root of every request; it is removed after the case.
   */
  create(root: string): Promise<DeployTarget>
  /** Target-specific `settings` for every request (e.g. `{ port: '0' }`). Default `{}`. */
  settings?: Record<string, string>
  /** Releases what the target holds (servers, connections, cloud resources) after each case. */
  dispose?(target: DeployTarget): Promise<void>
}

const STATES = ['pending', 'running', 'stopped', 'failed'] as const

function request(root: string, h: DeployTargetHarness, overrides: Partial<DeployRequest> = {}): DeployRequest {
  const version = overrides.resolved?.version ?? '1'
  return {
    deploymentId: 'penguins-champion',
    model: 'penguins',
    selector: { alias: 'champion' },
    resolved: { version, artifactHash: 'a'.repeat(64) },
    project: { name: 'conformance', root, configFile: join(root, 'mlops.config.ts') },
    serveCommand: ['npx', 'mlops', 'serve', 'penguins', '--alias', 'champion'],
    settings: { ...(h.settings ?? {}) },
    ...overrides,
  }
}

async function withTarget(h: DeployTargetHarness, body: (target: DeployTarget, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'mlops-deploy-conformance-'))
  let target: DeployTarget | undefined
  try {
    target = await h.create(root)
    await body(target, root)
  } finally {
    try {
      if (target && h.dispose) await h.dispose(target)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }
}

function assertStatus(status: DeploymentStatus, target: DeployTarget, expected: { id: string; model: string; version: string }, what: string): void {
  assert.ok(status && typeof status === 'object', `${what}: expected a DeploymentStatus, got ${preview(status)}`)
  assert.equal(status.id, expected.id, `${what}: id must be the request's deploymentId`)
  assert.equal(status.target, target.name, `${what}: target must be the target's name`)
  assert.ok(status.model && typeof status.model === 'object', `${what}: model must be a DeploymentRef`)
  assert.equal(status.model.model, expected.model, `${what}: model.model`)
  assert.equal(status.model.version, expected.version, `${what}: model.version must be the resolved version`)
  assert.ok((STATES as readonly string[]).includes(status.state), `${what}: state must be one of ${STATES.join(', ')}, got ${String(status.state)}`)
  if (status.url !== undefined) assert.equal(typeof status.url, 'string', `${what}: url must be a string when present`)
  if (status.detail !== undefined) assert.equal(typeof status.detail, 'string', `${what}: detail must be a string when present`)
}

/** Asserts `action` rejected with an MlopsError whose message names `id`. */
async function rejectsUnknown(action: () => unknown, id: string, what: string): Promise<void> {
  const error = await rejects(action, what)
  assert.ok(isMlopsError(error), `${what}: expected an MlopsError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
  assert.ok(error.message.includes(id), `${what}: the message must name the deployment "${id}", got "${error.message}"`)
}

/** The cases, in a table like ESLint's RuleTester: each runs against a fresh target and temp folder. */
export const deployTargetCases: readonly ConformanceCase<DeployTargetHarness>[] = [
  {
    name: 'deploy returns a status with the id, target, model version and a state; status(id) round-trips',
    run: (h) =>
      withTarget(h, async (target, root) => {
        assert.ok(typeof target.name === 'string' && target.name.length > 0, 'the target has a name')
        const result = await target.deploy(request(root, h))
        const expected = { id: 'penguins-champion', model: 'penguins', version: '1' }
        assertStatus(result, target, expected, 'deploy()')
        assert.notEqual(result.state, 'failed', `deploy() of a valid request must not fail (${result.detail ?? 'no detail'})`)
        const status = await target.status('penguins-champion')
        assertStatus(status, target, expected, 'status() after deploy()')
        assert.notEqual(status.state, 'stopped', 'a deployment that was never undeployed is not stopped')
      }),
  },
  {
    name: 'deployments are kept apart by id; deploying an id again replaces it with the new version',
    run: (h) =>
      withTarget(h, async (target, root) => {
        await target.deploy(request(root, h, { deploymentId: 'penguins-a' }))
        await target.deploy(request(root, h, { deploymentId: 'penguins-b', selector: { version: '7' }, resolved: { version: '7', artifactHash: 'b'.repeat(64) } }))
        assertStatus(await target.status('penguins-a'), target, { id: 'penguins-a', model: 'penguins', version: '1' }, 'status(penguins-a)')
        assertStatus(await target.status('penguins-b'), target, { id: 'penguins-b', model: 'penguins', version: '7' }, 'status(penguins-b)')
        const again = await target.deploy(request(root, h, { deploymentId: 'penguins-a', resolved: { version: '2', artifactHash: 'c'.repeat(64) } }))
        assertStatus(again, target, { id: 'penguins-a', model: 'penguins', version: '2' }, 'deploy() of an existing id')
        assertStatus(await target.status('penguins-a'), target, { id: 'penguins-a', model: 'penguins', version: '2' }, 'status() after a redeploy')
        assertStatus(await target.status('penguins-b'), target, { id: 'penguins-b', model: 'penguins', version: '7' }, 'the other deployment is untouched')
      }),
  },
  {
    name: 'undeploy ends the deployment: status then reports it stopped or rejects with an MlopsError',
    run: (h) =>
      withTarget(h, async (target, root) => {
        await target.deploy(request(root, h, { deploymentId: 'penguins-gone' }))
        await target.deploy(request(root, h, { deploymentId: 'penguins-kept' }))
        await target.undeploy('penguins-gone')
        let after: DeploymentStatus | undefined
        try {
          after = await target.status('penguins-gone')
        } catch (error) {
          assert.ok(isMlopsError(error), `status() of an undeployed id may reject, but with an MlopsError; got ${String(error)}`)
        }
        if (after) assert.equal(after.state, 'stopped', 'status() of an undeployed id, when it answers, says stopped')
        const kept = await target.status('penguins-kept')
        assert.notEqual(kept.state, 'stopped', 'undeploy() stops only the deployment named')
      }),
  },
  {
    name: 'a dry run describes the deployment without creating it',
    run: (h) =>
      withTarget(h, async (target, root) => {
        const result = await target.deploy(request(root, h, { deploymentId: 'penguins-dry', dryRun: true }))
        assertStatus(result, target, { id: 'penguins-dry', model: 'penguins', version: '1' }, 'deploy({ dryRun: true })')
        if (result.output !== undefined) assert.equal(typeof result.output, 'string', 'output must be a string when present')
        await rejectsUnknown(() => target.status('penguins-dry'), 'penguins-dry', 'status() of an id only deployed as a dry run')
      }),
  },
  {
    name: 'an unknown deployment id is rejected by status and undeploy with an MlopsError naming it',
    run: (h) =>
      withTarget(h, async (target, root) => {
        await target.deploy(request(root, h, { deploymentId: 'penguins-known' }))
        await rejectsUnknown(() => target.status('no-such-deployment'), 'no-such-deployment', 'status() of an unknown id')
        await rejectsUnknown(() => target.undeploy('no-such-deployment'), 'no-such-deployment', 'undeploy() of an unknown id')
        assert.notEqual((await target.status('penguins-known')).state, 'stopped', 'the known deployment is untouched')
      }),
  },
  {
    name: 'bad input: an empty deploymentId or model is rejected with an MlopsError and creates nothing',
    run: (h) =>
      withTarget(h, async (target, root) => {
        for (const [label, overrides] of [
          ['an empty deploymentId', { deploymentId: '' }],
          ['an empty model', { deploymentId: 'penguins-bad', model: '' }],
        ] as const) {
          const error = await rejects(() => target.deploy(request(root, h, overrides)), `deploy() with ${label}`)
          assert.ok(isMlopsError(error), `deploy() with ${label}: expected an MlopsError, got ${String(error)}`)
          assert.equal(error.exit, 2, `deploy() with ${label}: bad input exits 2`)
        }
        await rejects(() => target.status('penguins-bad'), 'status() of a deployment whose deploy() was rejected')
      }),
  },
  {
    name: 'an aborted signal rejects deploy and creates nothing',
    run: (h) =>
      withTarget(h, async (target, root) => {
        await rejects(() => target.deploy(request(root, h, { deploymentId: 'penguins-aborted' }), { signal: AbortSignal.abort() }), 'deploy() with an already aborted signal')
        await rejects(() => target.status('penguins-aborted'), 'status() of a deployment whose deploy() was aborted')
      }),
  },
]

/**
 * Registers the deploy target conformance cases with the caller's test runner:
 * `deployTargetConformance({ describe, it }, { pluginName, create, dispose })`.
 */
export function deployTargetConformance(t: TestApi, harness: DeployTargetHarness): void {
  registerCases(t, 'deployTarget conformance (apiVersion 1)', harness, deployTargetCases)
}

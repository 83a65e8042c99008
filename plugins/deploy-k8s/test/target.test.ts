import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError, setupPlugin, type DeployTarget, type Logger } from '@mlops/core'
import { deployTargetConformance } from '@mlops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import deployK8s, { renderManifests, rolloutState, type K8sDeployOptionsInput } from '../src/index.js'
import { request } from './helpers.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const image = 'ghcr.io/acme/penguins:1'
const temp = await mkdtemp(join(tmpdir(), 'mlops-deploy-k8s-'))
afterAll(() => rm(temp, { recursive: true, force: true }))
let count = 0

/** A fresh project root and a target set up through the plugin (options validated as from a config). */
async function target(options: K8sDeployOptionsInput, env: Record<string, string | undefined>): Promise<{ target: DeployTarget; root: string }> {
  const root = join(temp, `project-${count++}`)
  await mkdir(root, { recursive: true })
  const provided = await setupPlugin(deployK8s(options), 'test: plugins[0]', { root, dataDir: join(root, '.mlops'), logger: quiet, signal: new AbortController().signal, env })
  return { target: provided.deployTarget!, root }
}

async function rejected(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string; exit?: number }
  }
  throw new Error('expected a rejection')
}

const emptyBin = join(temp, 'empty-bin')
await mkdir(emptyBin)
/** An environment whose PATH has no kubectl (this machine may have one on its real PATH). */
const noKubectl = { PATH: emptyBin, HOME: temp }
const manifestFile = (root: string, id = 'penguins-champion-k8s') => join(root, '.mlops', 'k8s', `${id}.yaml`)

describe('deploy-k8s: dry run', () => {
  it('returns the manifests as multi-document YAML and writes nothing', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image }, noKubectl)
    const result = await t.deploy(request({ dryRun: true, project: { name: 'palmer', root, configFile: join(root, 'mlops.config.ts') } }))
    expect(result).toMatchObject({ id: 'penguins-champion-k8s', target: 'k8s', state: 'pending', model: { model: 'penguins', version: '3', alias: 'champion' } })
    expect(result.url).toBe('http://penguins-champion-k8s.ml.svc.cluster.local:8080')
    const docs = parseAllDocuments(result.output!).map((d) => d.toJS())
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Deployment', 'Service'])
    expect(existsSync(join(root, '.mlops', 'k8s'))).toBe(false)
    const error = await rejected(t.status('penguins-champion-k8s'))
    expect(error.code).toBe('MLOPS_K8S_DEPLOYMENT_NOT_FOUND')
  })

  it('a dry run still refuses a request it could not render (no image)', async () => {
    const { target: t } = await target({ namespace: 'ml' }, noKubectl)
    const error = await rejected(t.deploy(request({ dryRun: true })))
    expect([error.code, error.exit]).toEqual(['MLOPS_K8S_IMAGE_MISSING', 2])
  })
})

describe('deploy-k8s: kubectl not on PATH', () => {
  it('deploy writes the manifests, then fails saying kubectl is missing and where they are', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image }, noKubectl)
    const req = request({ project: { name: 'palmer', root, configFile: join(root, 'mlops.config.ts') } })
    const error = await rejected(t.deploy(req))
    expect([error.code, error.exit]).toEqual(['MLOPS_K8S_KUBECTL_MISSING', 2])
    expect(error.message).toContain('"kubectl" is not on PATH')
    expect(error.message).toContain('.mlops/k8s/penguins-champion-k8s.yaml')
    expect((error as { hint?: string }).hint).toContain('kubectl apply -f .mlops/k8s/penguins-champion-k8s.yaml')
    expect(await readFile(manifestFile(root), 'utf8')).toBe(renderManifests(req, { namespace: 'ml', image }).yaml)
  })

  it('status reports the written file; undeploy fails clearly and keeps it; check says kubectl is missing', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image }, noKubectl)
    await rejected(t.deploy(request()))
    const status = await t.status('penguins-champion-k8s')
    expect(status).toMatchObject({ id: 'penguins-champion-k8s', target: 'k8s', state: 'pending', model: { model: 'penguins', version: '3', alias: 'champion' } })
    expect(status.detail).toMatch(/"kubectl" is not on PATH, so the cluster was not asked; manifests in \.mlops\/k8s\/penguins-champion-k8s\.yaml/)
    const error = await rejected(t.undeploy('penguins-champion-k8s'))
    expect(error.code).toBe('MLOPS_K8S_KUBECTL_MISSING')
    expect((error as { hint?: string }).hint).toContain('kubectl delete -f .mlops/k8s/penguins-champion-k8s.yaml')
    expect(existsSync(manifestFile(root))).toBe(true)
    const health = await t.check!()
    expect(health.ok).toBe(false)
    expect(health.detail).toContain('"kubectl" is not on PATH')
  })

  it('an unknown deployment id is named in the error, with the known ones', async () => {
    const { target: t } = await target({ namespace: 'ml', image, apply: false }, noKubectl)
    await t.deploy(request())
    for (const call of [() => t.status('nope'), () => t.undeploy('nope'), () => t.status('../../etc/passwd')]) {
      const error = await rejected(call())
      expect(error.code).toBe('MLOPS_K8S_DEPLOYMENT_NOT_FOUND')
      expect(error.message).toMatch(/^No k8s deployment "(nope|\.\.\/\.\.\/etc\/passwd)": there is no (\.mlops\/k8s\/nope\.yaml|manifest file for it, ids are letters).*\(deployments: penguins-champion-k8s\)/)
    }
  })
})

describe('deploy-k8s: apply: false (write manifests only)', () => {
  it('deploy writes the file, status reads it back, undeploy removes it; check is ok without kubectl', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image, apply: false }, noKubectl)
    const result = await t.deploy(request({ selector: { version: '3' } }))
    expect(result.state).toBe('pending')
    expect(result.detail).toContain('not applied (apply: false): kubectl apply -f .mlops/k8s/penguins-champion-k8s.yaml')
    expect(await readdir(join(root, '.mlops', 'k8s'))).toEqual(['penguins-champion-k8s.yaml'])
    expect(await t.status('penguins-champion-k8s')).toMatchObject({ state: 'pending', model: { model: 'penguins', version: '3' } })
    expect((await t.status('penguins-champion-k8s')).model.alias).toBeUndefined()
    await t.undeploy('penguins-champion-k8s')
    expect(existsSync(manifestFile(root))).toBe(false)
    expect((await rejected(t.status('penguins-champion-k8s'))).code).toBe('MLOPS_K8S_DEPLOYMENT_NOT_FOUND')
    expect(await t.check!()).toMatchObject({ ok: true, detail: expect.stringContaining('render-only (apply: false)') })
  })

  it('an aborted signal writes nothing', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image, apply: false }, noKubectl)
    const error = await rejected(t.deploy(request(), { signal: AbortSignal.abort() }))
    expect(error.code).toBe('MLOPS_K8S_DEPLOY_ABORTED')
    expect(existsSync(manifestFile(root))).toBe(false)
  })
})

deployTargetConformance(
  { describe, it },
  {
    pluginName: '@mlops/deploy-k8s (apply: false)',
    create: async (root) => (await setupPlugin(deployK8s({ image, apply: false }), 'conformance', { root, dataDir: join(root, '.mlops'), logger: quiet, signal: new AbortController().signal, env: noKubectl })).deployTarget!,
  },
)

// The real kubectl of this machine against a cluster address where nothing listens (127.0.0.1:1): the path
// a user with a stale or unreachable context takes. Skipped, with the reason in the title, without kubectl.
const kubectlPath = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0
describe.skipIf(!kubectlPath)(`deploy-k8s: real kubectl, unreachable cluster${kubectlPath ? '' : ' (skipped: no kubectl on PATH)'}`, () => {
  let env: Record<string, string | undefined>
  let noContextEnv: Record<string, string | undefined>
  beforeAll(async () => {
    const kubeconfig = join(temp, 'kubeconfig-closed.yaml')
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: closed, cluster: { server: "https://127.0.0.1:1" } }]',
        // A token, so kubectl never prompts for a username.
        'users: [{ name: nobody, user: { token: not-a-token } }]',
        'contexts: [{ name: closed, context: { cluster: closed, user: nobody } }]',
        'current-context: closed',
        '',
      ].join('\n'),
    )
    const empty = join(temp, 'kubeconfig-empty.yaml')
    await writeFile(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n')
    env = { PATH: process.env.PATH, HOME: temp, KUBECONFIG: kubeconfig }
    noContextEnv = { PATH: process.env.PATH, HOME: temp, KUBECONFIG: empty }
  })

  it('deploy fails with kubectl\'s reason and where the manifests are', async () => {
    const { target: t, root } = await target({ namespace: 'ml', image }, env)
    const error = await rejected(t.deploy(request()))
    expect([error.code, error.exit]).toEqual(['MLOPS_K8S_KUBECTL_FAILED', 2])
    expect(error.message).toMatch(/^`kubectl apply -f \S+penguins-champion-k8s\.yaml` exited with 1: .*connection refused/s)
    expect(error.message).not.toMatch(/memcache\.go/)
    expect(error.message).toContain('The manifests are in .mlops/k8s/penguins-champion-k8s.yaml')
    expect(existsSync(manifestFile(root))).toBe(true)
    const status = await t.status('penguins-champion-k8s')
    expect(status.state).toBe('pending')
    expect(status.detail).toMatch(/cannot ask the cluster .*refused/s)
  })

  it('check says the cluster of the context cannot be reached, or that there is no context', async () => {
    const unreachable = await (await target({ namespace: 'ml', image }, env)).target.check!()
    expect(unreachable.ok).toBe(false)
    expect(unreachable.detail).toMatch(/cannot reach the cluster of context closed: .*refused/s)
    const noContext = await (await target({ namespace: 'ml', image }, noContextEnv)).target.check!()
    expect(noContext).toEqual({ ok: false, detail: expect.stringContaining('kubectl has no current context') })
  })
})

describe('rolloutState (how status reads `kubectl get deployment -o json`)', () => {
  const base = { metadata: { generation: 2 }, spec: { replicas: 2 } }
  it.each([
    ['all replicas updated and available', { ...base, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } }, 'running'],
    ['an old generation not yet observed', { ...base, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } }, 'pending'],
    ['one new pod not ready yet', { ...base, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 } }, 'pending'],
    ['old pods still terminating', { ...base, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 } }, 'pending'],
    [
      'the progress deadline passed',
      { ...base, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "p-1" has timed out progressing.' }] } },
      'failed',
    ],
    ['a replica that cannot be created', { ...base, status: { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota exceeded' }] } }, 'failed'],
    ['scaled to zero', { metadata: { generation: 3 }, spec: { replicas: 0 }, status: { observedGeneration: 3 } }, 'stopped'],
  ] as const)('%s → %s', (_label, deployment, state) => {
    expect(rolloutState(deployment).state).toBe(state)
  })
})

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import {
  mlopsError,
  type CallOptions,
  type DeploymentRef,
  type DeploymentStatus,
  type DeployRequest,
  type DeployResult,
  type DeployTarget,
  type HealthCheckResult,
  type PluginContext,
} from '@mlops/core'
import { parseAllDocuments } from 'yaml'
import { K8sDeployAborted, K8sDeploymentNotFound, K8sKubectlFailed, K8sKubectlMissing } from './errors.js'
import { formatCommand, runKubectl, summarizeKubectlError, type KubectlResult } from './kubectl.js'
import type { K8sDeployOptions } from './options.js'
import { assertDeployRequest, DEPLOYMENT_ID, renderManifests, serviceUrl } from './render.js'

/** What status needs from a written manifest file: read back from its ConfigMap and Deployment. */
interface WrittenDeployment {
  name: string
  namespace: string
  port: number
  model: DeploymentRef
}

/** The fields of an apps/v1 Deployment that say how its rollout is going. */
export interface DeploymentObject {
  metadata?: { generation?: number }
  spec?: { replicas?: number }
  status?: {
    observedGeneration?: number
    replicas?: number
    updatedReplicas?: number
    readyReplicas?: number
    availableReplicas?: number
    conditions?: { type: string; status: string; reason?: string; message?: string }[]
  }
}

/**
 * The state of a Deployment as `kubectl rollout status` judges it: failed when its progress deadline passed
 * or a replica cannot be created, running when every replica is updated and available, stopped at 0
 * replicas, else pending.
 */
export function rolloutState(d: DeploymentObject): { state: DeploymentStatus['state']; detail: string } {
  const desired = d.spec?.replicas ?? 1
  const s = d.status ?? {}
  const conditions = s.conditions ?? []
  const failed = conditions.find((c) => (c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') || (c.type === 'ReplicaFailure' && c.status === 'True'))
  const counts = `${s.readyReplicas ?? 0}/${desired} ready, ${s.updatedReplicas ?? 0} updated, ${s.availableReplicas ?? 0} available`
  if (failed) return { state: 'failed', detail: `${failed.type} ${failed.reason ?? ''}: ${failed.message ?? ''} (${counts})`.replace(/\s+/g, ' ').trim() }
  if (desired === 0) return { state: 'stopped', detail: 'scaled to 0 replicas' }
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  const done = observed && (s.updatedReplicas ?? 0) >= desired && (s.availableReplicas ?? 0) >= desired && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0)
  return done ? { state: 'running', detail: counts } : { state: 'pending', detail: `rollout in progress: ${counts}` }
}

/**
 * The Kubernetes deploy target. `deploy` renders a ConfigMap, Deployment and Service (see renderManifests),
 * writes them to `.mlops/k8s/<deploymentId>.yaml` and applies them with `kubectl apply -f`; a dry run only
 * returns them. `status` asks the cluster through kubectl when it can and otherwise reports what the written
 * file says; `undeploy` runs `kubectl delete -f` and removes the file. No `serve`: the pods run `mlops serve`.
 */
export class K8sDeployTarget implements DeployTarget {
  readonly name = 'k8s'
  readonly #options: K8sDeployOptions
  readonly #ctx: PluginContext
  readonly #dir: string

  constructor(options: K8sDeployOptions, ctx: PluginContext) {
    this.#options = options
    this.#ctx = ctx
    this.#dir = join(ctx.dataDir, 'k8s')
  }

  /** The manifest file of a deployment, relative to the project root when inside it (for messages). */
  #where(file: string): string {
    const rel = relative(this.#ctx.root, file)
    return rel.startsWith('..') ? file : rel
  }

  #file(id: string): string {
    return join(this.#dir, `${id}.yaml`)
  }

  #kubectl(args: string[], options: CallOptions & { timeoutMs?: number } = {}): Promise<KubectlResult> {
    return runKubectl(args, { kubectl: this.#options.kubectl, context: this.#options.context, env: this.#ctx.env, signal: options.signal, timeoutMs: options.timeoutMs ?? 120_000 })
  }

  #command(args: string[]): string {
    return formatCommand(this.#options.kubectl, args, this.#options.context)
  }

  async check(options: CallOptions = {}): Promise<HealthCheckResult> {
    const mode = this.#options.apply ? '' : 'render-only (apply: false): manifests are written to .mlops/k8s; '
    const version = await this.#kubectl(['version', '--client', '-o', 'json'], { ...options, timeoutMs: 10_000 })
    if (!version.found) return { ok: !this.#options.apply, detail: `${mode}"${this.#options.kubectl}" is not on PATH: install kubectl to apply manifests` }
    if (version.code !== 0) return { ok: !this.#options.apply, detail: `${mode}\`${this.#command(['version', '--client'])}\` failed: ${summarizeKubectlError(version.stderr)}` }
    const context = this.#options.context ?? (await this.#kubectl(['config', 'current-context'], { ...options, timeoutMs: 10_000 }))
    const contextName = typeof context === 'string' ? context : context.code === 0 ? context.stdout.trim() : undefined
    if (contextName === undefined) {
      return { ok: !this.#options.apply, detail: `${mode}kubectl has no current context: pick one with \`kubectl config use-context NAME\` or set deployK8s({ context })` }
    }
    // A round trip to the API server that also answers the question that matters: may we deploy here?
    const canI = await this.#kubectl(['auth', 'can-i', 'create', 'deployments', '--namespace', this.#options.namespace, '--request-timeout=5s'], { ...options, timeoutMs: 15_000 })
    const answer = canI.stdout.trim()
    if (answer === 'yes') return { ok: true, detail: `${mode}context ${contextName}, namespace ${this.#options.namespace}: may create deployments` }
    if (answer === 'no') return { ok: false, detail: `${mode}context ${contextName} may not create deployments in namespace ${this.#options.namespace}` }
    return { ok: !this.#options.apply, detail: `${mode}cannot reach the cluster of context ${contextName}: ${summarizeKubectlError(canI.stderr, canI.stdout)}` }
  }

  async deploy(request: DeployRequest, options: CallOptions = {}): Promise<DeployResult> {
    assertDeployRequest(request)
    const rendered = renderManifests(request, this.#options)
    const id = request.deploymentId
    const model: DeploymentRef = { model: request.model, version: request.resolved.version, ...('alias' in request.selector ? { alias: request.selector.alias } : {}) }
    const base = { id, target: this.name, model, url: serviceUrl(rendered) }
    if (request.dryRun) {
      return { ...base, state: 'pending', output: rendered.yaml, detail: `dry run: would apply ${rendered.manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')} in namespace ${rendered.namespace}` }
    }
    if (options.signal?.aborted) throw mlopsError(K8sDeployAborted, [id])
    const file = this.#file(id)
    await mkdir(this.#dir, { recursive: true })
    await writeFile(`${file}.tmp`, rendered.yaml)
    await rename(`${file}.tmp`, file)
    const where = this.#where(file)
    if (!this.#options.apply) {
      return { ...base, state: 'pending', output: rendered.yaml, detail: `manifests written to ${where}, not applied (apply: false): kubectl apply -f ${where}` }
    }
    const args = ['apply', '-f', file]
    const applied = await this.#kubectl(args, options)
    if (!applied.found) throw mlopsError(K8sKubectlMissing, [`apply deployment ${id}`, this.#options.kubectl, where])
    if (applied.code !== 0) throw mlopsError(K8sKubectlFailed, [this.#command(args), applied.code ?? 'a signal', summarizeKubectlError(applied.stderr, applied.stdout), where])
    return {
      ...base,
      state: 'pending',
      output: applied.stdout,
      detail: `applied ${where}; follow the rollout with \`${this.#command(['rollout', 'status', `deployment/${rendered.name}`, '--namespace', rendered.namespace])}\``,
    }
  }

  async #known(): Promise<string[]> {
    try {
      return (await readdir(this.#dir)).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort()
    } catch {
      return []
    }
  }

  async #readWritten(id: string): Promise<WrittenDeployment> {
    let text: string | undefined
    if (typeof id === 'string' && DEPLOYMENT_ID.test(id)) {
      try {
        text = await readFile(this.#file(id), 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    if (text === undefined) {
      const where = typeof id === 'string' && DEPLOYMENT_ID.test(id) ? this.#where(this.#file(id)) : 'manifest file for it, ids are letters, digits, . _ @ -'
      throw mlopsError(K8sDeploymentNotFound, [String(id), where, await this.#known()])
    }
    const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; data?: Record<string, string>; spec?: { ports?: { port?: number }[] } })
    const configMap = docs.find((d) => d?.kind === 'ConfigMap')
    const service = docs.find((d) => d?.kind === 'Service')
    const data = configMap?.data ?? {}
    return {
      name: configMap?.metadata?.name ?? id,
      namespace: configMap?.metadata?.namespace ?? this.#options.namespace,
      port: service?.spec?.ports?.[0]?.port ?? this.#options.port,
      model: { model: data.model ?? '', version: data.version ?? '', ...(data.alias ? { alias: data.alias } : {}) },
    }
  }

  async status(deploymentId: string, options: CallOptions = {}): Promise<DeploymentStatus> {
    const written = await this.#readWritten(deploymentId)
    const where = this.#where(this.#file(deploymentId))
    const base = { id: deploymentId, target: this.name, model: written.model, url: serviceUrl(written) }
    if (!this.#options.apply) return { ...base, state: 'pending', detail: `manifests written to ${where}, not applied by mlops (apply: false)` }
    const args = ['get', 'deployment', written.name, '--namespace', written.namespace, '-o', 'json', '--request-timeout=10s']
    const got = await this.#kubectl(args, { ...options, timeoutMs: 20_000 })
    if (!got.found) return { ...base, state: 'pending', detail: `"${this.#options.kubectl}" is not on PATH, so the cluster was not asked; manifests in ${where}` }
    if (got.code !== 0) {
      const reason = summarizeKubectlError(got.stderr, got.stdout)
      if (/NotFound|not found/.test(reason)) return { ...base, state: 'pending', detail: `deployment/${written.name} is not in namespace ${written.namespace}: apply it with kubectl apply -f ${where}` }
      return { ...base, state: 'pending', detail: `cannot ask the cluster (\`${this.#command(args)}\`: ${reason}); manifests in ${where}` }
    }
    const { state, detail } = rolloutState(JSON.parse(got.stdout) as DeploymentObject)
    return { ...base, state, detail: `deployment/${written.name} in ${written.namespace}: ${detail}` }
  }

  async undeploy(deploymentId: string, options: CallOptions = {}): Promise<void> {
    await this.#readWritten(deploymentId)
    const file = this.#file(deploymentId)
    if (this.#options.apply) {
      const args = ['delete', '-f', file, '--ignore-not-found']
      const deleted = await this.#kubectl(args, options)
      const where = this.#where(file)
      if (!deleted.found) throw mlopsError(K8sKubectlMissing, [`delete deployment ${deploymentId}`, this.#options.kubectl, where])
      if (deleted.code !== 0) throw mlopsError(K8sKubectlFailed, [this.#command(args), deleted.code ?? 'a signal', summarizeKubectlError(deleted.stderr, deleted.stdout), where])
    }
    await rm(file, { force: true })
  }
}

import { relative } from 'node:path'
import { mlopsError, sha256Hex, type DeployRequest } from '@mlops/core'
import { stringify } from 'yaml'
import { K8sDeployRequestInvalid, K8sImageMissing } from './errors.js'
import { applySettings, type K8sDeployOptions, type K8sDeployOptionsInput } from './options.js'

/** The Open Inference Protocol health endpoints the `mlops serve` http server answers. */
export const LIVENESS_PATH = '/v2/health/live'
export const READINESS_PATH = '/v2/health/ready'
export const CONTAINER_NAME = 'model-server'
export const DEPLOYMENT_ID = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> }
  [key: string]: unknown
}

export interface RenderedManifests {
  /** The Kubernetes name of all three objects (DNS-1035 label derived from the deployment id). */
  name: string
  namespace: string
  port: number
  /** ConfigMap, Deployment, Service, in apply order. */
  manifests: K8sObject[]
  /** The manifests as one multi-document YAML file. */
  yaml: string
  /** The options after the request's settings were applied. */
  options: K8sDeployOptions
}

/**
 * A Kubernetes name for a deployment id: a DNS-1035 label (lowercase letters, digits and -, starting with a
 * letter, at most 63 characters; Services demand it). Ids that had to be shortened keep a hash suffix so two
 * long ids do not collide.
 */
export function kubernetesName(id: string): string {
  const base = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '')
  const name = /^[a-z]/.test(base) ? base : `m-${base}`.replace(/-+$/, '')
  if (name === id && name.length <= 63) return name
  // A changed or shortened id gets a hash of the original, so `a_b` and `a.b` stay apart.
  return `${name.slice(0, 54).replace(/-+$/, '')}-${sha256Hex(id).slice(0, 8)}`
}

/** A label value: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric (the full value goes in an annotation). */
export function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
}

/** Checks the fields of a request a Kubernetes rendering relies on; bad input exits 2 and renders nothing. */
export function assertDeployRequest(request: DeployRequest): void {
  const id = request?.deploymentId
  if (typeof id !== 'string' || !DEPLOYMENT_ID.test(id)) {
    throw mlopsError(K8sDeployRequestInvalid, ['deploymentId', `must be letters, digits, . _ @ - (not starting with a dot), got ${JSON.stringify(id)}`])
  }
  if (typeof request.model !== 'string' || request.model === '') throw mlopsError(K8sDeployRequestInvalid, ['model', `must be a registered model name, got ${JSON.stringify(request.model)}`])
  const { serveCommand } = request
  if (!Array.isArray(serveCommand) || serveCommand.length === 0 || !serveCommand.every((a) => typeof a === 'string' && a !== '')) {
    throw mlopsError(K8sDeployRequestInvalid, ['serveCommand', 'must be a non-empty list of arguments (the `mlops serve …` argv)'])
  }
  if (!request.resolved || typeof request.resolved.version !== 'string' || request.resolved.version === '') {
    throw mlopsError(K8sDeployRequestInvalid, ['resolved.version', `must be the version the selector points at, got ${JSON.stringify(request.resolved?.version)}`])
  }
  const selector = request.selector as { alias?: unknown; version?: unknown } | undefined
  if (!selector || (typeof selector.alias !== 'string' && typeof selector.version !== 'string')) {
    throw mlopsError(K8sDeployRequestInvalid, ['selector', 'must be { alias } or { version }'])
  }
}

/** The serve command's own `--port N`, if it has one (the lead CLI adds it when `mlops deploy --port` is given). */
function portOfCommand(command: readonly string[]): number | undefined {
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!
    if (arg === '--port' && command[i + 1] !== undefined) return Number(command[i + 1])
    if (arg.startsWith('--port=')) return Number(arg.slice('--port='.length))
  }
  return undefined
}

/**
 * Renders the Kubernetes objects that serve one registered model: a ConfigMap with the model reference, a
 * Deployment whose container runs the request's `mlops serve …` command (probes on the Open Inference
 * Protocol health endpoints, resources, the store credentials from a Secret), and a Service in front of it.
 * A pure function: it neither writes nor applies anything.
 */
export function renderManifests(request: DeployRequest, optionsInput: K8sDeployOptionsInput = {}): RenderedManifests {
  assertDeployRequest(request)
  const options = applySettings(optionsInput, request.settings ?? {})
  if (options.image === undefined) throw mlopsError(K8sImageMissing, [request.deploymentId])
  const name = kubernetesName(request.deploymentId)
  const { namespace } = options
  // `--port` on the serve command wins: the server listens there, so the container and Service must agree.
  const port = portOfCommand(request.serveCommand) ?? options.port
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw mlopsError(K8sDeployRequestInvalid, ['serveCommand', `has --port ${port}, not a port number`])
  const alias = 'alias' in request.selector ? request.selector.alias : undefined
  const pinned = 'version' in request.selector ? request.selector.version : undefined
  const selectorLabels = { 'app.kubernetes.io/name': 'mlops-model-server', 'app.kubernetes.io/instance': name }
  const labels: Record<string, string> = {
    ...selectorLabels,
    'app.kubernetes.io/version': labelValue(request.resolved.version),
    'app.kubernetes.io/component': 'model-server',
    'app.kubernetes.io/part-of': labelValue(request.project?.name ?? 'mlops') || 'mlops',
    'app.kubernetes.io/managed-by': 'mlops',
    'mlops.dev/model': labelValue(request.model),
    'mlops.dev/version': labelValue(request.resolved.version),
    ...(alias !== undefined ? { 'mlops.dev/alias': labelValue(alias) } : {}),
  }
  for (const key of Object.keys(labels)) if (labels[key] === '') delete labels[key]
  const annotations: Record<string, string> = {
    'mlops.dev/deployment-id': request.deploymentId,
    'mlops.dev/model': request.model,
    'mlops.dev/selector': alias !== undefined ? `@${alias}` : `:${pinned}`,
    'mlops.dev/artifact-hash': request.resolved.artifactHash,
  }
  const configFile = request.project?.root && request.project.configFile ? relative(request.project.root, request.project.configFile) : 'mlops.config.ts'
  const reference = {
    deploymentId: request.deploymentId,
    project: request.project?.name ?? '',
    configFile,
    model: request.model,
    ...(alias !== undefined ? { alias } : { pinnedVersion: pinned! }),
    version: request.resolved.version,
    artifactHash: request.resolved.artifactHash,
    serveCommand: JSON.stringify(request.serveCommand),
  }
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels, annotations },
    data: reference,
  }
  const resources: Record<string, Record<string, string>> = {}
  for (const group of ['requests', 'limits'] as const) {
    const set = options.resources[group]
    if (set && Object.keys(set).length) resources[group] = { ...set } as Record<string, string>
  }
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels, annotations },
    spec: {
      replicas: options.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels },
      // A new version starts and turns ready before an old pod stops: no gap in serving.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          // Changes with the model reference, so redeploying a new version rolls the pods even when the command is the same.
          annotations: { ...annotations, 'mlops.dev/reference-checksum': sha256Hex(JSON.stringify(reference)).slice(0, 16) },
        },
        spec: {
          // The server drains in-flight requests and its prediction log on SIGTERM.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: CONTAINER_NAME,
              image: options.image,
              ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
              workingDir: options.workingDir,
              command: [...request.serveCommand],
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env: [
                // The server listens on 127.0.0.1 unless told otherwise: in a pod it must take traffic from the Service.
                { name: 'MLOPS_SERVE_HOST', value: '0.0.0.0' },
                { name: 'MLOPS_SERVE_PORT', value: String(port) },
                { name: 'MLOPS_DEPLOYMENT_ID', value: request.deploymentId },
              ],
              envFrom: [{ secretRef: { name: options.secretName, optional: true } }],
              // Loading the model (and npx finding the CLI) takes a while: the startup probe covers it, then liveness takes over.
              startupProbe: { httpGet: { path: LIVENESS_PATH, port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              livenessProbe: { httpGet: { path: LIVENESS_PATH, port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: READINESS_PATH, port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
              ...(Object.keys(resources).length ? { resources } : {}),
              securityContext: { allowPrivilegeEscalation: false },
              volumeMounts: [{ name: 'model-reference', mountPath: '/etc/mlops', readOnly: true }],
            },
          ],
          volumes: [{ name: 'model-reference', configMap: { name } }],
        },
      },
    },
  }
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels, annotations },
    spec: {
      type: options.serviceType,
      selector: selectorLabels,
      ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
    },
  }
  const manifests = [configMap, deployment, service]
  const header = `# Rendered by @mlops/deploy-k8s for ${request.model}${alias !== undefined ? `@${alias}` : `:${pinned}`} (version ${request.resolved.version}): ${request.deploymentId}\n`
  return { name, namespace, port, manifests, yaml: header + toYamlDocuments(manifests), options }
}

/** Objects as one multi-document YAML stream (`---` between documents). */
export function toYamlDocuments(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')
}

/** The in-cluster URL of the Service. */
export function serviceUrl(rendered: Pick<RenderedManifests, 'name' | 'namespace' | 'port'>): string {
  return `http://${rendered.name}.${rendered.namespace}.svc.cluster.local:${rendered.port}`
}

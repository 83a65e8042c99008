import { mlopsError } from '@mlops/core'
import { z } from 'zod'
import { K8sSettingInvalid } from './errors.js'

/** A Kubernetes resource quantity: `250m`, `0.5`, `512Mi`, `1Gi`. */
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'must be a Kubernetes quantity such as 250m, 0.5, 512Mi or 1Gi')
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -, at most 63 characters')
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain name: lowercase letters, digits, - and .')
const resourceSet = z.object({ cpu: quantity.optional(), memory: quantity.optional() })

export const k8sDeployOptions = z.object({
  /** Namespace of the Deployment, Service and ConfigMap (it must exist). */
  namespace: dnsLabel.default('default'),
  /**
   * The container image: one that holds the project (mlops.config.ts, package.json, node_modules) in
   * `workingDir`. Required here or as `--set image=…`.
   */
  image: z.string().min(1).optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  /** Folder of the project inside the image; the serve command runs there. */
  workingDir: z.string().startsWith('/', 'must be an absolute path in the image').default('/app'),
  replicas: z.int().min(0).max(1000).default(1),
  /** Port the model server listens on in the container (and the Service's port), unless `--port` sets it. */
  port: z.int().min(1).max(65535).default(8080),
  resources: z
    .object({ requests: resourceSet.optional(), limits: resourceSet.optional() })
    .default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
  /**
   * A Secret whose keys become environment variables of the server (`envFrom`): the store credentials
   * (MLOPS_POSTGRES_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY …). Optional in the pod: a missing
   * Secret leaves the variables unset, and the store plugins name what is missing when they start.
   */
  secretName: dnsSubdomain.default('mlops-credentials'),
  serviceType: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
  /** `false`: only write the manifests to `.mlops/k8s/` (GitOps, or applying them elsewhere); never run kubectl for them. */
  apply: z.boolean().default(true),
  /** The kubectl binary (looked up on PATH). */
  kubectl: z.string().min(1).default('kubectl'),
  /** kubectl context to use (`--context`); default: the current context. */
  context: z.string().min(1).optional(),
})

export type K8sDeployOptions = z.output<typeof k8sDeployOptions>
export type K8sDeployOptionsInput = z.input<typeof k8sDeployOptions>

/** The settings `--set KEY=VALUE` (and `--port`) may override, and how each maps onto the options. */
const SETTING_KEYS = ['image', 'namespace', 'replicas', 'port', 'serviceType', 'secretName', 'imagePullPolicy', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const

/**
 * Options with the request's settings laid over them, validated again. An unknown key is an error: a
 * typo in `--set` must not deploy something other than what was asked.
 */
export function applySettings(options: K8sDeployOptionsInput, settings: Record<string, string>): K8sDeployOptions {
  const merged: Record<string, unknown> = { ...k8sDeployOptions.parse(options) }
  const resources = structuredClone(merged.resources) as { requests?: Record<string, string>; limits?: Record<string, string> }
  for (const [key, value] of Object.entries(settings)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw mlopsError(K8sSettingInvalid, [key, `unknown setting (known: ${SETTING_KEYS.join(', ')})`])
    }
    if (key === 'replicas' || key === 'port') {
      if (!/^\d+$/.test(value)) throw mlopsError(K8sSettingInvalid, [key, `must be a whole number, got "${value}"`])
      merged[key] = Number(value)
    } else if (key.includes('.')) {
      const [group, field] = key.split('.') as ['requests' | 'limits', 'cpu' | 'memory']
      resources[group] = { ...resources[group], [field]: value }
    } else merged[key] = value
  }
  merged.resources = resources
  const parsed = k8sDeployOptions.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = issue.path.join('.').replace(/^resources\./, '')
    throw mlopsError(K8sSettingInvalid, [path, `${issue.message}${path in settings ? ` (got "${settings[path]}")` : ''}`])
  }
  return parsed.data
}

import { errors, formatModelRef, mlopsError, parseModelRef, Registry, setupPlugin, type DeployTarget, type ModelDefinition } from '@mlops/core'
import type { Project } from '../context.js'

export const DEPLOYMENTS = 'deployments'

export interface DeploymentDoc {
  id: string
  target: string
  model: string
  selector: { alias: string } | { version: string }
  /** The version served when the deployment was made (a server following an alias moves on by itself). */
  resolved: { version: string; artifactHash: string }
  url: string | null
  pid: number | null
  state: 'pending' | 'running' | 'stopped' | 'failed'
  settings: Record<string, string>
  createdAt: string
  createdBy: string
  updatedAt: string
  detail: string | null
}

/**
 * The deploy target named `name`: a configured plugin's, or for `http` the built-in model server
 * (`@mlops/deploy-http`), wired like the embedded stores when the config names none.
 */
export async function deployTarget(project: Project, name: string): Promise<DeployTarget> {
  const configured = project.provides.map((p) => p.deployTarget).filter((t): t is DeployTarget => t !== undefined)
  const found = configured.find((t) => t.name === name)
  if (found) return found
  if (name === 'http') {
    const { default: deployHttp } = await import('@mlops/deploy-http')
    const instance = deployHttp()
    const provided = await setupPlugin(instance, 'built-in deploy target', project.pluginContext)
    return provided.deployTarget!
  }
  const known = [...new Set(['http', ...configured.map((t) => t.name)])]
  throw mlopsError(errors.UsageInvalid, [
    `No deploy target "${name}". Targets: ${known.join(', ')}. Add the target's plugin to \`plugins\` in mlops.config.ts (e.g. \`npx mlops add @mlops/deploy-k8s\`).`,
  ])
}

/** The config's definition of a registered model (needed to load and serve it). */
export function modelDefinition(project: Project, name: string): ModelDefinition {
  const def = project.config.models.get(name)
  if (!def) {
    throw mlopsError(errors.ModelConfigInvalid, [
      `models.${name}`,
      `mlops.config.ts declares no model "${name}" (models: ${[...project.config.models.keys()].join(', ') || 'none'}); serving needs its input schema and load()`,
    ])
  }
  return def
}

/** `NAME@ALIAS` / `NAME:VERSION` (default alias `champion`) resolved against the registry. */
export async function resolveServed(project: Project, text: string) {
  const ref = parseModelRef(text)
  const selector: { alias: string } | { version: string } = ref.version !== undefined ? { version: ref.version } : { alias: ref.alias ?? 'champion' }
  const { version } = await new Registry(project.metadata).resolve({ name: ref.name, ...selector })
  return {
    name: ref.name,
    selector,
    selectorText: 'alias' in selector ? selector.alias : selector.version,
    /** `NAME@ALIAS` or `NAME:VERSION`, as the commands take it. */
    ref: formatModelRef({ name: ref.name, ...selector }),
    version,
  }
}

/** The id of a model's deployment with a target: `penguins-champion-http`. */
export function deploymentIdOf(model: string, selectorText: string, target: string): string {
  return `${model}-${selectorText}-${target}`
}

/** `--set key=value` pairs. */
export function parseSettings(pairs: readonly string[], command: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq <= 0) throw mlopsError(errors.UsageInvalid, [`mlops ${command}: --set ${p} is not key=value`])
    out[p.slice(0, eq)] = p.slice(eq + 1)
  }
  return out
}

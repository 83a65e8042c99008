import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { ConfigFileMissing, ConfigInvalid, ConfigLoadFailed, ConfigNotFound } from '../errors/catalogue.js'
import { isMlopsError, mlopsError } from '../errors/mlops-error.js'
import { buildPipelineGraph, type PipelineDefinition, type PipelineGraph } from '../dsl/pipeline.js'
import type { PluginInstance } from '../plugin/define-plugin.js'
import { parseOutputRef } from '../registry/output-ref.js'
import type { ModelDefinition } from '../dsl/model.js'
import type { MonitorDefinition, NotificationsConfig, TriggerDefinition } from '../dsl/monitor.js'
import { formatZodIssues } from '../util/zod-issues.js'
import { ConfigSchema } from './schema.js'

export const CONFIG_FILE_NAMES = ['mlops.config.ts', 'mlops.config.mts', 'mlops.config.js', 'mlops.config.mjs'] as const

export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string
  /** Folder holding the config: the project root. */
  root: string
  project: string
  plugins: PluginInstance[]
  pipelines: Map<string, { definition: PipelineDefinition; graph: PipelineGraph }>
  models: Map<string, ModelDefinition>
  monitors: Map<string, MonitorDefinition>
  triggers: TriggerDefinition[]
  notifications: NotificationsConfig
  execution: { concurrency: number; cache: boolean }
}

/** Finds the config upward from `cwd`, or resolves `explicitPath`. */
export function findConfigFile(cwd: string, explicitPath?: string): string {
  if (explicitPath !== undefined) {
    const file = resolve(cwd, explicitPath)
    if (!existsSync(file)) throw mlopsError(ConfigFileMissing, [file])
    return file
  }
  let dir = resolve(cwd)
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = join(dir, name)
      if (existsSync(file)) return file
    }
    const parent = dirname(dir)
    if (parent === dir) throw mlopsError(ConfigNotFound, [resolve(cwd)])
    dir = parent
  }
}

/** Imports the config with jiti (TypeScript without a build), validates it and builds each pipeline graph. */
export async function loadConfig(options: { cwd: string; configPath?: string; command?: string; env?: Record<string, string | undefined> }): Promise<LoadedConfig> {
  const file = findConfigFile(options.cwd, options.configPath)
  const rel = basename(file)
  let exported: unknown
  try {
    // jiti only for configs: importing it costs ~100 ms, which `mlops --help` must not pay.
    const { createJiti } = await import('jiti')
    const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: true, interopDefault: true })
    exported = await jiti.import(file, { default: true })
  } catch (error) {
    if (isMlopsError(error)) throw error
    const reason = error instanceof Error ? firstLines(error.message) : String(error)
    throw mlopsError(ConfigLoadFailed, [file, reason], { loc: { file }, cause: error })
  }
  if (typeof exported === 'function') {
    exported = await (exported as (env: unknown) => unknown)({ command: options.command ?? '', env: options.env ?? process.env })
  }
  if (exported === undefined || exported === null || typeof exported !== 'object') {
    throw mlopsError(ConfigLoadFailed, [file, 'it has no default export object; write `export default defineConfig({ pipelines: { … } })`'], { loc: { file } })
  }
  const parsed = ConfigSchema.safeParse(exported)
  if (!parsed.success) {
    throw mlopsError(ConfigInvalid, [rel, indent(formatZodIssues(parsed.error, ''))], { loc: { file, path: pathOf(parsed.error) } })
  }
  const pipelines = new Map<string, { definition: PipelineDefinition; graph: PipelineGraph }>()
  for (const [name, value] of Object.entries(parsed.data.pipelines)) {
    const definition = value as PipelineDefinition
    try {
      pipelines.set(name, { definition, graph: buildPipelineGraph(definition, `pipelines.${name}`) })
    } catch (error) {
      if (isMlopsError(error)) throw mlopsError(ConfigInvalid, [rel, `  ${error.message}`], { loc: { file, ...(error.loc?.path ? { path: error.loc.path } : {}) }, cause: error })
      throw mlopsError(ConfigInvalid, [rel, `  pipelines.${name}: ${error instanceof Error ? error.message : String(error)}`], { loc: { file, path: `pipelines.${name}` }, cause: error })
    }
  }
  const models = new Map(Object.entries(parsed.data.models) as [string, ModelDefinition][])
  const monitors = new Map(Object.entries(parsed.data.monitors) as [string, MonitorDefinition][])
  const triggers = parsed.data.triggers as TriggerDefinition[]
  checkReferences(rel, file, pipelines, models, monitors, triggers)
  const root = dirname(file)
  return {
    file,
    root,
    project: parsed.data.project ?? basename(root),
    plugins: parsed.data.plugins as PluginInstance[],
    pipelines,
    models,
    monitors,
    triggers,
    notifications: parsed.data.notifications,
    execution: parsed.data.execution,
  }
}

function firstLines(text: string): string {
  return text.split('\n').slice(0, 6).join('\n')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}

function pathOf(error: { issues: { path: PropertyKey[] }[] }): string {
  return (error.issues[0]?.path ?? []).map(String).join('.')
}

/** Cross-references zod cannot see: a model's pipeline and outputs, a monitor's model, a trigger's pipeline and monitor. */
function checkReferences(
  rel: string,
  file: string,
  pipelines: Map<string, { graph: PipelineGraph }>,
  models: Map<string, ModelDefinition>,
  monitors: Map<string, MonitorDefinition>,
  triggers: TriggerDefinition[],
): void {
  const fail = (path: string, reason: string) => {
    throw mlopsError(ConfigInvalid, [rel, `  ${path}: ${reason}`], { loc: { file, path } })
  }
  const known = (names: Iterable<string>) => [...names].join(', ') || 'none'
  const checkOutput = (path: string, pipeline: string, output: unknown) => {
    const ref = parseOutputRef(output)
    if (!ref) return fail(path, 'expected "step.output", e.g. "train.model"')
    const { stepId, name } = ref
    const node = pipelines.get(pipeline)?.graph.nodes.find((n) => n.id === stepId)
    if (!node) return fail(path, `pipeline "${pipeline}" has no step "${stepId}" (steps: ${known(pipelines.get(pipeline)?.graph.nodes.map((n) => n.id) ?? [])})`)
    const outputs = Object.keys(node.step.config.outputs ?? {})
    if (!outputs.includes(name)) fail(path, `step "${stepId}" has no output "${name}" (outputs: ${known(outputs)})`)
  }
  for (const [name, def] of models) {
    const c = def.config
    const path = `models.${name}`
    if (c.task !== 'classification' && c.task !== 'regression' && c.task !== 'other') fail(`${path}.task`, 'expected "classification", "regression" or "other"')
    if (typeof c.load !== 'function') fail(`${path}.load`, 'expected a function (value) => predictor')
    if (!c.input || typeof (c.input as { safeParse?: unknown }).safeParse !== 'function') fail(`${path}.input`, 'expected a zod object schema of one input row')
    if (!c.source || !pipelines.has(c.source.pipeline)) fail(`${path}.source.pipeline`, `no pipeline "${c.source?.pipeline}" (pipelines: ${known(pipelines.keys())})`)
    checkOutput(`${path}.source.output`, c.source.pipeline, c.source.output)
    if (c.evaluation) {
      checkOutput(`${path}.evaluation.output`, c.source.pipeline, c.evaluation.output)
      if (!c.label && c.task !== 'other') fail(`${path}.label`, 'set the label column so the evaluation data can be scored')
    }
  }
  for (const [name, def] of monitors) {
    const c = def.config
    if (c.model === undefined && c.current === undefined) fail(`monitors.${name}`, 'set `model` (watch its prediction log) or `current: { path }` (a dataset)')
    if (c.model !== undefined && !models.has(c.model)) fail(`monitors.${name}.model`, `no model "${c.model}" (models: ${known(models.keys())})`)
    if (c.reference && 'output' in c.reference && c.model !== undefined) {
      checkOutput(`monitors.${name}.reference.output`, models.get(c.model)!.config.source.pipeline, c.reference.output)
    }
  }
  for (const [i, t] of triggers.entries()) {
    const c = t.config
    const path = `triggers[${i}]`
    if (!pipelines.has(c.run)) fail(`${path}.run`, `no pipeline "${c.run}" (pipelines: ${known(pipelines.keys())})`)
    if ((c.kind === 'drift' || c.kind === 'performanceDrop') && !monitors.has(c.monitor)) fail(`${path}.monitor`, `no monitor "${c.monitor}" (monitors: ${known(monitors.keys())})`)
    if (c.kind === 'codeChange' && !pipelines.has(c.pipeline)) fail(`${path}.pipeline`, `no pipeline "${c.pipeline}"`)
    if (c.cooldown !== undefined && !/^\d+(ms|s|m|h|d)$/.test(c.cooldown)) fail(`${path}.cooldown`, 'expected a duration like "10m"')
  }
}

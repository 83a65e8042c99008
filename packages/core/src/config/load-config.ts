import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { ConfigFileMissing, ConfigInvalid, ConfigLoadFailed, ConfigNotFound } from '../errors/catalogue.js'
import { isMlopsError, mlopsError } from '../errors/mlops-error.js'
import { buildPipelineGraph, type PipelineDefinition, type PipelineGraph } from '../dsl/pipeline.js'
import type { PluginInstance } from '../plugin/define-plugin.js'
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
  const root = dirname(file)
  return {
    file,
    root,
    project: parsed.data.project ?? basename(root),
    plugins: parsed.data.plugins as PluginInstance[],
    pipelines,
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

import type { PluginInstance } from '../plugin/define-plugin.js'
import type { PipelineDefinition } from './pipeline.js'

export interface UserConfig {
  /** Project name shown in outputs (defaults to the folder name). */
  project?: string
  /** Plugins in use; the first providing `metadata`/`storage`/`executor` replaces the embedded default. */
  plugins?: PluginInstance[]
  pipelines: Record<string, PipelineDefinition>
  execution?: {
    /** How many independent steps run at once (default 4). */
    concurrency?: number
    /** Set false to never reuse cached outputs (default true). */
    cache?: boolean
  }
}

export interface ConfigEnv {
  /** The command being run (`run`, `runs`, …). */
  command: string
  /** process.env at load time. */
  env: Readonly<Record<string, string | undefined>>
}

/** Identity function for editor types; the loader validates the value with zod after import. */
export function defineConfig<const C extends UserConfig>(config: C | ((env: ConfigEnv) => C | Promise<C>)): typeof config {
  return config
}

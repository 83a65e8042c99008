import type { PluginInstance } from '../plugin/define-plugin.js'
import type { PipelineDefinition } from './pipeline.js'
import type { ModelDefinition } from './model.js'
import type { MonitorDefinition, NotificationsConfig, TriggerDefinition } from './monitor.js'

export interface UserConfig {
  /** Project name shown in outputs (defaults to the folder name). */
  project?: string
  /** Plugins in use; the first providing `metadata`/`storage`/`executor` replaces the embedded default. */
  plugins?: PluginInstance[]
  pipelines: Record<string, PipelineDefinition>
  /** Registered models: where versions come from, the input schema, how to load one, promotion gates. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  models?: Record<string, ModelDefinition<any, any>>
  /** What to watch after deployment (prediction log or a current dataset). */
  monitors?: Record<string, MonitorDefinition>
  /** What starts a pipeline by itself: drift, a schedule, new data, a code change, a performance drop. */
  triggers?: TriggerDefinition[]
  /** Which events go to the notifier plugins, and the alert cooldown. */
  notifications?: NotificationsConfig
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

import type { ModelDefinition } from '../dsl/model.js'
import { ModelNotFound } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactStore, LoadedModel, Logger, MetadataStore, PredictionLogWriter, ServingRuntime } from '../plugin/kinds.js'
import { loadModelVersion } from '../registry/load.js'
import { Registry } from '../registry/registry.js'
import { validateRows } from '../registry/signature.js'

export interface ServingRuntimeOptions {
  metadata: MetadataStore
  storage: ArtifactStore
  /** The registered model's name and its definition from the config (for `load`). */
  model: string
  definition: ModelDefinition
  /** An alias (`champion`) or a version number (`3`) the primary follows. */
  selector: string
  /** An alias or version for canary/shadow traffic. */
  challenger?: string
  predictionLog: PredictionLogWriter
  /** How often the registry is re-read for alias moves (ms, default 1000; 0 disables polling). */
  pollMs?: number
  logger?: Logger
}

const isVersion = (selector: string) => /^\d+$/.test(selector)

/**
 * Serves the versions behind an alias: loads them with the config's `load`, follows promotions and
 * rollbacks by polling the registry (a new version is loaded before it replaces the old one; a version
 * that fails to load is logged and the previous keeps serving), validates requests against the recorded
 * signature, and owns the prediction log.
 */
export async function createServingRuntime(options: ServingRuntimeOptions): Promise<ServingRuntime> {
  const { metadata, storage, model, definition, selector, challenger, predictionLog, logger } = options
  const registry = new Registry(metadata)
  if (!(await registry.getModel(model))) throw mlopsError(ModelNotFound, [model, (await registry.listModels()).map((m) => m.name)])
  const cache = new Map<string, LoadedModel>()

  const load = async (sel: string): Promise<LoadedModel> => {
    const { version } = await registry.resolve(isVersion(sel) ? { name: model, version: sel } : { name: model, alias: sel })
    const hit = cache.get(version.version)
    if (hit) return hit
    const loaded = await loadModelVersion(storage, definition, version)
    cache.set(version.version, loaded)
    return loaded
  }

  let primary = await load(selector)
  let secondary = challenger === undefined ? undefined : await load(challenger).catch((error: unknown) => {
    logger?.warn(`challenger ${model}@${challenger} is not available; serving the primary only`, { reason: error instanceof Error ? error.message : String(error) })
    return undefined
  })
  let refreshing: Promise<boolean> | undefined

  const refreshOnce = async (): Promise<boolean> => {
    let changed = false
    try {
      const next = await load(selector)
      if (next.version !== primary.version) {
        logger?.info(`${model}@${selector} now serves version ${next.version} (was ${primary.version})`)
        primary = next
        changed = true
      }
    } catch (error) {
      logger?.error(`could not re-resolve ${model}@${selector}; version ${primary.version} keeps serving`, { reason: error instanceof Error ? error.message : String(error) })
    }
    if (challenger !== undefined) {
      try {
        const next = await load(challenger)
        if (next.version !== secondary?.version) {
          secondary = next
          changed = true
        }
      } catch {
        if (secondary !== undefined) changed = true
        secondary = undefined
      }
    }
    for (const v of cache.keys()) if (v !== primary.version && v !== secondary?.version) cache.delete(v)
    return changed
  }

  const pollMs = options.pollMs ?? 1000
  const timer = pollMs > 0 ? setInterval(() => void runtime.refresh(), pollMs) : undefined
  timer?.unref()

  const runtime: ServingRuntime = {
    model,
    selector,
    challengerSelector: challenger,
    current: () => ({ primary, challenger: secondary }),
    refresh() {
      refreshing ??= refreshOnce().finally(() => {
        refreshing = undefined
      })
      return refreshing
    },
    validate: (rows) => validateRows(primary.signature, rows),
    predictionLog,
    async close() {
      if (timer) clearInterval(timer)
      await refreshing?.catch(() => {})
      await predictionLog.close()
    },
  }
  return runtime
}

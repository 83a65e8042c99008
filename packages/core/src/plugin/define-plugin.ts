import type { z } from 'zod'
import { PluginApiUnsupported, PluginInvalid, PluginOptionsInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import { formatZodIssues } from '../util/zod-issues.js'
import { SUPPORTED_PLUGIN_API_VERSIONS } from './api-version.js'
import type { PluginContext, PluginProvides } from './kinds.js'

const PLUGIN_BRAND = Symbol.for('@mlops/core/plugin')

export interface PluginDefinition<S extends z.ZodType, P extends PluginProvides> {
  name: string
  apiVersion: number
  /** The package version, shown by `mlops plugins ls`. */
  version?: string
  options: S
  setup: (options: z.output<S>, ctx: PluginContext) => P | Promise<P>
}

/** A configured plugin: what a plugin factory returns and what `plugins: [...]` holds. */
export interface PluginInstance<P extends PluginProvides = PluginProvides> {
  readonly [PLUGIN_BRAND]: true
  readonly name: string
  readonly apiVersion: number
  readonly version: string | undefined
  /** The options as the user wrote them; validated when the plugin is set up. */
  readonly rawOptions: unknown
  readonly definition: PluginDefinition<z.ZodType, P>
}

/**
 * Defines a plugin. Returns a factory: `plugins: [myPlugin({ ... })]`. Options are validated with the
 * plugin's zod schema when the config loads, and errors name the plugin and the option path.
 */
export function definePlugin<S extends z.ZodType, P extends PluginProvides>(
  definition: PluginDefinition<S, P>,
): (options?: z.input<S>) => PluginInstance<P> {
  return (options) => ({
    [PLUGIN_BRAND]: true,
    name: definition.name,
    apiVersion: definition.apiVersion,
    version: definition.version,
    rawOptions: options ?? {},
    definition: definition as unknown as PluginDefinition<z.ZodType, P>,
  })
}

export function isPluginInstance(value: unknown): value is PluginInstance {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true
}

/** Validates options and the API version, then calls `setup`. `where` is e.g. `mlops.config.ts: plugins[2]`. */
export async function setupPlugin(plugin: unknown, where: string, ctx: PluginContext): Promise<PluginProvides> {
  if (!isPluginInstance(plugin)) {
    const got = typeof plugin === 'function' ? 'a function (call the factory: `myPlugin({...})`)' : `a ${plugin === null ? 'null' : typeof plugin}`
    throw mlopsError(PluginInvalid, [where, `got ${got}`])
  }
  const label = `${where} (${plugin.name})`
  if (!SUPPORTED_PLUGIN_API_VERSIONS.includes(plugin.apiVersion)) {
    throw mlopsError(PluginApiUnsupported, [
      `${plugin.name}${plugin.version ? `@${plugin.version}` : ''}`,
      plugin.apiVersion,
      SUPPORTED_PLUGIN_API_VERSIONS.join(', '),
    ])
  }
  const parsed = plugin.definition.options.safeParse(plugin.rawOptions)
  if (!parsed.success) throw mlopsError(PluginOptionsInvalid, [label, formatZodIssues(parsed.error, '', ' › ')])
  const provides = await plugin.definition.setup(parsed.data, ctx)
  if (typeof provides !== 'object' || provides === null) {
    throw mlopsError(PluginInvalid, [label, 'setup() must return an object such as { notifier }'])
  }
  return provides
}

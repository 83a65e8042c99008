import type { z } from 'zod'
import { PluginApiUnsupported, PluginInvalid, PluginOptionsInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import { formatZodIssues } from '../util/zod-issues.js'
import { coreCompatRange, coreVersion, describeApiVersions, isPluginApiSupported, SUPPORTED_PLUGIN_API_VERSIONS } from './api-version.js'
import type { PluginContext, PluginProvides } from './kinds.js'

const PLUGIN_BRAND = Symbol.for('@mlops/core/plugin')
const PLUGIN_FACTORY_BRAND = Symbol.for('@mlops/core/plugin-factory')

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

/** What `definePlugin` returns and a plugin package default-exports: call it with options to configure the plugin. */
export type PluginFactory<S extends z.ZodType = z.ZodType, P extends PluginProvides = PluginProvides> = ((options?: z.input<S>) => PluginInstance<P>) & {
  readonly [PLUGIN_FACTORY_BRAND]: true
  /** The definition, so tools (`mlops add`) can check the name, API version and options without configuring it. */
  readonly definition: PluginDefinition<z.ZodType, P>
}

/**
 * Defines a plugin. Returns a factory: `plugins: [myPlugin({ ... })]`. Options are validated with the
 * plugin's zod schema when the config loads, and errors name the plugin and the option path.
 */
export function definePlugin<S extends z.ZodType, P extends PluginProvides>(definition: PluginDefinition<S, P>): PluginFactory<S, P> {
  const erased = definition as unknown as PluginDefinition<z.ZodType, P>
  const factory = (options?: z.input<S>): PluginInstance<P> => ({
    [PLUGIN_BRAND]: true,
    name: definition.name,
    apiVersion: definition.apiVersion,
    version: definition.version,
    rawOptions: options ?? {},
    definition: erased,
  })
  return Object.assign(factory, { [PLUGIN_FACTORY_BRAND]: true as const, definition: erased })
}

export function isPluginInstance(value: unknown): value is PluginInstance {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true
}

/** True for a factory made by `definePlugin` (what a plugin package's default export must be). */
export function isPluginFactory(value: unknown): value is PluginFactory {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[PLUGIN_FACTORY_BRAND] === true
}

/** Says what a value that should be a configured plugin is instead, and how to get the plugin from it. */
function describeNonPlugin(value: unknown): string {
  if (isPluginFactory(value)) return `got the plugin factory itself; call it: \`${factoryHint(value.definition.name)}({ ... })\``
  if (typeof value === 'function') return 'got a function (call the factory: `myPlugin({...})`)'
  if (value === null || value === undefined) return `got ${String(value)}`
  if (typeof value !== 'object') return `got a ${typeof value}`
  const def = (value as { default?: unknown }).default
  if (isPluginFactory(def) || isPluginInstance(def)) return "got a module object; import the package's default export (`import x from 'pkg'`) and call it"
  if (Array.isArray(value)) return 'got an array (list plugins directly in `plugins: [...]`, or spread the array)'
  return 'got an object that was not made by a plugin factory (plugins are made with definePlugin)'
}

function factoryHint(name: string): string {
  const base = name.replace(/^@[^/]+\//, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())
  return /^[A-Za-z_$]/.test(base) ? base : 'myPlugin'
}

/** Throws PluginApiUnsupported when core cannot load a plugin implementing `apiVersion`. `where` is e.g. `mlops.config.ts: plugins[2]`. */
export function assertPluginApiSupported(plugin: { name: string; version?: string | undefined; apiVersion: unknown }, where: string): void {
  if (isPluginApiSupported(plugin.apiVersion)) return
  const apiVersion = typeof plugin.apiVersion === 'number' ? plugin.apiVersion : undefined
  const version = coreVersion()
  throw mlopsError(PluginApiUnsupported, [
    {
      where,
      name: plugin.name,
      version: plugin.version,
      apiVersion,
      supported: describeApiVersions(SUPPORTED_PLUGIN_API_VERSIONS),
      pluginIsNewer: apiVersion !== undefined && apiVersion > Math.max(...SUPPORTED_PLUGIN_API_VERSIONS),
      coreVersion: version,
      coreRange: coreCompatRange(version),
    },
  ])
}

/**
 * Checks a `plugins[i]` value without setting it up: it is a configured plugin, core supports its API
 * version, and its options pass its schema. Returns the plugin and the parsed options.
 */
export function checkPlugin(plugin: unknown, where: string): { plugin: PluginInstance; options: unknown } {
  if (!isPluginInstance(plugin)) throw mlopsError(PluginInvalid, [where, describeNonPlugin(plugin)])
  assertPluginApiSupported(plugin, where)
  const parsed = plugin.definition.options.safeParse(plugin.rawOptions)
  if (!parsed.success) throw mlopsError(PluginOptionsInvalid, [`${where} (${plugin.name})`, formatZodIssues(parsed.error, '', ' › ')])
  return { plugin, options: parsed.data }
}

/** Validates options and the API version (checkPlugin), then calls `setup`. `where` is e.g. `mlops.config.ts: plugins[2]`. */
export async function setupPlugin(value: unknown, where: string, ctx: PluginContext): Promise<PluginProvides> {
  const { plugin, options } = checkPlugin(value, where)
  const provides = await plugin.definition.setup(options, ctx)
  if (typeof provides !== 'object' || provides === null) {
    throw mlopsError(PluginInvalid, [`${where} (${plugin.name})`, 'setup() must return an object such as { notifier }'])
  }
  return provides
}

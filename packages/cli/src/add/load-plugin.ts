import { errors, isPluginFactory, isPluginInstance, mlopsError, type PluginFactory } from '@mlops/core'

const NOT_FOUND_CODES = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_UNSUPPORTED_DIR_IMPORT'])

/**
 * Imports the package the way the config will (jiti, resolved from the config's folder) and returns its
 * default export if it is a plugin factory. Throws AddPackageNotFound when it cannot be imported and
 * AddNotAPlugin when its default export is something else.
 */
export async function importPluginFactory(configFile: string, packageName: string, root: string): Promise<PluginFactory> {
  const { createJiti } = await import('jiti')
  const jiti = createJiti(configFile, { moduleCache: false, interopDefault: false })
  let mod: Record<string, unknown>
  try {
    mod = (await jiti.import(packageName)) as Record<string, unknown>
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== undefined && NOT_FOUND_CODES.has(code) && firstLine(error).includes(packageName)) {
      throw mlopsError(errors.AddPackageNotFound, [packageName, root, 'it is not installed there'])
    }
    throw mlopsError(errors.AddPackageNotFound, [packageName, root, `importing it failed: ${firstLine(error)}`], { cause: error })
  }
  const value = mod.default
  if (isPluginFactory(value)) return value
  throw mlopsError(errors.AddNotAPlugin, [packageName, describeDefaultExport(value, mod)])
}

function describeDefaultExport(value: unknown, mod: Record<string, unknown>): string {
  const namedFactories = Object.keys(mod).filter((key) => key !== 'default' && isPluginFactory(mod[key]))
  const named = namedFactories.length ? ` (it exports the plugin factor${namedFactories.length === 1 ? 'y' : 'ies'} ${namedFactories.join(', ')} by name; import ${namedFactories.length === 1 ? 'it' : 'one'} by hand)` : ''
  let got: string
  if (value === undefined) got = 'missing (the package has no default export)'
  else if (isPluginInstance(value)) got = 'an already configured plugin, not the factory made by definePlugin'
  else if (typeof value === 'function') got = `a function that definePlugin did not make${value.name ? ` (${value.name})` : ''}`
  else got = value === null ? 'null' : `a ${Array.isArray(value) ? 'array' : typeof value}`
  return `${got}${named}`
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}

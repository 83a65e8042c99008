import { readFileSync } from 'node:fs'

// Widen only with a changeset explaining the migration (CONVENTIONS.md §9).
export const PLUGIN_API_VERSION = 1
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1]

let cachedCoreVersion: string | undefined

/** This @mlops/core's package version (read once, on demand: only error messages and `mlops plugins ls` need it). */
export function coreVersion(): string {
  if (cachedCoreVersion === undefined) {
    try {
      // src/plugin/ and dist/plugin/ both sit two folders below package.json.
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
      cachedCoreVersion = typeof pkg.version === 'string' ? pkg.version : 'unknown'
    } catch {
      cachedCoreVersion = 'unknown'
    }
  }
  return cachedCoreVersion
}

/** The semver range a plugin built against `version` should declare for @mlops/core: `^0.1` for 0.1.x, `^1` for 1.x. */
export function coreCompatRange(version: string): string {
  const match = /^(\d+)\.(\d+)/.exec(version)
  if (!match) return `^${version}`
  return match[1] === '0' ? `^0.${match[2]}` : `^${match[1]}`
}

/** `1`, `1 and 2`, `1, 2 and 3`. */
export function describeApiVersions(versions: readonly number[]): string {
  if (versions.length <= 1) return versions.join('')
  return `${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}`
}

export function isPluginApiSupported(apiVersion: unknown): boolean {
  return typeof apiVersion === 'number' && SUPPORTED_PLUGIN_API_VERSIONS.includes(apiVersion)
}

import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { usageError } from '../args.js'

export interface PackageSpec {
  /** What `npm install` gets, as the user typed it. */
  installSpec: string
  /** The package name the config imports. */
  name: string
}

// npm's rules for new package names: lowercase, URL-safe, optional scope.
const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

function isLocalPath(spec: string): boolean {
  return spec.startsWith('file:') || spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec)
}

/** The package.json of an `npm pack` tarball (read with the system's tar, which every npm platform has). */
async function tarballManifest(file: string, spec: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('tar', ['-xzOf', file, 'package/package.json'], { maxBuffer: 4 * 1024 * 1024 })
    return stdout
  } catch (error) {
    throw usageError('add', `${spec} is not an npm package tarball with package/package.json (${(error as Error).message.split('\n')[0]})`)
  }
}

/**
 * `@mlops/notify-webhook`, `@mlops/notify-webhook@^0.2`, `some-plugin@latest`, a local folder
 * (`file:../plugin`, `./plugin`) or a packed tarball (`./my-plugin-0.1.0.tgz`, as `npm pack` writes it).
 */
export async function parsePackageSpec(spec: string, cwd: string): Promise<PackageSpec> {
  if (isLocalPath(spec) && /\.(tgz|tar\.gz)$/.test(spec)) {
    const file = resolve(cwd, spec.startsWith('file:') ? spec.slice('file:'.length) : spec)
    let name: unknown
    try {
      name = (JSON.parse(await tarballManifest(file, spec)) as { name?: unknown }).name
    } catch (error) {
      if ((error as { code?: string }).code === 'MLOPS_USAGE') throw error
      throw usageError('add', `${spec}: package/package.json in the tarball is not valid JSON`)
    }
    if (typeof name !== 'string' || !NAME.test(name)) throw usageError('add', `${spec}: package/package.json has no valid "name"`)
    return { installSpec: file, name }
  }
  if (isLocalPath(spec)) {
    const dir = resolve(cwd, spec.startsWith('file:') ? spec.slice('file:'.length) : spec)
    let name: unknown
    try {
      name = (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name
    } catch (error) {
      throw usageError('add', `${spec} is not a package folder (${join(dir, 'package.json')}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    if (typeof name !== 'string' || !NAME.test(name)) throw usageError('add', `${join(dir, 'package.json')} has no valid "name"`)
    return { installSpec: spec, name }
  }
  const at = spec.indexOf('@', 1)
  const name = at === -1 ? spec : spec.slice(0, at)
  if (!NAME.test(name) || (at !== -1 && at === spec.length - 1)) {
    throw usageError(
      'add',
      `"${spec}" is not a package name (like @mlops/notify-webhook or @mlops/notify-webhook@^0.1) a local folder or a .tgz; for a git source run npm install SOURCE, then mlops add NAME --no-install`,
    )
  }
  return { installSpec: spec, name }
}

import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
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

/** `@mlops/notify-webhook`, `@mlops/notify-webhook@^0.2`, `some-plugin@latest`, or a local folder (`file:../plugin`, `./plugin`). */
export async function parsePackageSpec(spec: string, cwd: string): Promise<PackageSpec> {
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
      `"${spec}" is not a package name (like @mlops/notify-webhook or @mlops/notify-webhook@^0.1) or a local folder; for a git or tarball source run npm install SOURCE, then mlops add NAME --no-install`,
    )
  }
  return { installSpec: spec, name }
}

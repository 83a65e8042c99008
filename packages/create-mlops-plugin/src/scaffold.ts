import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import validateName from 'validate-npm-package-name'
import { ScaffoldError } from './errors.js'
import { isPluginKind, KIND_INFO, PLUGIN_KINDS } from './kinds.js'
import type { PluginKind } from './kinds.js'

/** Files every package gets, then the kind's own (which may replace a common one). */
const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url))

export interface ScaffoldOptions {
  /** The folder to create (relative paths start at `cwd`). Its last segment is the default package name. */
  dir: string
  /** One of PLUGIN_KINDS. */
  kind: string
  /** The npm package name (`my-notifier`, `@acme/mlops-notifier`). Default: the folder's name. */
  name?: string
  cwd?: string
  /**
   * Dependency specs replacing the released versions, by package name: `{ '@mlops/core': 'file:../core.tgz' }`
   * (for plugins built against unreleased packages). A package the plugin does not depend on directly
   * goes to `overrides` (for transitive dependencies). Relative `file:` paths are resolved against `cwd`.
   */
  specs?: Record<string, string>
}

export interface ScaffoldResult {
  /** Absolute folder written. */
  dir: string
  name: string
  kind: PluginKind
  /** The exported plugin factory: `import { myNotifier } from 'my-notifier'`. */
  factory: string
  /** Files written, relative to `dir`, sorted. */
  files: string[]
  /** Commands to run next. */
  next: string[]
}

/** The versions a scaffolded package depends on: written at build time from the workspace's package.json files. */
export interface ScaffoldVersions {
  '@mlops/core': string
  '@mlops/testkit': string
  '@mlops/stats': string
  zod: string
  typescript: string
  vitest: string
  '@types/node': string
  node: string
}

export function scaffoldVersions(): ScaffoldVersions {
  return JSON.parse(readFileSync(new URL('./versions.json', import.meta.url), 'utf8')) as ScaffoldVersions
}

/**
 * The `@mlops/core` peer range a scaffolded plugin declares: this core version up to the next major
 * (`>=0.1.0 <1.0.0`, not `^0.1.0`). Compatibility is decided at runtime by the plugin API version; core's
 * major changes with it, so a 0.x minor release of core must stay in range (see docs/releasing.md).
 */
export function corePeerRange(coreVersion: string): string {
  const major = Number(coreVersion.split('.')[0])
  return `>=${coreVersion} <${major + 1}.0.0`
}

const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(' '),
)

/** `@acme/mlops-notifier-slack` → `mlopsNotifierSlack`; a name that is no identifier gets a `Plugin` suffix or prefix. */
export function factoryName(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '')
  const words = bare.split(/[^a-zA-Z0-9]+/).filter(Boolean)
  let id = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('')
  if (!id) id = 'plugin'
  if (/^[0-9]/.test(id)) id = `plugin${id.charAt(0).toUpperCase()}${id.slice(1)}`
  if (RESERVED.has(id)) id = `${id}Plugin`
  return id
}

function checkName(name: string): void {
  const result = validateName(name)
  if (!result.validForNewPackages) {
    const problems = [...(result.errors ?? []), ...(result.warnings ?? [])]
    throw new ScaffoldError(
      `"${name}" is not a valid npm package name: ${problems.join('; ')}.`,
      'Use lowercase letters, digits, "-", "." and "_" (at most 214 characters), optionally with a scope: my-notifier or @acme/mlops-notifier. Pass --name NAME to name the package apart from its folder.',
    )
  }
}

function checkKind(kind: string): asserts kind is PluginKind {
  if (!isPluginKind(kind)) {
    const near = PLUGIN_KINDS.find((k) => k.toLowerCase() === kind.toLowerCase().replace(/[-_ ]/g, ''))
    throw new ScaffoldError(
      kind ? `Unknown plugin kind "${kind}".${near ? ` Did you mean "${near}"?` : ''}` : 'No plugin kind given.',
      `Pass --kind with one of: ${PLUGIN_KINDS.join(', ')}.`,
    )
  }
}

async function checkTarget(dir: string, shown: string): Promise<boolean> {
  let info
  try {
    info = await stat(dir)
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false
    throw error
  }
  if (!info.isDirectory()) {
    throw new ScaffoldError(`${shown} exists and is not a folder; nothing was written.`, 'Pick another folder name.')
  }
  const entries = await readdir(dir)
  if (entries.length > 0) {
    throw new ScaffoldError(
      `${shown} already exists and is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); nothing was written.`,
      'Pick a new folder name, or remove that folder first: create-mlops-plugin never overwrites files.',
    )
  }
  return true
}

async function templateFiles(dir: string, prefix = ''): Promise<string[]> {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...(await templateFiles(join(dir, entry.name), rel)))
    else out.push(rel)
  }
  return out
}

/** npm pack drops `.gitignore` from a package, so templates name it `_gitignore`. */
function targetName(rel: string): string {
  return rel.replace(/(^|\/)_gitignore$/, '$1.gitignore')
}

function resolveSpec(spec: string, cwd: string): string {
  if (spec.startsWith('file:')) {
    const path = spec.slice('file:'.length)
    return `file:${resolve(cwd, path)}`
  }
  return spec
}

function packageJson(name: string, kind: PluginKind, versions: ScaffoldVersions, specs: Record<string, string>): Record<string, unknown> {
  const spec = (pkg: keyof ScaffoldVersions, exact: boolean) => specs[pkg] ?? (exact ? versions[pkg] : `^${versions[pkg]}`)
  const dependencies: Record<string, string> = { zod: versions.zod }
  for (const dep of KIND_INFO[kind].dependencies) dependencies[dep] = spec(dep as keyof ScaffoldVersions, false)
  // A spec for a package the plugin does not depend on directly (e.g. @mlops/stats under @mlops/core)
  // goes to npm's `overrides`, so transitive dependencies resolve to it too.
  const direct = new Set(['@mlops/core', '@mlops/testkit', ...KIND_INFO[kind].dependencies])
  const overrides = Object.fromEntries(Object.entries(specs).filter(([pkg]) => !direct.has(pkg)))
  return {
    name,
    version: '0.1.0',
    description: KIND_INFO[kind].description,
    license: 'Apache-2.0',
    type: 'module',
    keywords: ['mlops', 'mlops-plugin', `mlops-${kind}`],
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist', 'README.md'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc --noEmit',
      test: 'vitest run',
      prepack: 'npm run build',
    },
    engines: { node: versions.node },
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
    peerDependencies: { '@mlops/core': corePeerRange(versions['@mlops/core']) },
    devDependencies: {
      '@mlops/core': spec('@mlops/core', true),
      '@mlops/testkit': spec('@mlops/testkit', true),
      '@types/node': versions['@types/node'],
      typescript: versions.typescript,
      vitest: versions.vitest,
    },
    ...(Object.keys(overrides).length ? { overrides } : {}),
  }
}

/**
 * Writes a ready plugin package: `definePlugin` with zod options, a working implementation of the
 * kind's interface, a vitest file running @mlops/testkit's conformance suite for the kind, README,
 * tsconfig and package.json. Refuses (ScaffoldError, nothing written) on a bad name or kind, or a
 * folder that exists and is not empty.
 */
export async function scaffoldPlugin(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const cwd = options.cwd ?? process.cwd()
  checkKind(options.kind)
  const kind = options.kind
  if (!options.dir) throw new ScaffoldError('No folder given.', 'Usage: create-mlops-plugin DIR --kind KIND (e.g. my-notifier --kind notifier).')
  const dir = resolve(cwd, options.dir)
  const name = options.name ?? basename(dir)
  checkName(name)
  const versions = scaffoldVersions()
  const specs: Record<string, string> = {}
  for (const [pkg, spec] of Object.entries(options.specs ?? {})) {
    if (!validateName(pkg).validForNewPackages || !spec) {
      throw new ScaffoldError(`--spec ${pkg}=${spec}: expected PKG=SPEC with a package name and a version, range, tarball or folder.`, 'For example: --spec @mlops/core=file:../mlops-core-0.1.0.tgz')
    }
    specs[pkg] = resolveSpec(spec, cwd)
  }
  if (!existsSync(join(TEMPLATES, kind))) {
    // Every kind has a template (test/scaffold.test.ts checks it); this guards a broken install of the package.
    throw new ScaffoldError(
      `The ${kind} template is missing from this installation of create-mlops-plugin (${join(TEMPLATES, kind)}); nothing was written.`,
      'Reinstall it: npm create mlops-plugin@latest DIR -- --kind KIND fetches a fresh copy.',
    )
  }
  const shown = relative(cwd, dir) || dir
  const existed = await checkTarget(dir, shown)

  const factory = factoryName(name)
  const replacements: Record<string, string> = {
    __PACKAGE_NAME__: name,
    __FACTORY__: factory,
    __KIND__: kind,
    __SUITE__: KIND_INFO[kind].suite,
    __DESCRIPTION__: KIND_INFO[kind].description,
    __CORE_RANGE__: corePeerRange(versions['@mlops/core']),
  }
  const fill = (text: string) => text.replace(/__[A-Z_]+__/g, (token) => replacements[token] ?? token)

  const files = new Map<string, string>()
  for (const source of ['common', kind]) {
    const base = join(TEMPLATES, source)
    for (const rel of await templateFiles(base)) files.set(targetName(rel), fill(await readFile(join(base, rel), 'utf8')))
  }
  files.set('package.json', `${JSON.stringify(packageJson(name, kind, versions, specs), null, 2)}\n`)

  const written: string[] = []
  try {
    await mkdir(dir, { recursive: true })
    for (const [rel, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const file = join(dir, rel)
      await mkdir(join(file, '..'), { recursive: true })
      await writeFile(file, text, { flag: 'wx' }) // never overwrite
      written.push(rel)
    }
  } catch (error) {
    // Leave the folder as it was: remove what this call created.
    if (!existed) await rm(dir, { recursive: true, force: true })
    else for (const rel of written) await rm(join(dir, rel), { force: true })
    throw error
  }
  const cd = shown.includes(' ') ? `cd "${shown}"` : `cd ${shown}`
  return { dir, name, kind, factory, files: written, next: [cd, 'npm install', 'npm test'] }
}

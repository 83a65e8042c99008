#!/usr/bin/env node
// npm run release:dry — everything a release would publish, checked without publishing:
//   1. builds every workspace (turbo);
//   2. `npm pack --json` of every public workspace package into a temp folder (prepack scripts run);
//   3. checks each tarball: exports/main/types/bin point at files inside it, relative imports of the
//      packed JS resolve inside it, no tests, source maps, tsbuildinfo or src/ leak in, README and the
//      root LICENSE (byte for byte) are there, license/type/engines fields, internal dependencies pin
//      the workspace's current versions (no file:/workspace: specs), plugins peer-depend on a range
//      of @mlops/core that includes the current core and its next minor (docs/releasing.md); then publint and arethetypeswrong (ESM-only
//      profile: node16-esm and bundler resolution) on the tarball, both offline;
//   4. prints one row per package and exits 1 on any problem.
// Options: --filter NAME (only these packages; repeatable), --skip-build, --keep (keep the tarballs and print their folder), --json,
//          --pack-destination DIR (write the tarballs there; implies --keep),
//          --write-licenses (copy the root LICENSE into public packages that lack it, then check).
// Used by test/e2e/packed.test.ts through packWorkspaces().
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, normalize, posix, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/** Public workspace packages: `{ dir, pkg }` for every workspace whose package.json is not private. */
export function publicWorkspaces() {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
  const dirs = []
  for (const pattern of root.workspaces) {
    if (pattern.endsWith('/*')) {
      const base = join(repoRoot, pattern.slice(0, -2))
      if (!existsSync(base)) continue
      for (const name of readdirSync(base).sort()) {
        if (existsSync(join(base, name, 'package.json'))) dirs.push(join(base, name))
      }
    } else if (existsSync(join(repoRoot, pattern, 'package.json'))) {
      dirs.push(join(repoRoot, pattern))
    }
  }
  return dirs.map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) })).filter((w) => !w.pkg.private)
}

/** Builds the given packages (by name) and what they depend on; all workspaces when `names` is omitted. */
export function build(names) {
  const filters = names ? names.flatMap((n) => ['--filter', `${n}...`]) : []
  execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  })
}

/**
 * Packs the public workspaces (one `npm pack` call) into `destination`. Returns npm's JSON per package
 * plus `tarball` (absolute path) and `dir`. Does not build: call build() first.
 */
export function packWorkspaces(destination, workspaces = publicWorkspaces()) {
  mkdirSync(destination, { recursive: true })
  const args = ['pack', '--json', '--pack-destination', destination, ...workspaces.flatMap((w) => ['-w', relative(repoRoot, w.dir)])]
  const out = execFileSync(npm, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  const packed = JSON.parse(out.slice(out.indexOf('[')))
  return packed.map((p) => {
    const w = workspaces.find((x) => x.pkg.name === p.name)
    return { ...p, tarball: join(destination, p.filename), dir: w.dir }
  })
}

// ---------------------------------------------------------------------------------------------
// checks
// ---------------------------------------------------------------------------------------------

const LEAKS = [
  [/(^|\/)(test|tests|__tests__)\//, 'a test folder'],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, 'a test file'],
  [/\.test-d\.ts$/, 'a type test'],
  [/\.map$/, 'a source map'],
  [/\.tsbuildinfo$/, 'a tsbuildinfo file'],
  [/^src\//, 'the src/ folder'],
  [/(^|\/)\.tmp\//, 'a temp folder'],
  [/(^|\/)node_modules\//, 'node_modules'],
  [/(^|\/)\.env/, 'an env file'],
]

/** Files a package ships on purpose although a LEAKS rule matches (e.g. templates of generated packages). */
const INTENDED = [/^templates\//]

function exportTargets(value, path = 'exports') {
  if (typeof value === 'string') return [{ key: path, target: value }]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => exportTargets(v, `${path}[${JSON.stringify(k)}]`))
}

/**
 * `^0.1.0`, `~1.2.3`, `1.2.3`, `>=0.1.0 <1.0.0`, `a || b`: enough of semver for our own ranges
 * (space-separated comparators must all hold; prerelease tags are ignored).
 */
export function satisfies(version, range) {
  const parse = (v) => v.replace(/^[v=]/, '').split('-')[0].split('.').map(Number)
  const cmp = (a, b) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
    return 0
  }
  const v = parse(version)
  const comparator = (r) => {
    if (r === '*' || r === '') return true
    if (r.startsWith('^')) {
      const base = parse(r.slice(1))
      if (cmp(v, base) < 0) return false
      if (base[0] > 0) return v[0] === base[0]
      if (base[1] > 0) return v[0] === 0 && v[1] === base[1]
      return v[0] === 0 && v[1] === 0 && v[2] === base[2]
    }
    if (r.startsWith('~')) {
      const base = parse(r.slice(1))
      return cmp(v, base) >= 0 && v[0] === base[0] && v[1] === base[1]
    }
    if (r.startsWith('>=')) return cmp(v, parse(r.slice(2))) >= 0
    if (r.startsWith('<=')) return cmp(v, parse(r.slice(2))) <= 0
    if (r.startsWith('>')) return cmp(v, parse(r.slice(1))) > 0
    if (r.startsWith('<')) return cmp(v, parse(r.slice(1))) < 0
    return cmp(v, parse(r)) === 0
  }
  // `>= 0.1.0` is one comparator: glue operators to their version before splitting on spaces.
  return range.split('||').some((part) => part.trim().replace(/([<>]=?|=)\s+/g, '$1').split(/\s+/).every(comparator))
}

function relativeImports(source) {
  const specs = []
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) specs.push(m[1])
  for (const m of source.matchAll(/(?:^|[\s;])import\s*['"](\.{1,2}\/[^'"]+)['"]/g)) specs.push(m[1])
  for (const m of source.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) specs.push(m[1])
  return specs
}

/** Problems of one packed package, as strings. `packed` is one entry of packWorkspaces(). */
export async function checkPackage(packed, context) {
  const problems = []
  const { dir } = packed
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const files = new Set(packed.files.map((f) => f.path))
  const has = (target) => files.has(posix.normalize(target.replace(/^\.\//, '')))

  if (pkg.license !== 'Apache-2.0') problems.push(`license field is ${JSON.stringify(pkg.license)}, expected "Apache-2.0"`)
  if (pkg.type !== 'module') problems.push('"type" must be "module" (the packages are ESM only)')
  if (!pkg.engines?.node) problems.push('no engines.node')
  if (!files.has('README.md')) problems.push('README.md missing from the tarball')
  if (!files.has('LICENSE')) problems.push('LICENSE missing from the tarball (npm run release:dry -- --write-licenses copies the root LICENSE in)')
  else if (!readFileSync(join(dir, 'LICENSE')).equals(context.license)) problems.push('LICENSE differs from the root LICENSE')

  // Entry points.
  if (!pkg.exports) problems.push('no "exports"')
  for (const { key, target } of exportTargets(pkg.exports)) {
    if (!target.startsWith('./')) problems.push(`${key}: "${target}" must start with ./`)
    else if (target.includes('*')) continue
    else if (!has(target)) problems.push(`${key}: ${target} is not in the tarball`)
    if (key.endsWith('["types"]') && !/\.d\.[cm]?ts$/.test(target)) problems.push(`${key}: ${target} is not a .d.ts file`)
  }
  for (const field of ['main', 'types', 'typings', 'module']) {
    if (typeof pkg[field] === 'string' && !has(pkg[field])) problems.push(`"${field}": ${pkg[field]} is not in the tarball`)
  }
  const bins = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {})
  for (const [name, target] of Object.entries(bins)) {
    if (!has(target)) {
      problems.push(`bin ${name}: ${target} is not in the tarball`)
      continue
    }
    const text = readFileSync(join(dir, target), 'utf8')
    if (!text.startsWith('#!/usr/bin/env node')) problems.push(`bin ${name}: ${target} has no "#!/usr/bin/env node" line`)
  }

  // What is in the tarball.
  for (const file of files) {
    if (INTENDED.some((re) => re.test(file))) continue
    const leak = LEAKS.find(([re]) => re.test(file))
    if (leak) problems.push(`${file} is ${leak[1]}; keep it out of "files"`)
    if (/\.[cm]?js$/.test(file)) {
      const source = readFileSync(join(dir, file), 'utf8')
      for (const spec of relativeImports(source)) {
        const target = posix.join(posix.dirname(file), spec)
        if (!files.has(target)) problems.push(`${file} imports ${spec}, which is not in the tarball`)
      }
    }
  }
  if (![...files].some((f) => f.startsWith('dist/'))) problems.push('no dist/ in the tarball: build before packing')

  // Dependencies.
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
      if (/^(file|link|workspace|portal):/.test(spec)) problems.push(`${field}.${name} is "${spec}": not installable from the registry`)
      const internal = context.versions.get(name)
      if (internal && field === 'dependencies' && !satisfies(internal, spec)) problems.push(`${field}.${name} is "${spec}" but the workspace has ${name}@${internal}`)
      if (internal && field === 'peerDependencies' && !satisfies(internal, spec)) problems.push(`peerDependencies.${name} "${spec}" does not include the workspace's ${name}@${internal}`)
    }
  }
  const core = context.versions.get('@mlops/core')
  const isPlugin = relative(repoRoot, dir).startsWith('plugins')
  if (isPlugin && !pkg.peerDependencies?.['@mlops/core']) problems.push('a plugin must peer-depend on @mlops/core (and not depend on it directly)')
  if (isPlugin && pkg.dependencies?.['@mlops/core']) problems.push('a plugin lists @mlops/core in dependencies: a second copy breaks instanceof and symbols; use peerDependencies')
  if (pkg.peerDependencies?.['@mlops/core'] && !pkg.devDependencies?.['@mlops/core']) problems.push('peer-depends on @mlops/core without a devDependency to build and test against')
  // Peer range policy (docs/releasing.md): compatibility is the plugin API version, checked at runtime, and
  // core's major moves with it; a peer range that a 0.x minor release of core leaves (`^0.1.0`) would make
  // changesets release every peer dependent as a new major.
  const peerCore = pkg.peerDependencies?.['@mlops/core']
  if (peerCore && core) {
    const [major, minor] = core.split('.').map(Number)
    const nextMinor = `${major}.${minor + 1}.0`
    if (satisfies(core, peerCore) && !satisfies(nextMinor, peerCore)) {
      problems.push(`peerDependencies.@mlops/core "${peerCore}" excludes core's next minor (${nextMinor}): use ">=${core} <${major + 1}.0.0" (docs/releasing.md)`)
    }
  }
  if (pkg.name === 'create-mlops-plugin') {
    const versions = JSON.parse(readFileSync(join(dir, 'dist/versions.json'), 'utf8'))
    if (versions['@mlops/core'] !== core) problems.push(`dist/versions.json scaffolds against @mlops/core ${versions['@mlops/core']}, the workspace has ${core}: rebuild`)
  }

  // publint, on the tarball itself.
  const tarball = readFileSync(packed.tarball)
  const { publint } = await import('publint')
  const { formatMessage } = await import('publint/utils')
  const lint = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) }, level: 'warning', strict: false })
  for (const message of lint.messages) problems.push(`publint ${message.type}: ${formatMessage(message, lint.pkg) ?? message.code}`)

  // arethetypeswrong, ESM-only profile: how TypeScript resolves the types under node16 (ESM) and bundler.
  const attw = await import('@arethetypeswrong/core')
  const result = await attw.checkPackage(attw.createPackageFromTarballData(new Uint8Array(tarball)))
  if (result.types === false) problems.push('attw: the package ships no types')
  else {
    for (const problem of result.problems ?? []) {
      if (problem.kind === 'CJSResolvesToESM') continue
      if ('resolutionKind' in problem && !['node16-esm', 'bundler'].includes(problem.resolutionKind)) continue
      problems.push(`attw ${problem.kind}${problem.entrypoint ? ` (${problem.entrypoint}, ${problem.resolutionKind})` : ''}`)
    }
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

async function main(argv) {
  const flag = (name) => argv.includes(name)
  const destIndex = argv.indexOf('--pack-destination')
  const destination = destIndex >= 0 ? argv[destIndex + 1] : mkdtempSync(join(tmpdir(), 'mlops-release-dry-'))
  const keep = flag('--keep') || destIndex >= 0
  const only = argv.flatMap((a, i) => (argv[i - 1] === '--filter' ? [a] : []))
  const workspaces = publicWorkspaces().filter((w) => only.length === 0 || only.includes(w.pkg.name))
  const license = readFileSync(join(repoRoot, 'LICENSE'))
  if (flag('--write-licenses')) {
    for (const w of workspaces) {
      const target = join(w.dir, 'LICENSE')
      if (!existsSync(target) || !readFileSync(target).equals(license)) {
        copyFileSync(join(repoRoot, 'LICENSE'), target)
        process.stderr.write(`wrote ${relative(repoRoot, target)}\n`)
      }
    }
  }
  if (!flag('--skip-build')) {
    try {
      build(only.length ? only : undefined)
    } catch {
      process.stderr.write('\nrelease:dry: the build failed (see above); nothing was packed.\n')
      return 1
    }
  }
  const versions = new Map(workspaces.map((w) => [w.pkg.name, w.pkg.version]))
  let packed
  try {
    packed = packWorkspaces(destination, workspaces)
  } catch (error) {
    process.stderr.write(`npm pack failed:\n${error.stderr ?? error.message}\n`)
    return 1
  }
  const rows = []
  for (const p of packed) {
    const problems = await checkPackage(p, { license, versions })
    rows.push({ name: p.name, version: p.version, files: p.entryCount, size: p.size, unpackedSize: p.unpackedSize, tarball: p.tarball, problems })
  }
  if (!keep) rmSync(destination, { recursive: true, force: true })
  const failed = rows.filter((r) => r.problems.length > 0)
  if (flag('--json')) {
    process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, destination: keep ? destination : null, packages: rows }, null, 2)}\n`)
  } else {
    const table = [['PACKAGE', 'VERSION', 'FILES', 'PACKED', 'STATUS'], ...rows.map((r) => [r.name, r.version, String(r.files), `${(r.size / 1024).toFixed(1)} kB`, r.problems.length ? `${r.problems.length} problem(s)` : 'ok'])]
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
    for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`)
    for (const r of failed) {
      process.stdout.write(`\n${r.name}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`)
    }
    if (keep) process.stdout.write(`\ntarballs in ${destination}\n`)
    process.stdout.write(failed.length ? `\n${failed.length} of ${rows.length} packages have problems\n` : `\nall ${rows.length} packages ok\n`)
  }
  return failed.length ? 1 : 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2))
}

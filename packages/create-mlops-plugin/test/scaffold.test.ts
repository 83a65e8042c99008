import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { factoryName, KIND_INFO, main, PLUGIN_KINDS, scaffoldPlugin } from 'create-mlops-plugin'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, repoRoot, run, tempDir } from './helpers.js'

const temp = tempDir('scaffold')
afterAll(() => temp.remove())

function capture(cwd = temp.dir) {
  let stdout = ''
  let stderr = ''
  return { io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd }, out: () => stdout, err: () => stderr }
}

describe('create-mlops-plugin', () => {
  it('lists the same kinds as @mlops/core', async () => {
    const core = await import('@mlops/core')
    expect([...PLUGIN_KINDS].sort()).toEqual([...core.PLUGIN_KINDS].sort())
  })

  it('writes a complete package: module type, exports, peer range from core, pinned dev tools, no placeholder left', async () => {
    const result = await scaffoldPlugin({ dir: 'my-notifier', kind: 'notifier', cwd: temp.dir })
    expect(result.factory).toBe('myNotifier')
    expect(result.files).toEqual(
      expect.arrayContaining(['.gitignore', 'README.md', 'package.json', 'src/index.ts', 'src/plugin.ts', 'src/version.ts', 'test/plugin.test.ts', 'tsconfig.json', 'tsconfig.build.json', 'vitest.config.ts']),
    )
    const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'))
    const core = JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8'))
    const testkit = JSON.parse(readFileSync(join(repoRoot, 'packages/testkit/package.json'), 'utf8'))
    const rootPkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({
      name: 'my-notifier',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      files: ['dist', 'README.md'],
      peerDependencies: { '@mlops/core': `>=${core.version} <${Number(core.version.split('.')[0]) + 1}.0.0` },
      dependencies: { zod: core.dependencies.zod },
      devDependencies: {
        '@mlops/core': core.version,
        '@mlops/testkit': testkit.version,
        typescript: rootPkg.devDependencies.typescript,
        vitest: rootPkg.devDependencies.vitest,
      },
      scripts: { test: 'vitest run', prepack: 'npm run build' },
    })
    for (const file of result.files) expect(readFileSync(join(result.dir, file), 'utf8'), file).not.toMatch(/__[A-Z_]+__/)
    expect(readFileSync(join(result.dir, 'src/plugin.ts'), 'utf8')).toContain("name: 'my-notifier'")
  })

  it('scoped names, and file: specs resolved against the current folder', async () => {
    const result = await scaffoldPlugin({ dir: 'scoped', name: '@acme/mlops-drift', kind: 'driftDetector', cwd: temp.dir, specs: { '@mlops/core': 'file:../core.tgz', '@mlops/stats': 'file:stats.tgz' } })
    const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'))
    expect(pkg.name).toBe('@acme/mlops-drift')
    expect(result.factory).toBe('mlopsDrift')
    expect(pkg.devDependencies['@mlops/core']).toBe(`file:${join(temp.dir, '../core.tgz')}`)
    expect(pkg.dependencies['@mlops/stats']).toBe(`file:${join(temp.dir, 'stats.tgz')}`)
    expect(pkg.peerDependencies['@mlops/core']).toMatch(/^>=\d+\.\d+\.\d+ <\d+\.0\.0$/)
    expect(pkg.overrides).toBeUndefined()
    // A package it does not depend on directly goes to overrides (transitive dependencies of core).
    const other = await scaffoldPlugin({ dir: 'with-overrides', kind: 'notifier', cwd: temp.dir, specs: { '@mlops/stats': 'file:stats.tgz' } })
    const otherPkg = JSON.parse(readFileSync(join(other.dir, 'package.json'), 'utf8'))
    expect(otherPkg.overrides).toEqual({ '@mlops/stats': `file:${join(temp.dir, 'stats.tgz')}` })
    expect(otherPkg.dependencies['@mlops/stats']).toBeUndefined()
  })

  it('factory names are identifiers', () => {
    expect(factoryName('mlops-notifier-slack')).toBe('mlopsNotifierSlack')
    expect(factoryName('@acme/3d-store')).toBe('plugin3dStore')
    expect(factoryName('delete')).toBe('deletePlugin')
    expect(factoryName('my.plugin_x')).toBe('myPluginX')
  })

  it('refuses an existing, non-empty folder and writes nothing', async () => {
    const dir = join(temp.dir, 'taken')
    mkdirSync(dir)
    writeFileSync(join(dir, 'package.json'), '{"name":"mine"}')
    const c = capture()
    expect(await main(['taken', '--kind', 'storage'], c.io)).toBe(2)
    expect(c.err()).toMatch(/taken already exists and is not empty \(package\.json\); nothing was written/)
    expect(readdirSync(dir)).toEqual(['package.json'])
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{"name":"mine"}')
    // An empty folder is fine.
    mkdirSync(join(temp.dir, 'empty'))
    expect(await main(['empty', '--kind', 'storage'], capture().io)).toBe(0)
    expect(existsSync(join(temp.dir, 'empty/src/store.ts'))).toBe(true)
  })

  it('refuses invalid package names and unknown kinds with the allowed values (exit 2, nothing written)', async () => {
    for (const [args, pattern] of [
      [['Bad_Name', '--kind', 'notifier'], /"Bad_Name" is not a valid npm package name: name can no longer contain capital letters/],
      [['x', '--name', '.hidden', '--kind', 'notifier'], /"\.hidden" is not a valid npm package name: name cannot start with a period/],
      [['ok-name', '--kind', 'notifer'], /Unknown plugin kind "notifer"[\s\S]*one of: storage, metadata, executor, trainer, driftDetector, notifier, deployTarget/],
      [['ok-name', '--kind', 'drift-detector'], /Did you mean "driftDetector"\?/],
      [['ok-name'], /No plugin kind given[\s\S]*--kind with one of/],
      [['--kind', 'notifier'], /No folder given/],
      [['ok-name', '--kind', 'notifier', '--spec', 'Not A Name=1.0.0'], /expected PKG=SPEC with a package name/],
      [['ok-name', '--kind', 'notifier', '--frobnicate'], /Unknown option '--frobnicate'/],
    ] as const) {
      const c = capture()
      expect(await main([...args], c.io), args.join(' ')).toBe(2)
      expect(c.err()).toMatch(pattern)
    }
    expect(existsSync(join(temp.dir, 'ok-name'))).toBe(false)
    expect(existsSync(join(temp.dir, 'Bad_Name'))).toBe(false)
  })

  it('the bin: --help, --json result and exit codes', async () => {
    const help = await run(process.execPath, [bin, '--help'], temp.dir)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/Usage: npm create mlops-plugin@latest DIR -- --kind KIND/)
    const made = await run(process.execPath, [bin, 'via-bin', '--kind', 'executor', '--json'], temp.dir)
    expect(made.code, made.stderr).toBe(0)
    expect(JSON.parse(made.stdout)).toMatchObject({ name: 'via-bin', kind: 'executor', factory: 'viaBin', next: ['cd via-bin', 'npm install', 'npm test'] })
    const refused = await run(process.execPath, [bin, 'via-bin', '--kind', 'executor', '--json'], temp.dir)
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stdout).error.message).toMatch(/already exists/)
  })
})

describe('every kind', () => {
  it('has a template: each kind scaffolds its implementation, conformance test and README', async () => {
    for (const kind of PLUGIN_KINDS) {
      const c = capture()
      expect(await main([`every-${kind.toLowerCase()}`, '--kind', kind, '--json'], c.io), `${kind}: ${c.err()}`).toBe(0)
      const result = JSON.parse(c.out())
      expect(result.kind).toBe(kind)
      expect(result.files, kind).toEqual(expect.arrayContaining(['README.md', 'package.json', 'src/index.ts', 'src/plugin.ts', 'test/conformance.test.ts']))
      expect(readFileSync(join(result.dir, 'test/conformance.test.ts'), 'utf8'), kind).toContain(KIND_INFO[kind].suite)
    }
  })

  it('metadata: a JSON-file store with a `path` option, running metadataConformance with reopen', async () => {
    const result = await scaffoldPlugin({ dir: 'my-meta', kind: 'metadata', cwd: temp.dir })
    expect(result.files).toEqual(expect.arrayContaining(['src/store.ts', 'test/plugin.test.ts']))
    const plugin = readFileSync(join(result.dir, 'src/plugin.ts'), 'utf8')
    expect(plugin).toContain("name: 'my-meta'")
    expect(plugin).toMatch(/path: z\.string\(\)/)
    expect(plugin).toContain("join(ctx.dataDir, 'metadata.json')")
    const conformance = readFileSync(join(result.dir, 'test/conformance.test.ts'), 'utf8')
    expect(conformance).toContain('metadataConformance(')
    expect(conformance).toContain('reopen:')
    const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'))
    expect(pkg.keywords).toContain('mlops-metadata')
    expect(Object.keys(pkg.dependencies)).toEqual(['zod'])
  })
})

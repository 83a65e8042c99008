import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAndPack, json, NPM_FLAGS, ok, outsideTemp, sh } from './packed/project.js'
import type { Packed } from './packed/project.js'

/**
 * What a user gets from the registry, before anything is published: the public packages packed as
 * `npm run release:dry` packs them, installed from the tarballs with `npm install` into a project
 * outside the monorepo (third-party dependencies from the registry, no workspace links), then the CLI
 * and a plugin scaffolded with the packed create-mlops-plugin, built, packed, installed and loaded.
 */
const temp = outsideTemp('packed-e2e')
const project = join(temp.dir, 'project')
const pluginDir = join(temp.dir, 'my-notifier')
let packed: Map<string, Packed>
const tarball = (name: string) => {
  const p = packed.get(name)
  if (!p) throw new Error(`${name} was not packed`)
  return `file:${p.tarball}`
}

beforeAll(async () => {
  packed = buildAndPack(join(temp.dir, 'tarballs'))
  // Every internal package comes from its tarball: direct dependencies, and `overrides` for the ones
  // other tarballs depend on (e.g. @mlops/cli → @mlops/drift → @mlops/stats), since none is on the registry.
  const internal = Object.fromEntries([...packed.keys()].map((name) => [name, tarball(name)]))
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'packed-e2e-project', private: true, type: 'module', devDependencies: internal, overrides: internal }, null, 2)}\n`,
  )
  await ok('npm', ['install', ...NPM_FLAGS], project)
}, 240_000)

afterAll(() => temp.remove())

/** `npm create mlops-plugin` runs this bin of the create-mlops-plugin package. */
const createBin = () => join(project, 'node_modules/.bin/create-mlops-plugin')

describe('the packed packages in a fresh project outside the monorepo', () => {
  it('installed real copies, not links into the repository', () => {
    for (const name of packed.keys()) {
      const dir = join(project, 'node_modules', name)
      expect(existsSync(join(dir, 'package.json')), name).toBe(true)
      expect(readFileSync(join(dir, 'package.json'), 'utf8')).toContain(`"name": "${name}"`)
    }
    expect(lstatSync(join(project, 'node_modules/@mlops/core')).isSymbolicLink()).toBe(false)
    // One @mlops/core for the CLI, the plugins and the config: a second copy would break brands and symbols.
    expect(existsSync(join(project, 'node_modules/@mlops/cli/node_modules/@mlops/core'))).toBe(false)
  })

  it('mlops init, run, drift', { timeout: 120_000 }, async () => {
    const init = json(await ok('npx', ['--no-install', 'mlops', 'init', '--json'], project), 'init')
    expect(init.coreInstalled).toBe(true)
    expect(existsSync(join(project, 'mlops.config.ts'))).toBe(true)

    const run = json(await ok('npx', ['--no-install', 'mlops', 'run', 'train', '--json'], project), 'run')
    expect(run.run?.status, JSON.stringify(run).slice(0, 2000)).toBe('succeeded')
    expect(run.steps.length).toBeGreaterThanOrEqual(4)

    // Shift one numeric column by far more than its spread: exactly that column drifts.
    const reference = join(project, 'data/penguins.csv')
    const lines = readFileSync(reference, 'utf8').trimEnd().split('\n')
    const header = lines[0]!.split(',')
    const col = header.indexOf('body_mass_g')
    const shifted = [lines[0], ...lines.slice(1).map((l) => l.split(',').map((c, i) => (i === col && c !== '' && c !== 'NA' ? String(Number(c) + 2000) : c)).join(','))]
    writeFileSync(join(project, 'current.csv'), `${shifted.join('\n')}\n`)
    const drift = json(await ok('npx', ['--no-install', 'mlops', 'drift', '--reference', 'data/penguins.csv', '--current', 'current.csv', '--json'], project), 'drift')
    const drifted = drift.columns.filter((c: { drift: boolean }) => c.drift).map((c: { name: string }) => c.name)
    expect(drifted).toEqual(['body_mass_g'])
    expect(drift.dataset.numberOfColumns).toBe(header.length)
    const same = json(await ok('npx', ['--no-install', 'mlops', 'drift', '--reference', 'data/penguins.csv', '--current', 'data/penguins.csv', '--json'], project), 'drift (same data)')
    expect(same.dataset.numberOfDriftedColumns).toBe(0)
  })

  it('a plugin scaffolded with the packed create-mlops-plugin passes its tests, packs, installs and loads', { timeout: 200_000 }, async () => {
    // npm create mlops-plugin runs this bin; the tarballs stand in for the unpublished @mlops packages.
    const created = json(
      await ok(
        createBin(),
        ['my-notifier', '--kind', 'notifier', '--core-spec', tarball('@mlops/core'), '--testkit-spec', tarball('@mlops/testkit'), '--spec', `@mlops/stats=${tarball('@mlops/stats')}`, '--json'],
        temp.dir,
      ),
      'create-mlops-plugin',
    )
    expect(created).toMatchObject({ name: 'my-notifier', kind: 'notifier', factory: 'myNotifier' })
    const refused = await sh(createBin(), ['my-notifier', '--kind', 'notifier'], temp.dir)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/already exists/)

    await ok('npm', ['install', ...NPM_FLAGS], pluginDir)
    const tests = await ok('npm', ['test', '--', '--reporter=verbose'], pluginDir)
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/)
    expect(tests.stdout).toMatch(/my-notifier \(url\): notifier conformance \(apiVersion 1\)/)
    const pack = json(await ok('npm', ['pack', '--json', '--pack-destination', temp.dir, '--loglevel=error'], pluginDir), 'npm pack')
    const files = pack[0].files.map((f: { path: string }) => f.path)
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/plugin.js', 'README.md', 'package.json']))
    expect(files.filter((f: string) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([])
    const pluginTarball = join(temp.dir, pack[0].filename)

    // mlops add installs the packed tarball with npm and edits mlops.config.ts (import + plugins entry).
    const added = json(await ok('npx', ['--no-install', 'mlops', 'add', pluginTarball, '--option', 'file=notifications.jsonl', '--json'], project), 'mlops add')
    expect(added).toMatchObject({ package: 'my-notifier' })
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies['my-notifier']).toMatch(/\.tgz$/)
    expect(readFileSync(join(project, 'mlops.config.ts'), 'utf8')).toMatch(/from 'my-notifier'/)

    const plugins = json(await ok('npx', ['--no-install', 'mlops', 'plugins', 'ls', '--json'], project), 'plugins ls')
    expect(plugins.plugins).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'my-notifier', version: '0.1.0', apiVersion: 1, kinds: ['notifier'] })]))

    const again = json(await ok('npx', ['--no-install', 'mlops', 'run', 'train', '--json'], project), 'run with the plugin')
    expect(again.run.status).toBe('succeeded')
  })
})

import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadConfig } from '@mlops/core'
import { applyPatch } from 'diff'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, DEFAULT_OPTIONS, fixturesDir, mlops, optionFlags, repoRoot } from './helpers.js'

const cases = readdirSync(fixturesDir).sort()
const editCases = cases.filter((name) => existsSync(join(fixturesDir, name, 'expected.ts')))
const refusalCases = cases.filter((name) => existsSync(join(fixturesDir, name, 'refusal.json')))

function caseOptions(name: string): string[] {
  const file = join(fixturesDir, name, 'args.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { options: string[] }).options : DEFAULT_OPTIONS
}

let work: string
beforeAll(async () => {
  work = await createWorkspace('mlops-add-')
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** A project folder in the workspace holding `text` as mlops.config.ts. */
async function project(name: string, text: string | Buffer): Promise<{ dir: string; file: string }> {
  const dir = join(work, name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'mlops.config.ts')
  await writeFile(file, text)
  return { dir, file }
}

const fixture = (name: string, file: string) => readFile(join(fixturesDir, name, file), 'utf8')

describe('mlops add edits the config text', () => {
  it('has fixtures of both kinds', () => {
    expect(editCases.length).toBeGreaterThanOrEqual(15)
    expect(refusalCases.length).toBeGreaterThanOrEqual(8)
    expect(editCases.length + refusalCases.length).toBe(cases.length)
  })

  it.each(editCases)('%s: output equals expected.ts and loads with the plugin at the reported index', async (name) => {
    const { dir, file } = await project(name, await fixture(name, 'input.ts'))
    const options = caseOptions(name)
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', ...optionFlags(options), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const text = await readFile(file, 'utf8')
    expect(text).toBe(await fixture(name, 'expected.ts'))
    const data = JSON.parse(r.stdout) as { importName: string; line: number; index: number; options: Record<string, unknown>; plugin: { name: string } }
    expect(data.plugin.name).toBe('@acme/notify-fixture')
    expect(text.split('\n')[data.line - 1]).toContain(`${data.importName}({`)
    // What core loads from the edited file: the plugin, at that index, with the options given.
    const config = await loadConfig({ cwd: dir, command: 'run', env: {} })
    expect(config.plugins[data.index]?.name).toBe('@acme/notify-fixture')
    expect(config.plugins[data.index]?.rawOptions).toEqual(data.options)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('every expected.ts type-checks under strict NodeNext settings (tsc --noEmit)', async () => {
    const root = join(work, 'typecheck')
    await mkdir(root, { recursive: true })
    for (const name of editCases) {
      await mkdir(join(root, name), { recursive: true })
      await writeFile(join(root, name, 'mlops.config.ts'), await fixture(name, 'expected.ts'))
    }
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    }
    await writeFile(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*/mlops.config.ts'] }))
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const output = await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root }).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    )
    expect(output).toBe('')
    // The check can fail: a wrong option type is reported.
    await writeFile(join(root, 'nested-options', 'mlops.config.ts'), (await fixture('nested-options', 'expected.ts')).replace('retries: 5', "retries: 'five'"))
    const broken = await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    )
    expect(broken).toMatch(/nested-options\/mlops\.config\.ts.*retries|Type 'string' is not assignable to type 'number'/s)
  })

  it('keeps CRLF line endings', async () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n')
    const { dir, file } = await project('crlf', crlf(await fixture('multiline-plugins-no-trailing-comma', 'input.ts')))
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', ...optionFlags(DEFAULT_OPTIONS)])
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(file, 'utf8')).toBe(crlf(await fixture('multiline-plugins-no-trailing-comma', 'expected.ts')))
  })

  it.each(refusalCases)('%s: refuses with exit 2 and leaves the file byte for byte', async (name) => {
    const input = await readFile(join(fixturesDir, name, 'input.ts'))
    const { dir, file } = await project(name, input)
    const expected = JSON.parse(await fixture(name, 'refusal.json')) as { code: string; message: string }
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', ...optionFlags(DEFAULT_OPTIONS), '--json'])
    expect(r.code).toBe(2)
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }
    expect(error.code).toBe(expected.code)
    expect(error.message).toContain(expected.message)
    expect(error.hint).not.toBe('')
    expect(r.stderr).toContain(expected.message)
    expect((await readFile(file)).equals(input)).toBe(true)
    expect(await readdir(dir)).toEqual(['mlops.config.ts'])
  })
})

describe('mlops add checks the package and the options before editing', () => {
  const input = () => fixture('empty-plugins-array', 'input.ts')

  it('a package whose default export is not a plugin: exit 2, config untouched', async () => {
    const { dir, file } = await project('not-a-plugin', await input())
    const before = await readFile(file)
    const r = await mlops(dir, ['add', '@acme/not-a-plugin', '--no-install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('@acme/not-a-plugin does not export an mlops plugin: its default export is a function that definePlugin did not make (leftPad)')
    expect(r.stderr).toContain('MLOPS_ADD_NOT_A_PLUGIN')
    expect((await readFile(file)).equals(before)).toBe(true)
  })

  it('a package that is not installed (with --no-install): exit 2 naming the folder, config untouched', async () => {
    const { dir, file } = await project('missing', await input())
    const r = await mlops(dir, ['add', '@acme/not-installed', '--no-install', '--json'])
    expect(r.code).toBe(2)
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } }
    expect(error.code).toBe('MLOPS_ADD_PACKAGE_NOT_FOUND')
    expect(error.message).toBe(`@acme/not-installed cannot be imported from ${dir}: it is not installed there`)
    expect(await readFile(file, 'utf8')).toBe(await input())
  })

  it('a plugin built for another plugin API: exit 2 naming plugin, version, supported API and the fix', async () => {
    const { dir, file } = await project('future', await input())
    const r = await mlops(dir, ['add', '@acme/notify-future', '--no-install', '--json'])
    expect(r.code).toBe(2)
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }
    expect(error.code).toBe('MLOPS_PLUGIN_API_UNSUPPORTED')
    expect(error.message).toBe('mlops add @acme/notify-future: @acme/notify-future@2.0.0 implements plugin API 2; this @mlops/core 0.1.0 supports plugin API 1.')
    expect(error.hint).toContain('Install a version of @acme/notify-future built for @mlops/core ^0.1, or upgrade @mlops/cli')
    expect(await readFile(file, 'utf8')).toBe(await input())
  })

  it('invalid options: exit 2 naming the plugin and each option path, listing what it takes', async () => {
    const { dir, file } = await project('bad-options', await input())
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', ...optionFlags(['url=not-a-url', 'retries=-1', 'tls.rejectUnauthorized=maybe'])])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('@acme/notify-fixture rejects the --option values (the config was not changed):')
    expect(r.stderr).toMatch(/^ {2}url › /m)
    expect(r.stderr).toMatch(/^ {2}retries › .*>=0/m)
    expect(r.stderr).toMatch(/^ {2}tls\.rejectUnauthorized › .*boolean/m)
    expect(r.stderr).toContain('@acme/notify-fixture takes: url (required), retries, verbose, channel, tls.')
    expect(await readFile(file, 'utf8')).toBe(await input())

    const missing = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^ {2}url › .*expected string/m)
  })

  it('a value typed like a number becomes the string the schema wants; numbers and booleans stay typed', async () => {
    const { dir, file } = await project('coerce', await input())
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', ...optionFlags(['url=https://a.test', 'channel=007', 'retries=2', 'verbose=false'])])
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(file, 'utf8')).toContain("notifyFixture({ url: 'https://a.test', channel: '007', retries: 2, verbose: false })")
  })

  it('--dry-run prints a unified diff that applies to the file, and writes nothing', async () => {
    const { dir, file } = await project('dry-run', await input())
    const r = await mlops(dir, ['add', '@acme/notify-fixture', '--dry-run', ...optionFlags(DEFAULT_OPTIONS)])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('--- a/mlops.config.ts\n+++ b/mlops.config.ts\n@@ -1,6 +1,7 @@\n')
    expect(r.stdout).toContain("\n+import notifyFixture from '@acme/notify-fixture'\n")
    expect(r.stdout).toContain("\n-  plugins: [],\n+  plugins: [notifyFixture({ url: 'https://hooks.example.test/mlops' })],\n")
    expect(applyPatch(await input(), r.stdout)).toBe(await fixture('empty-plugins-array', 'expected.ts'))
    expect(await readFile(file, 'utf8')).toBe(await input())
    // A dry run installs nothing: a package that is not there yet still gets its diff, with a warning.
    const unchecked = await mlops(dir, ['add', '@acme/not-installed', '--dry-run', '--json'])
    expect(unchecked.code, unchecked.stderr).toBe(0)
    expect(unchecked.stderr).toContain('@acme/not-installed is not installed: the plugin and its options were not checked')
    expect((JSON.parse(unchecked.stdout) as { diff: string }).diff).toContain("+import notInstalled from '@acme/not-installed'")
    expect(await readFile(file, 'utf8')).toBe(await input())
  })

  it('bad usage: exit 2 before anything is read or installed', async () => {
    const { dir } = await project('usage', await input())
    for (const [argv, text] of [
      [['add'], 'name the plugin package'],
      [['add', 'a', 'b'], 'add takes one package'],
      [['add', 'Not A Name', '--no-install'], 'is not a package name'],
      [['add', '@acme/notify-fixture', '--no-install', '--option', 'url'], '--option takes key=value'],
      [['add', '@acme/notify-fixture', '--no-install', '--option', 'a=1', '--option', 'a.b=2'], 'conflicts with --option a'],
      [['add', '@acme/notify-fixture', '--no-install', '--option', 'a=1', '--option', 'a=2'], '--option a is given twice'],
      [['add', '@acme/notify-fixture', '--no-install', '--option', 'a..b=1'], 'is not a key path'],
      [['add', '@acme/notify-fixture', '--frobnicate'], '--frobnicate'],
      [['add', 'file:./nowhere'], 'is not a package folder'],
    ] as const) {
      const r = await mlops(dir, [...argv])
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.stderr, argv.join(' ')).toContain(text)
    }
  })
})

describe('mlops add runs npm install', () => {
  // npm settings for a quiet, offline-safe install of a local folder (no audit or funding requests).
  const npmEnv = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' }

  it('installs a local package folder, then refuses it cleanly when it is not a plugin', async () => {
    const { dir, file } = await project('npm-install', await fixture('empty-plugins-array', 'input.ts'))
    await writeFile(join(dir, 'package.json'), '{ "name": "npm-install-test", "private": true }\n')
    await cp(join(repoRoot, 'packages/cli/test/add/plugin-packages/not-a-plugin'), join(dir, 'vendor/not-a-plugin'), { recursive: true })
    const before = await readFile(file)
    const r = await mlops(dir, ['add', 'file:vendor/not-a-plugin'], npmEnv)
    expect(r.stderr).toContain('npm install file:vendor/not-a-plugin (in .)')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('@acme/not-a-plugin does not export an mlops plugin')
    expect(existsSync(join(dir, 'node_modules/@acme/not-a-plugin/package.json'))).toBe(true)
    expect((JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies).toEqual({
      '@acme/not-a-plugin': 'file:vendor/not-a-plugin',
    })
    expect((await readFile(file)).equals(before)).toBe(true)
  })

  it('a failing npm install: exit 2 naming the command, config untouched', async () => {
    const { dir, file } = await project('npm-fails', await fixture('empty-plugins-array', 'input.ts'))
    // The project's package.json is broken, so npm stops before touching anything.
    await writeFile(join(dir, 'package.json'), '{ "name": "npm-fails-test", \n')
    await cp(join(repoRoot, 'packages/cli/test/add/plugin-packages/notify-fixture'), join(dir, 'vendor/plugin'), { recursive: true })
    const before = await readFile(file)
    const r = await mlops(dir, ['add', 'file:vendor/plugin', '--json'], npmEnv)
    expect(r.code).toBe(2)
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } }
    expect(error.code).toBe('MLOPS_ADD_INSTALL_FAILED')
    expect(error.message).toMatch(/^`npm install file:vendor\/plugin` exited with code \d+; the config was not changed\.$/)
    expect((await readFile(file)).equals(before)).toBe(true)
  })
})

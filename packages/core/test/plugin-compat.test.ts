import { readFileSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkPlugin,
  coreCompatRange,
  coreVersion,
  definePlugin,
  isMlopsError,
  isPluginFactory,
  isPluginInstance,
  loadConfig,
  setupPlugin,
  z,
  type MlopsError,
} from '../src/index.js'

const pkgVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
const ctx = { root: '.', dataDir: '.mlops', logger: console, signal: new AbortController().signal, env: {} }

function thrown(fn: () => unknown): MlopsError {
  try {
    fn()
  } catch (error) {
    if (isMlopsError(error)) return error
    throw error
  }
  throw new Error('expected an MlopsError')
}

const notify = (apiVersion: unknown, version?: string) =>
  definePlugin({
    name: '@acme/notify-x',
    apiVersion: apiVersion as number,
    ...(version ? { version } : {}),
    options: z.object({ url: z.url(), retries: z.int().min(0).default(3) }),
    setup: () => ({}),
  })

describe('definePlugin', () => {
  it('returns a branded factory carrying its definition; calling it configures the plugin', () => {
    const factory = notify(1, '1.2.0')
    expect(isPluginFactory(factory)).toBe(true)
    expect(isPluginFactory(() => ({}))).toBe(false)
    expect(isPluginInstance(factory)).toBe(false)
    expect(factory.definition.name).toBe('@acme/notify-x')
    const instance = factory({ url: 'https://example.test/hook' })
    expect(isPluginInstance(instance)).toBe(true)
    expect(isPluginFactory(instance)).toBe(false)
    expect(instance).toMatchObject({ name: '@acme/notify-x', apiVersion: 1, version: '1.2.0', rawOptions: { url: 'https://example.test/hook' } })
    expect(checkPlugin(instance, 'plugins[0]').options).toEqual({ url: 'https://example.test/hook', retries: 3 })
  })
})

describe('plugin API compatibility', () => {
  it('reads its own version for messages', () => {
    expect(coreVersion()).toBe(pkgVersion)
    expect(coreCompatRange('0.1.0')).toBe('^0.1')
    expect(coreCompatRange('0.12.3')).toBe('^0.12')
    expect(coreCompatRange('2.4.1')).toBe('^2')
  })

  it('refuses a plugin built for a newer API, naming plugin, version, supported API and the fix', async () => {
    const plugin = notify(2, '2.0.0')({ url: 'https://example.test/hook' })
    const error = thrown(() => checkPlugin(plugin, 'mlops.config.ts: plugins[1]'))
    expect(error.code).toBe('MLOPS_PLUGIN_API_UNSUPPORTED')
    expect(error.exit).toBe(2)
    expect(error.message).toBe(
      `mlops.config.ts: plugins[1]: @acme/notify-x@2.0.0 implements plugin API 2; this @mlops/core ${pkgVersion} supports plugin API 1.`,
    )
    expect(error.hint).toBe(
      `Install a version of @acme/notify-x built for @mlops/core ${coreCompatRange(pkgVersion)}, or upgrade @mlops/cli and @mlops/core together (npm install @mlops/cli@latest @mlops/core@latest).`,
    )
    // setup is never reached
    await expect(setupPlugin(plugin, 'plugins[1]', ctx)).rejects.toMatchObject({ code: 'MLOPS_PLUGIN_API_UNSUPPORTED' })
  })

  it('points a plugin built for an older API at a newer release of the plugin', () => {
    const error = thrown(() => checkPlugin(notify(0)({ url: 'https://example.test' }), 'plugins[0]'))
    expect(error.message).toContain('plugins[0]: @acme/notify-x implements plugin API 0;')
    expect(error.hint).toContain('npm install @acme/notify-x@latest')
  })

  it('refuses a plugin that declares no apiVersion (a hand-made object, not a definePlugin result)', () => {
    const error = thrown(() => checkPlugin(notify(undefined)({ url: 'https://example.test' }), 'plugins[3]'))
    expect(error.message).toContain('plugins[3]: @acme/notify-x declares no plugin API version (apiVersion)')
  })
})

describe('values that are not plugins', () => {
  const factory = notify(1)
  it.each([
    ['the factory, uncalled', factory, 'got the plugin factory itself; call it: `notifyX({ ... })`'],
    ['a module object', { default: factory }, "import the package's default export"],
    ['any function', () => ({}), 'call the factory'],
    ['an array', [factory()], 'spread the array'],
    ['a plain object', { name: 'x' }, 'not made by a plugin factory'],
    ['undefined', undefined, 'got undefined'],
    ['a string', 'notify-x', 'got a string'],
  ])('%s: names plugins[i] and says what it got', (_label, value, expected) => {
    const error = thrown(() => checkPlugin(value, 'mlops.config.ts: plugins[2]'))
    expect(error.code).toBe('MLOPS_PLUGIN_INVALID')
    expect(error.message).toMatch(/^mlops\.config\.ts: plugins\[2\] is not an mlops plugin: /)
    expect(error.message).toContain(expected)
  })

  it('options failures name the plugin and the option path', () => {
    const error = thrown(() => checkPlugin(factory({ url: 'not a url', retries: -1 }), 'mlops.config.ts: plugins[0]'))
    expect(error.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    expect(error.message).toMatch(/^mlops\.config\.ts: plugins\[0\] \(@acme\/notify-x\): url › /)
    expect(error.message).toContain('\nretries › ')
  })
})

describe('a config whose plugins hold a non-plugin', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlops-plugin-compat-'))
    // The config imports @mlops/core: the workspace's node_modules stands in for an install.
    await symlink(fileURLToPath(new URL('../../../node_modules', import.meta.url)), join(dir, 'node_modules'), 'dir')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('fails to load with an error naming plugins[i]', async () => {
    await writeFile(
      join(dir, 'mlops.config.ts'),
      [
        "import { defineConfig, definePlugin, z } from '@mlops/core'",
        "const ok = definePlugin({ name: 'ok', apiVersion: 1, options: z.object({}), setup: () => ({}) })",
        'const notAPlugin = (options: object) => ({ ...options })',
        'export default defineConfig({ plugins: [ok(), notAPlugin({}) as never], pipelines: {} })',
        '',
      ].join('\n'),
    )
    let error: unknown
    try {
      await loadConfig({ cwd: dir })
    } catch (e) {
      error = e
    }
    expect(isMlopsError(error) && error.code).toBe('MLOPS_CONFIG_INVALID')
    expect((error as Error).message).toContain('plugins[1]: expected a configured plugin')
  })
})

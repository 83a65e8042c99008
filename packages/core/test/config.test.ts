import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isMlopsError, loadConfig, parseParamArgs, planRun, setupPlugin, type MlopsError } from '../src/index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url))

async function loadError(promise: Promise<unknown>): Promise<MlopsError> {
  try {
    await promise
  } catch (error) {
    if (isMlopsError(error)) return error
    throw error
  }
  throw new Error('expected an MlopsError')
}

const ctx = { root: '.', dataDir: '.mlops', logger: console, signal: new AbortController().signal, env: {} }

describe('config loading', () => {
  it('finds mlops.config.ts upward and builds every pipeline graph', async () => {
    const config = await loadConfig({ cwd: join(fixture('valid'), '..', 'valid') })
    expect([...config.pipelines.keys()]).toEqual(['train', 'other'])
    expect(config.pipelines.get('train')!.graph.nodes.map((n) => n.id)).toEqual(['make', 'fit'])
    expect(config.execution).toEqual({ concurrency: 4, cache: true })
  })

  it('says where to start when no config exists (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-noconfig-'))
    try {
      const error = await loadError(loadConfig({ cwd: dir }))
      expect(error.code).toBe('MLOPS_CONFIG_NOT_FOUND')
      expect(error.exit).toBe(2)
      expect(error.hint).toContain('mlops init')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names a missing --config path', async () => {
    const error = await loadError(loadConfig({ cwd: fixture('valid'), configPath: 'nope.config.ts' }))
    expect(error.code).toBe('MLOPS_CONFIG_FILE_MISSING')
    expect(error.message).toContain('nope.config.ts')
  })

  it('reports an unparsable config with its file', async () => {
    const error = await loadError(loadConfig({ cwd: fixture('syntax-error') }))
    expect(error.code).toBe('MLOPS_CONFIG_LOAD_FAILED')
    expect(error.exit).toBe(2)
    expect(error.loc?.file).toMatch(/syntax-error[/\\]mlops\.config\.ts$/)
  })

  it('reports zod issues by config path', async () => {
    const error = await loadError(loadConfig({ cwd: fixture('invalid-schema') }))
    expect(error.code).toBe('MLOPS_CONFIG_INVALID')
    expect(error.message).toContain('pipelines.train: expected pipeline(')
    expect(error.message).toMatch(/execution\.concurrency: .*>=\s*1/)
  })

  it('rejects params that fail the step schema with the config path', async () => {
    const config = await loadConfig({ cwd: fixture('bad-step-params') })
    const error = await loadError(Promise.resolve().then(() => planRun(config, 'train')))
    expect(error.code).toBe('MLOPS_PARAM_INVALID')
    expect(error.message).toContain('pipelines.train.steps[1].params.lr')
  })
})

describe('planning', () => {
  it('applies --param to the steps declaring it, validated by their schema', async () => {
    const config = await loadConfig({ cwd: fixture('valid') })
    const plan = planRun(config, 'train', parseParamArgs(['lr=0.5', 'make.n=7']))
    expect(plan.steps.map((s) => s.params)).toEqual([{ n: 7 }, { lr: 0.5, epochs: 3 }])
    expect(plan.steps[1]!.dependsOn).toEqual(['make'])
    const bad = await loadError(Promise.resolve().then(() => planRun(config, 'train', parseParamArgs(['lr=fast']))))
    expect(bad.code).toBe('MLOPS_PARAM_INVALID')
    expect(bad.message).toContain('pipelines.train.steps[1].params.lr (from --param lr=fast)')
    const unknown = await loadError(Promise.resolve().then(() => planRun(config, 'train', parseParamArgs(['momentum=1']))))
    expect(unknown.code).toBe('MLOPS_PARAM_UNKNOWN')
    expect(unknown.message).toContain('fit.lr')
  })

  it('names the known pipelines for an unknown one', async () => {
    const config = await loadConfig({ cwd: fixture('valid') })
    const error = await loadError(Promise.resolve().then(() => planRun(config, 'trian')))
    expect(error.code).toBe('MLOPS_PIPELINE_UNKNOWN')
    expect(error.message).toContain('train, other')
  })

  it('changes the cache identity when code version inputs change, not otherwise', async () => {
    const config = await loadConfig({ cwd: fixture('valid') })
    const a = planRun(config, 'train')
    const b = planRun(config, 'train')
    expect(a.codeVersion).toBe(b.codeVersion)
    expect(a.steps[0]!.codeVersion).not.toBe(a.steps[1]!.codeVersion)
  })
})

describe('plugins', () => {
  it('names the plugin and the option path when options fail', async () => {
    const config = await loadConfig({ cwd: fixture('bad-plugin-options') })
    const error = await loadError(setupPlugin(config.plugins[0], 'mlops.config.ts: plugins[0]', ctx))
    expect(error.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    expect(error.message).toBe('mlops.config.ts: plugins[0] (@acme/notifier-slack): channel › must start with "#"')
  })

  it('refuses an unsupported plugin API version', async () => {
    const config = await loadConfig({ cwd: fixture('bad-plugin-api') })
    const error = await loadError(setupPlugin(config.plugins[0], 'plugins[0]', ctx))
    expect(error.code).toBe('MLOPS_PLUGIN_API_UNSUPPORTED')
    expect(error.message).toContain('@acme/storage-future@9.0.0 implements plugin API 2')
  })

  it('refuses a value that is not a plugin', async () => {
    const error = await loadError(setupPlugin(() => ({}), 'plugins[1]', ctx))
    expect(error.code).toBe('MLOPS_PLUGIN_INVALID')
    expect(error.message).toContain('call the factory')
  })
})

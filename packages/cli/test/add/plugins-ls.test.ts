import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, mlops } from './helpers.js'

let work: string
beforeAll(async () => {
  work = await createWorkspace('mlops-plugins-ls-')
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

async function project(name: string, config: string): Promise<string> {
  const dir = join(work, name)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'mlops.config.ts'), config)
  return dir
}

describe('mlops plugins ls', () => {
  it('lists a plugin mlops add put in the config, with version, API, kinds and source, then the defaults', async () => {
    const dir = await project('added', "import { defineConfig } from '@mlops/core'\n\nexport default defineConfig({ pipelines: {} })\n")
    const added = await mlops(dir, ['add', '@acme/notify-fixture', '--no-install', '--option', 'url=https://hooks.example.test/x'])
    expect(added.code, added.stderr).toBe(0)
    const r = await mlops(dir, ['plugins', 'ls', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const data = JSON.parse(r.stdout) as { plugins: { name: string; version: string | null; apiVersion: number; kinds: string[]; source: string }[]; core: { version: string; pluginApi: number[] } }
    expect(data.plugins[0]).toEqual({ name: '@acme/notify-fixture', version: '1.4.0', apiVersion: 1, kinds: ['notifier'], source: 'plugins[0]' })
    // The embedded defaults declare no version: the installed package's is shown.
    expect(data.plugins.slice(1).map((p) => [p.name, p.version, p.kinds, p.source])).toEqual([
      ['@mlops/metadata-sqlite', '0.1.0', ['metadata'], 'embedded default'],
      ['@mlops/storage-fs', '0.1.0', ['storage'], 'embedded default'],
    ])
    expect(data.core).toEqual({ version: '0.1.0', pluginApi: [1] })

    const human = await mlops(dir, ['plugins', 'ls'])
    expect(human.stdout.split('\n')[0]).toMatch(/^PLUGIN +VERSION +API +KINDS +SOURCE$/)
    expect(human.stdout).toMatch(/^@acme\/notify-fixture +1\.4\.0 +1 +notifier +plugins\[0\]$/m)
    expect(human.stdout).toContain('@mlops/core 0.1.0 supports plugin API 1\n')
  })

  it('refuses a config whose plugin implements another plugin API, naming where, what and the fix', async () => {
    const dir = await project(
      'future',
      "import { defineConfig } from '@mlops/core'\nimport notifyFuture from '@acme/notify-future'\n\nexport default defineConfig({ plugins: [notifyFuture()], pipelines: {} })\n",
    )
    const r = await mlops(dir, ['plugins', 'ls'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error mlops.config.ts: plugins[0]: @acme/notify-future@2.0.0 implements plugin API 2; this @mlops/core 0.1.0 supports plugin API 1.')
    expect(r.stderr).toContain('hint Install a version of @acme/notify-future built for @mlops/core ^0.1, or upgrade @mlops/cli and @mlops/core together')
    expect(r.stderr).toContain('MLOPS_PLUGIN_API_UNSUPPORTED')
  })

  it('refuses a config whose plugins hold something a plugin package did not make, naming plugins[i]', async () => {
    const dir = await project(
      'not-a-plugin',
      "import { defineConfig } from '@mlops/core'\nimport notifyFixture from '@acme/notify-fixture'\nimport leftPad from '@acme/not-a-plugin'\n\n" +
        "export default defineConfig({ plugins: [notifyFixture({ url: 'https://a.test' }), leftPad as never], pipelines: {} })\n",
    )
    const r = await mlops(dir, ['plugins', 'ls'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('plugins[1]: expected a configured plugin')
    expect(r.stderr).toContain('MLOPS_CONFIG_INVALID')
  })
})

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import type { PluginContext } from '@mlops/core'
import { deployTargetConformance } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
const ctx = (root: string): PluginContext => ({ root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })

deployTargetConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__',
    // The suite passes a fresh temp folder per case; it is the project root.
    create: async (root) => (await setupPlugin(__FACTORY__(), 'test', ctx(root))).deployTarget!,
  },
)

describe('__PACKAGE_NAME__ descriptors', () => {
  it('writes <dir>/<id>.json with the version and the serve command, and refuses ids that are no file names', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
    try {
      const target = (await setupPlugin(__FACTORY__({ dir: 'deploy' }), 'test', ctx(root))).deployTarget!
      const request = {
        deploymentId: 'penguins-champion',
        model: 'penguins',
        selector: { alias: 'champion' },
        resolved: { version: '3', artifactHash: 'f'.repeat(64) },
        project: { name: 'demo', root, configFile: join(root, 'mlops.config.ts') },
        serveCommand: ['npx', 'mlops', 'serve', 'penguins'],
        settings: { port: '8080' },
      }
      await target.deploy(request)
      const descriptor = JSON.parse(await readFile(join(root, 'deploy/penguins-champion.json'), 'utf8'))
      expect(descriptor.status).toMatchObject({ id: 'penguins-champion', model: { model: 'penguins', version: '3', alias: 'champion' }, state: 'pending' })
      expect(descriptor.request).toMatchObject({ serveCommand: request.serveCommand, settings: { port: '8080' } })
      await expect(target.deploy({ ...request, deploymentId: '../escape' })).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

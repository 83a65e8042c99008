import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import { driftDetectorConformance } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
const detector = async (options?: Parameters<typeof __FACTORY__>[0]) =>
  (await setupPlugin(__FACTORY__(options), 'test', { root: process.cwd(), dataDir: '.mlops', logger, signal: new AbortController().signal, env: {} })).driftDetector!

driftDetectorConformance({ describe, it }, { pluginName: '__PACKAGE_NAME__', create: () => detector() })

describe('__PACKAGE_NAME__ CSV input', () => {
  it('names the file and line of a ragged row, and an unknown column', async () => {
    const dir = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
    try {
      await writeFile(join(dir, 'a.csv'), 'x,y\n1,2\n3\n')
      await writeFile(join(dir, 'b.csv'), 'x,y\n1,2\n3,4\n')
      const d = await detector()
      await expect(d.detect({ path: join(dir, 'a.csv') }, { path: join(dir, 'b.csv') }, {})).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID', message: expect.stringContaining('a.csv:3') })
      await expect(d.detect({ path: join(dir, 'b.csv') }, { path: join(dir, 'b.csv') }, { columns: ['z'] })).rejects.toMatchObject({ message: expect.stringContaining('no column "z"') })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a threshold outside (0, 1)', async () => {
    await expect(detector({ threshold: 2 })).rejects.toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID' })
  })
})

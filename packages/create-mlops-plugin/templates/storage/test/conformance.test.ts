import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import type { ArtifactStore } from '@mlops/core'
import { storageConformance } from '@mlops/testkit'
import { afterAll, describe, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
const roots: string[] = []
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true })
})

storageConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__',
    // A fresh project folder per case, set up as the config loader does.
    async create() {
      const root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
      roots.push(root)
      const { storage } = await setupPlugin(__FACTORY__({ dir: 'artifacts' }), 'test', { root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })
      return storage!
    },
    // Flip one byte of the stored file, as disk corruption would.
    async corrupt(hash: string, store: ArtifactStore) {
      const file = store.describe(hash)
      const bytes = await readFile(file)
      bytes[bytes.length >> 1]! ^= 0xff
      await chmod(file, 0o644)
      await writeFile(file, bytes)
    },
  },
)

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import { metadataConformance } from '@mlops/testkit'
import { afterAll, describe, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'
import { JsonFileMetadataStore, openJsonFileMetadataStore } from '../src/store.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
const roots: string[] = []
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true })
})

metadataConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__',
    // A fresh project folder per case, set up as the config loader does (the default path, <dataDir>/metadata.json).
    async create() {
      const root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
      roots.push(root)
      const { metadata } = await setupPlugin(__FACTORY__({}), 'test', { root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })
      return metadata!
    },
    // A second instance on the same file: it reads what the first wrote (and, once closed, what is on disk).
    reopen: (store) => openJsonFileMetadataStore((store as JsonFileMetadataStore).path),
  },
)

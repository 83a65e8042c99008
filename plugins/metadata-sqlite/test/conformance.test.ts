import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { metadataConformance } from '@mlops/testkit'
import { afterAll, describe, it } from 'vitest'
import { openSqliteMetadataStore, SqliteMetadataStore } from '../src/index.js'

const root = await mkdtemp(join(tmpdir(), 'mlops-metadata-sqlite-conformance-'))
afterAll(() => rm(root, { recursive: true, force: true }))
let count = 0

metadataConformance(
  { describe, it },
  {
    pluginName: '@mlops/metadata-sqlite',
    create: () => openSqliteMetadataStore(join(root, `db-${count++}`, 'metadata.sqlite')),
    reopen: async (store) => openSqliteMetadataStore((store as SqliteMetadataStore).path),
  },
)

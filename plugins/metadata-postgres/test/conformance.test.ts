import { metadataConformance } from '@mlops/testkit'
import { afterAll, describe, it, vi } from 'vitest'
import { openPostgresMetadataStore } from '../src/index.js'
import type { PostgresMetadataStore } from '../src/index.js'
import { probePostgres, schemaNames, TEST_URL } from './postgres-service.js'

// Each case creates and migrates a schema: allow for a CI machine busy with every other package's tests.
vi.setConfig({ testTimeout: 30_000 })
const service = await probePostgres()
const schemas = schemaNames('conf')
afterAll(() => schemas.dropAll())

// A fresh schema per create(); reopen() is a second pool on the same schema.
const open = (schema: string) => openPostgresMetadataStore({ url: TEST_URL, schema, poolSize: 4 })

describe.skipIf(!service.reachable)(service.reachable ? 'PostgreSQL' : `PostgreSQL (skipped: ${service.reason})`, () => {
  metadataConformance(
    { describe, it },
    {
      pluginName: '@mlops/metadata-postgres',
      create: () => open(schemas.next()),
      reopen: (store) => open((store as PostgresMetadataStore).schema),
    },
  )
})

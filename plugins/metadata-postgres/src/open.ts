import type { PostgresMetadataStore, PostgresMetadataStoreOptions } from './postgres-metadata-store.js'

/**
 * Opens the metadata store in `options.schema` of the database at `options.url`, creating or
 * migrating the schema. The store module (pg and kysely, ~150 ms to import) loads on the first call,
 * so importing this package stays cheap for commands that never open it.
 */
export async function openPostgresMetadataStore(options: PostgresMetadataStoreOptions): Promise<PostgresMetadataStore> {
  const { PostgresMetadataStore } = await import('./postgres-metadata-store.js')
  return PostgresMetadataStore.open(options)
}

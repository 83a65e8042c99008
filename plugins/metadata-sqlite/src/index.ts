export { metadataSqlite as default, metadataSqlite, sqliteMetadataOptions } from './plugin.js'
export { openSqliteMetadataStore, SqliteMetadataStore } from './sqlite-metadata-store.js'
export type { SqliteMetadataStoreOptions } from './sqlite-metadata-store.js'
export { LATEST_SCHEMA_VERSION } from './internal/migrations.js'

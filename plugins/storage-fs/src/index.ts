export { storageFs as default, storageFs, fsStorageOptions } from './plugin.js'
export { createFsArtifactStore, FsArtifactStore } from './fs-artifact-store.js'
export type { FsArtifactStoreOptions } from './fs-artifact-store.js'

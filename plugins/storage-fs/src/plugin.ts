import { join, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { createFsArtifactStore } from './fs-artifact-store.js'

export const fsStorageOptions = z.object({
  /** Folder holding the objects; relative paths are resolved against the project root. Default `<dataDir>/artifacts`. */
  path: z.string().min(1).optional(),
  /** Age (ms since last write) after which a leftover temp file is deleted on open. */
  staleTempMs: z.int().min(0).optional(),
})

/** The embedded default storage: `storageFs({ path: '.mlops/artifacts' })` in `plugins`. */
export const storageFs = definePlugin({
  name: '@mlops/storage-fs',
  apiVersion: 1,
  options: fsStorageOptions,
  setup: async (options, ctx) => {
    const dir = options.path === undefined ? join(ctx.dataDir, 'artifacts') : resolve(ctx.root, options.path)
    return {
      storage: await createFsArtifactStore(dir, options.staleTempMs === undefined ? {} : { staleTempMs: options.staleTempMs }),
    }
  },
})

import { join, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { openSqliteMetadataStore } from './sqlite-metadata-store.js'

export const sqliteMetadataOptions = z.object({
  /** The database file; a relative path is resolved against the project root. Default `<dataDir>/metadata.sqlite`. */
  path: z.string().min(1).optional(),
  /** How long a write waits for another process's transaction before failing (ms). */
  busyTimeoutMs: z.int().min(0).default(10_000),
  /** `full`: a commit survives a power cut. `normal`: faster; a power cut may lose the last commits (never corrupts). */
  synchronous: z.enum(['full', 'normal']).default('normal'),
})

/** The embedded default metadata store: `metadataSqlite({ path: '.mlops/metadata.sqlite' })` in `plugins`. */
export const metadataSqlite = definePlugin({
  name: '@mlops/metadata-sqlite',
  apiVersion: 1,
  options: sqliteMetadataOptions,
  setup: async (options, ctx) => {
    const path = options.path === undefined ? join(ctx.dataDir, 'metadata.sqlite') : resolve(ctx.root, options.path)
    return { metadata: await openSqliteMetadataStore(path, { busyTimeoutMs: options.busyTimeoutMs, synchronous: options.synchronous }) }
  },
})

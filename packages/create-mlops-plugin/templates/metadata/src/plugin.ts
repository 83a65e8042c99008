import { join, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { JsonFileMetadataStore, openJsonFileMetadataStore } from './store.js'
import { version } from './version.js'

export const __FACTORY__Options = z.object({
  /** The JSON file; a relative path is resolved against the project root. Default `<dataDir>/metadata.json`. */
  path: z.string().min(1).optional(),
  /** Flush every write to disk before it returns (a power cut then loses nothing written). */
  fsync: z.boolean().default(true),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ path: '.mlops/metadata.json' })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: async (options, ctx) => ({
    metadata: await openJsonFileMetadataStore(options.path === undefined ? join(ctx.dataDir, 'metadata.json') : resolve(ctx.root, options.path), { fsync: options.fsync }),
  }),
})

export { JsonFileMetadataStore, openJsonFileMetadataStore }

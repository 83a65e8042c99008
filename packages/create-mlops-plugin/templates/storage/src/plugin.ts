import { join, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { DirArtifactStore } from './store.js'
import { version } from './version.js'

export const __FACTORY__Options = z.object({
  /** Folder holding the objects, relative to the project root. Default `.mlops/artifacts`. */
  dir: z.string().min(1).optional(),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ dir: 'artifacts' })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options, ctx) => ({
    storage: new DirArtifactStore(options.dir ? resolve(ctx.root, options.dir) : join(ctx.dataDir, 'artifacts')),
  }),
})

export { DirArtifactStore }

import { join, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { DescriptorDeployTarget } from './target.js'
import { version } from './version.js'

export const __FACTORY__Options = z.object({
  /** Folder of the deployment descriptors, relative to the project root. Default `.mlops/deployments`. */
  dir: z.string().min(1).optional(),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ dir: 'deploy' })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options, ctx) => ({
    deployTarget: new DescriptorDeployTarget('__PACKAGE_NAME__', options.dir ? resolve(ctx.root, options.dir) : join(ctx.dataDir, 'deployments')),
  }),
})

export { DescriptorDeployTarget }
export type { DeploymentDescriptor } from './target.js'

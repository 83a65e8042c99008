import { availableParallelism } from 'node:os'
import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { TopologicalExecutor } from './executor.js'
import { version } from './version.js'

export const __FACTORY__Options = z.object({
  /** Upper bound on steps running at once (the run's `--concurrency` is capped by it). */
  maxConcurrency: z.int().min(1).default(availableParallelism()),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ maxConcurrency: 4 })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options) => ({ executor: new TopologicalExecutor('__PACKAGE_NAME__', options.maxConcurrency) }),
})

export { TopologicalExecutor }

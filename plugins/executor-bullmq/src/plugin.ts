import { definePlugin } from '@mlops/core'
import { BullmqExecutor } from './bullmq-executor.js'
import { bullmqExecutorOptions, resolveOptions } from './options.js'

/**
 * Runs pipeline steps as BullMQ jobs on Redis: `plugins: [executorBullmq({ url })]`, then
 * `npx mlops worker` on each machine and `npx mlops run PIPELINE` as usual. Needs shared stores
 * (e.g. @mlops/metadata-postgres and @mlops/storage-s3).
 */
export const executorBullmq = definePlugin({
  name: '@mlops/executor-bullmq',
  apiVersion: 1,
  version: '0.1.0',
  options: bullmqExecutorOptions,
  setup: (options, ctx) => ({ executor: new BullmqExecutor(resolveOptions(options, ctx.root, ctx.env), ctx.logger) }),
})

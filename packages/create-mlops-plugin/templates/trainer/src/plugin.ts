import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { CommandTrainer } from './trainer.js'
import { version } from './version.js'

const fileName = z.string().regex(/^[^/\\]+$/, 'a file name inside the work folder, without slashes')

export const __FACTORY__Options = z.object({
  /** argv of the training program, e.g. ['python3', '{root}/train.py']; `{root}` is the project root. */
  command: z.array(z.string().min(1)).min(1),
  modelFile: fileName.default('model.bin'),
  metricsFile: fileName.default('metrics.json'),
  env: z.record(z.string(), z.string()).default({}),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ command: ['python3', '{root}/train.py'] })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options, ctx) => ({ trainer: new CommandTrainer('__PACKAGE_NAME__', { ...options, root: ctx.root }) }),
})

export { CommandTrainer }
export { inputVariable } from './trainer.js'
export { TrainCommandFailed, TrainOutputInvalid } from './errors.js'

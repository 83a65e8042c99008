import { isAbsolute, resolve } from 'node:path'
import { definePlugin } from '@mlops/core'
import { CommandTrainer, commandTrainerOptions } from './command-trainer.js'

/**
 * `trainerCommand({ command: ['python3', 'train.py'], cwd: 'training' })` in `plugins`: provides a
 * `trainer` that runs the command. A relative `cwd` is resolved against the project root (default: the root).
 */
export const trainerCommand = definePlugin({
  name: '@mlops/trainer-command',
  version: '0.1.0',
  apiVersion: 1,
  options: commandTrainerOptions,
  setup: (options, ctx) => {
    const cwd = options.cwd === undefined ? ctx.root : isAbsolute(options.cwd) ? options.cwd : resolve(ctx.root, options.cwd)
    return { trainer: new CommandTrainer(options, cwd) }
  },
})

export { trainerCommand as default, trainerCommand } from './plugin.js'
export { CommandTrainer, commandTrainerOptions, createCommandTrainer, displayCommand } from './command-trainer.js'
export type { CommandTrainerOptions } from './command-trainer.js'
export { commandTrainStep } from './train-step.js'
export type { CommandTrainOutputs, CommandTrainStepOptions } from './train-step.js'
export {
  TrainerCommandFailed,
  TrainerCommandNotFound,
  TrainerMetricsInvalid,
  TrainerModelMissing,
  TrainerRequestInvalid,
  TrainerTimedOut,
} from './errors.js'

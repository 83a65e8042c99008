import type { ErrorData } from '@mlops/core'

/** This plugin's user-facing errors, in @mlops/core's catalogue form: what, where, how to fix, exit code. */
export const TrainCommandFailed = {
  code: 'MLOPS_TRAIN_COMMAND_FAILED',
  title: 'The training command failed.',
  message: (command: string, exitCode: number | null, signal: string | null, stderrTail: string) =>
    `${command} ${signal ? `was killed by ${signal}` : `exited with code ${exitCode}`}${stderrTail ? `:\n${stderrTail}` : ''}`,
  hint: 'Run the command by hand in the work folder with the MLOPS_* variables set to see the full output.',
  exit: 1,
} satisfies ErrorData<[string, number | null, string | null, string]>

export const TrainOutputInvalid = {
  code: 'MLOPS_TRAIN_OUTPUT_INVALID',
  title: 'The training command did not leave the expected outputs.',
  message: (file: string, reason: string) => `${file}: ${reason}`,
  hint: 'The command must write the model to $MLOPS_MODEL_PATH and may write {"metric": number, …} to $MLOPS_METRICS_PATH.',
  exit: 2,
} satisfies ErrorData<[string, string]>

import type { ErrorData } from '@mlops/core'

/**
 * The trainer's user-facing errors. A failed or timed-out command exits 1 (the training failed: a retry
 * policy may try again); a command that cannot start or breaks the file contract exits 2 (fix the
 * config or the script: retrying cannot help).
 */

export const TrainerCommandNotFound = {
  code: 'MLOPS_TRAINER_COMMAND_NOT_FOUND',
  title: 'Training command not found.',
  message: (trainer: string, executable: string, where: string) => `${trainer}: cannot run "${executable}": ${where}.`,
  hint: 'Install it, or give its absolute path as the first element of `command` (e.g. ["/usr/bin/python3", "train.py"]).',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const TrainerCommandFailed = {
  code: 'MLOPS_TRAINER_COMMAND_FAILED',
  title: 'Training command failed.',
  message: (trainer: string, command: string, how: string, tail: string) =>
    `${trainer}: \`${command}\` ${how}.${tail ? `\nLast lines of its output:\n${tail}` : ' It printed nothing.'}`,
  hint: 'Fix the training script; the MLOPS_* environment variables it was given are listed with MLOPS_DEBUG=1.',
  exit: 1,
} satisfies ErrorData<[string, string, string, string]>

export const TrainerTimedOut = {
  code: 'MLOPS_TRAINER_TIMEOUT',
  title: 'Training command timed out.',
  message: (trainer: string, command: string, timeoutMs: number) =>
    `${trainer}: \`${command}\` did not finish within ${timeoutMs} ms; its process group was killed.`,
  hint: 'Raise `timeoutMs` in the trainer options, or make the training faster (fewer rows, fewer iterations).',
  exit: 1,
} satisfies ErrorData<[string, string, number]>

export const TrainerModelMissing = {
  code: 'MLOPS_TRAINER_MODEL_MISSING',
  title: 'The training command wrote no model.',
  message: (trainer: string, command: string, expectedPath: string) =>
    `${trainer}: \`${command}\` exited with code 0 but wrote no model file at ${expectedPath}.`,
  hint: 'Write the model to the path in the MLOPS_MODEL_PATH environment variable (e.g. `joblib.dump(model, os.environ["MLOPS_MODEL_PATH"])`).',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const TrainerMetricsInvalid = {
  code: 'MLOPS_TRAINER_METRICS_INVALID',
  title: 'The training command wrote invalid metrics.',
  message: (trainer: string, path: string, reason: string) => `${trainer}: metrics file ${path}: ${reason}.`,
  hint: 'Write one flat JSON object of finite numbers to the path in MLOPS_METRICS_PATH, e.g. {"accuracy": 0.97, "f1": 0.95}.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const TrainerRequestInvalid = {
  code: 'MLOPS_TRAINER_REQUEST_INVALID',
  title: 'Invalid training request.',
  message: (trainer: string, reason: string) => `${trainer}: ${reason}.`,
  hint: 'Rename the param or input so that each maps to its own MLOPS_PARAM_* / MLOPS_INPUT_* variable.',
  exit: 2,
} satisfies ErrorData<[string, string]>

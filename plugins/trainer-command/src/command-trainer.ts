import { mkdir, stat, writeFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { formatZodIssues, mlopsError, errors, type CallOptions, type HealthCheckResult, type TrainRequest, type TrainResult, type Trainer } from '@mlops/core'
import which from 'which'
import { z } from 'zod'
import { TrainerCommandFailed, TrainerCommandNotFound, TrainerMetricsInvalid, TrainerModelMissing, TrainerRequestInvalid, TrainerTimedOut } from './errors.js'
import { envSuffix, envValue } from './internal/env-names.js'
import { readMetricsFile } from './internal/metrics-file.js'
import { runProcessGroup } from './internal/process-group.js'

/** Lines of output kept for the error message of a failed command. */
const TAIL_LINES = 20
const TAIL_LINE_CHARS = 400

const fileName = z
  .string()
  .min(1)
  .refine((name) => !/[/\\\0]/.test(name) && name !== '.' && name !== '..', 'must be a plain file name (no folders)')

export const commandTrainerOptions = z.object({
  /** The trainer's name (shown by `mlops doctor` and in errors). */
  name: z.string().min(1).default('trainer-command'),
  /** argv: the executable (on PATH, or a path relative to `cwd`) and its arguments, e.g. `['python3', 'train.py']`. No shell. */
  command: z.array(z.string()).min(1).refine((argv) => argv[0] !== '', 'the first element (the executable) must not be empty'),
  /** Working directory of the command. The plugin resolves a relative one against the project root. */
  cwd: z.string().min(1).optional(),
  /** Extra environment variables (over the inherited ones; the MLOPS_* variables always win). */
  env: z.record(z.string(), z.string()).default({}),
  /** Pass this process's environment on (PATH, HOME, virtualenv variables …). */
  inheritEnv: z.boolean().default(true),
  /** Kill the command's process group after this long (SIGTERM, then SIGKILL after `killGraceMs`). */
  timeoutMs: z.int().positive().optional(),
  /** Between SIGTERM and SIGKILL when stopping the command (timeout, abort, leftover child processes). */
  killGraceMs: z.int().min(0).default(5000),
  /** File name of the model inside the work directory: MLOPS_MODEL_PATH. */
  modelFile: fileName.default('model.bin'),
  /** File name of the metrics JSON inside the work directory: MLOPS_METRICS_PATH. */
  metricsFile: fileName.default('metrics.json'),
  /** `required`: a command that writes no metrics file fails; `optional`: no file means no metrics. */
  metrics: z.enum(['required', 'optional']).default('required'),
})

export type CommandTrainerOptions = z.input<typeof commandTrainerOptions>
type ParsedOptions = z.output<typeof commandTrainerOptions>

/** A shell-like rendering of argv for messages: `python3 train.py --data 'my file.csv'`. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ')
}

/**
 * Runs an external command as a {@link Trainer}. The command gets, as environment variables:
 *
 * | variable | value |
 * |---|---|
 * | `MLOPS_PARAMS` | path of `params.json` (all params as one JSON object) |
 * | `MLOPS_PARAM_<NAME>` | each param (`nEstimators` → `MLOPS_PARAM_N_ESTIMATORS`): strings as is, other values as JSON |
 * | `MLOPS_INPUT_<NAME>` | absolute path of each input file |
 * | `MLOPS_OUTPUT_DIR` | the work directory (fresh, for anything else it writes) |
 * | `MLOPS_MODEL_PATH` | where it must write the model file |
 * | `MLOPS_METRICS_PATH` | where it writes one flat JSON object of finite numbers |
 *
 * Its stdout and stderr go line by line to the request's logger. It runs in its own process group:
 * a timeout or an aborted signal kills the command and every process it started.
 */
export class CommandTrainer implements Trainer {
  readonly name: string
  readonly options: Readonly<ParsedOptions>
  readonly #cwd: string

  constructor(options: ParsedOptions, cwd: string) {
    this.name = options.name
    this.options = options
    this.#cwd = cwd
  }

  /** The working directory the command runs in (absolute). */
  get cwd(): string {
    return this.#cwd
  }

  /** Reaches the executable: found on PATH (or at its path) and executable, and the working directory exists. */
  async check(_options?: CallOptions): Promise<HealthCheckResult> {
    const [executable] = this.options.command
    const cwdProblem = await this.#cwdProblem()
    if (cwdProblem) return { ok: false, detail: `${cwdProblem}; create it or fix \`cwd\`` }
    const found = await this.#resolveExecutable()
    if (!found.ok) return { ok: false, detail: `"${executable}" ${found.reason}; install it or give its absolute path in \`command\`` }
    return { ok: true, detail: `${executable}${found.path === executable ? '' : ` → ${found.path}`} (cwd ${this.#cwd})` }
  }

  async train(request: TrainRequest): Promise<TrainResult> {
    request.signal.throwIfAborted()
    const { options } = this
    const display = displayCommand(options.command)
    const workDir = resolve(request.workDir)
    const modelPath = join(workDir, options.modelFile)
    const metricsPath = join(workDir, options.metricsFile)
    const paramsPath = join(workDir, 'params.json')
    const mlopsEnv = this.#mlopsEnv(request, { workDir, modelPath, metricsPath, paramsPath })

    const cwdProblem = await this.#cwdProblem()
    if (cwdProblem) throw mlopsError(TrainerCommandNotFound, [this.name, options.command[0]!, cwdProblem])
    const found = await this.#resolveExecutable()
    if (!found.ok) throw mlopsError(TrainerCommandNotFound, [this.name, options.command[0]!, found.reason])

    await mkdir(workDir, { recursive: true })
    let paramsJson: string
    try {
      paramsJson = JSON.stringify(request.params ?? {}, null, 2)
    } catch (error) {
      throw mlopsError(TrainerRequestInvalid, [this.name, `params cannot be written as JSON: ${(error as Error).message}`], { cause: error })
    }
    await writeFile(paramsPath, `${paramsJson}\n`)
    request.signal.throwIfAborted()

    request.logger.debug(`running ${display}`, { cwd: this.#cwd, env: mlopsEnv })
    const tail = { stdout: [] as string[], stderr: [] as string[] }
    let outcome
    try {
      outcome = await runProcessGroup({
        executable: found.path,
        args: options.command.slice(1),
        cwd: this.#cwd,
        env: { ...this.#baseEnv(), ...mlopsEnv },
        signal: request.signal,
        timeoutMs: options.timeoutMs,
        killGraceMs: options.killGraceMs,
        onLine(stream, line) {
          request.logger.info(line)
          const lines = tail[stream]
          lines.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line)
          if (lines.length > TAIL_LINES) lines.shift()
        },
      })
    } catch (error) {
      // spawn itself failed (EACCES on a non-executable file, E2BIG …).
      throw mlopsError(TrainerCommandNotFound, [this.name, options.command[0]!, (error as Error).message], { cause: error })
    }

    if (outcome.aborted) throw request.signal.reason
    if (outcome.timedOut) throw mlopsError(TrainerTimedOut, [this.name, display, options.timeoutMs!])
    if (outcome.code !== 0) {
      const how =
        outcome.code !== null
          ? `exited with code ${outcome.code}`
          : `was killed by ${outcome.signal ?? 'a signal'}${outcome.signal === 'SIGKILL' ? ' (out of memory? see dmesg)' : ''}`
      const lines = tail.stderr.length ? tail.stderr : tail.stdout
      throw mlopsError(TrainerCommandFailed, [this.name, display, how, lines.map((l) => `  | ${l}`).join('\n')])
    }

    const model = await stat(modelPath).catch(() => undefined)
    if (!model?.isFile()) throw mlopsError(TrainerModelMissing, [this.name, display, modelPath])
    const metrics = await readMetricsFile(metricsPath, options.metrics === 'required')
    if (!metrics.ok) throw mlopsError(TrainerMetricsInvalid, [this.name, metricsPath, metrics.reason])
    return { modelPath, metrics: metrics.metrics, exitCode: 0 }
  }

  #baseEnv(): Record<string, string> {
    const env: Record<string, string> = {}
    if (this.options.inheritEnv) {
      for (const [key, value] of Object.entries(process.env)) {
        // A training run started from inside another one must not see the outer run's variables.
        if (value !== undefined && !key.startsWith('MLOPS_PARAM') && !key.startsWith('MLOPS_INPUT_')) env[key] = value
      }
    }
    return { ...env, ...this.options.env }
  }

  #mlopsEnv(request: TrainRequest, paths: { workDir: string; modelPath: string; metricsPath: string; paramsPath: string }): Record<string, string> {
    const env: Record<string, string> = {
      MLOPS_WORK_DIR: paths.workDir,
      MLOPS_OUTPUT_DIR: paths.workDir,
      MLOPS_MODEL_PATH: paths.modelPath,
      MLOPS_METRICS_PATH: paths.metricsPath,
      MLOPS_PARAMS: paths.paramsPath,
    }
    const params = request.params ?? {}
    if (typeof params !== 'object' || Array.isArray(params)) {
      throw mlopsError(TrainerRequestInvalid, [this.name, `params must be an object, got ${Array.isArray(params) ? 'an array' : typeof params}`])
    }
    const add = (prefix: string, kind: string, name: string, value: string) => {
      const suffix = envSuffix(name)
      if (suffix === '') throw mlopsError(TrainerRequestInvalid, [this.name, `${kind} "${name}" has no letter or digit to name ${prefix}* after`])
      const key = `${prefix}${suffix}`
      if (key in env) throw mlopsError(TrainerRequestInvalid, [this.name, `${kind} "${name}" and another ${kind} both map to ${key}`])
      env[key] = value
    }
    for (const [name, value] of Object.entries(params)) add('MLOPS_PARAM_', 'param', name, envValue(value))
    for (const [name, path] of Object.entries(request.inputs ?? {})) {
      if (typeof path !== 'string' || path === '') throw mlopsError(TrainerRequestInvalid, [this.name, `input "${name}" must be a file path, got ${JSON.stringify(path)}`])
      add('MLOPS_INPUT_', 'input', name, resolve(path))
    }
    return env
  }

  async #cwdProblem(): Promise<string | undefined> {
    const info = await stat(this.#cwd).catch(() => undefined)
    if (!info) return `the working directory ${this.#cwd} does not exist`
    if (!info.isDirectory()) return `the working directory ${this.#cwd} is not a directory`
    return undefined
  }

  async #resolveExecutable(): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
    const executable = this.options.command[0]!
    if (/[/\\]/.test(executable)) {
      const path = resolve(this.#cwd, executable)
      const found = await which(path, { nothrow: true })
      if (found) return { ok: true, path: found }
      const exists = await stat(path).catch(() => undefined)
      return { ok: false, reason: exists ? `${path} is not an executable file (chmod +x it, or run it with its interpreter)` : `${path} does not exist` }
    }
    const pathEnv = this.#baseEnv().PATH ?? ''
    const found = await which(executable, { path: pathEnv, nothrow: true })
    if (found) return { ok: true, path: found }
    const shown = pathEnv.length > 300 ? `${pathEnv.slice(0, 300)}…` : pathEnv
    return { ok: false, reason: `not found on PATH (${shown || 'PATH is empty'})` }
  }
}

/**
 * A command trainer without a config: `createCommandTrainer({ command: ['python3', 'train.py'], cwd })`.
 * A relative `cwd` is resolved against `baseDir` (default: this process's working directory).
 */
export function createCommandTrainer(options: CommandTrainerOptions, baseDir: string = process.cwd()): CommandTrainer {
  const parsed = commandTrainerOptions.safeParse(options)
  if (!parsed.success) throw mlopsError(errors.InputInvalid, ['createCommandTrainer options', formatZodIssues(parsed.error, '', ' › ')])
  const cwd = parsed.data.cwd === undefined ? resolve(baseDir) : isAbsolute(parsed.data.cwd) ? parsed.data.cwd : resolve(baseDir, parsed.data.cwd)
  return new CommandTrainer(parsed.data, cwd)
}

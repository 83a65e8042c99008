import { spawn } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { HealthCheckResult, Trainer, TrainRequest, TrainResult } from '@mlops/core'
import { TrainCommandFailed, TrainOutputInvalid } from './errors.js'

export interface CommandTrainerOptions {
  /** argv of the training program; `{root}` in an argument is replaced by the project root. */
  command: string[]
  /** File names inside the work folder. */
  modelFile: string
  metricsFile: string
  /** Extra environment for the command (secrets belong in the process environment, not here). */
  env: Record<string, string>
  /** The project root, for `{root}`. */
  root: string
}

/** `MLOPS_INPUT_TRAIN_CSV` for the input named `train.csv`. */
export function inputVariable(name: string): string {
  return `MLOPS_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
}

/**
 * Runs a training program as a child process in the work folder. It receives its inputs as environment
 * variables (`MLOPS_INPUT_<NAME>` paths, `MLOPS_PARAMS` JSON, `MLOPS_MODEL_PATH`, `MLOPS_METRICS_PATH`),
 * writes the model file and optionally a JSON object of numeric metrics. Its output lines go to the
 * step's logger; aborting the step kills it.
 */
export class CommandTrainer implements Trainer {
  readonly name: string
  readonly options: CommandTrainerOptions

  constructor(name: string, options: CommandTrainerOptions) {
    this.name = name
    this.options = options
  }

  async train(request: TrainRequest): Promise<TrainResult> {
    request.signal.throwIfAborted()
    const modelPath = join(request.workDir, this.options.modelFile)
    const metricsPath = join(request.workDir, this.options.metricsFile)
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...this.options.env,
      MLOPS_WORK_DIR: request.workDir,
      MLOPS_MODEL_PATH: modelPath,
      MLOPS_METRICS_PATH: metricsPath,
      MLOPS_PARAMS: JSON.stringify(request.params),
    }
    for (const [name, path] of Object.entries(request.inputs)) env[inputVariable(name)] = path
    const [program, ...args] = this.options.command.map((a) => a.replaceAll('{root}', this.options.root))
    const shown = this.options.command.join(' ')

    const { code, signal, stderrTail } = await new Promise<{ code: number | null; signal: string | null; stderrTail: string }>((resolve, reject) => {
      const child = spawn(program!, args, { cwd: request.workDir, env, stdio: ['ignore', 'pipe', 'pipe'], signal: request.signal })
      const tail: string[] = []
      const forward = (stream: NodeJS.ReadableStream, log: (line: string) => void) => {
        let rest = ''
        stream.setEncoding('utf8')
        stream.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n')
          rest = lines.pop()!
          lines.forEach(log)
        })
        stream.on('end', () => rest && log(rest))
      }
      forward(child.stdout!, (line) => request.logger.info(line, { trainer: this.name }))
      forward(child.stderr!, (line) => {
        tail.push(line)
        if (tail.length > 20) tail.shift()
        request.logger.warn(line, { trainer: this.name })
      })
      child.on('error', (error) => {
        if (request.signal.aborted) reject(request.signal.reason ?? error)
        else reject(mlopsError(errors.InputInvalid, [`trainer command "${shown}"`, `cannot start it: ${error.message}`], { cause: error }))
      })
      child.on('close', (code, signal) => {
        if (request.signal.aborted) reject(request.signal.reason)
        else resolve({ code, signal, stderrTail: tail.join('\n') })
      })
    })
    if (code !== 0) throw mlopsError(TrainCommandFailed, [shown, code, signal, stderrTail])

    try {
      if (!(await stat(modelPath)).isFile()) throw new Error('not a file')
    } catch {
      throw mlopsError(TrainOutputInvalid, [modelPath, `the command exited 0 but wrote no model file (expected ${this.options.modelFile} in the work folder)`])
    }
    return { modelPath, metrics: await readMetrics(metricsPath), exitCode: 0 }
  }

  async check(): Promise<HealthCheckResult> {
    const program = this.options.command[0]!.replaceAll('{root}', this.options.root)
    return new Promise((resolve) => {
      const child = spawn(program, ['--version'], { stdio: 'ignore' })
      child.on('error', (error) => resolve({ ok: false, detail: `cannot start ${program}: ${error.message}` }))
      child.on('close', () => resolve({ ok: true, detail: `runs ${this.options.command.join(' ')}` }))
    })
  }
}

async function readMetrics(path: string): Promise<Record<string, number>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {}
    throw error
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw mlopsError(TrainOutputInvalid, [path, `not valid JSON (${(error as Error).message})`], { cause: error })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mlopsError(TrainOutputInvalid, [path, 'expected a JSON object of metric names to numbers'])
  for (const [key, metric] of Object.entries(value)) {
    if (typeof metric !== 'number' || !Number.isFinite(metric)) throw mlopsError(TrainOutputInvalid, [path, `metric "${key}" is ${JSON.stringify(metric)}, not a finite number`])
  }
  return value as Record<string, number>
}

import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { artifact, errors, hashJson, mlopsError, sha256Hex, step, type ArtifactMap, type ArtifactType, type RetryPolicy, type StepDefinition, type z } from '@mlops/core'
import { createCommandTrainer, type CommandTrainerOptions } from './command-trainer.js'

export interface CommandTrainStepOptions<I extends ArtifactMap, P extends z.ZodType> extends Omit<CommandTrainerOptions, 'cwd' | 'name'> {
  /** The step's name (and the node id unless `{ id }` is given where it is added). */
  name: string
  description?: string
  /** Input artifacts; each is written to a file (its serialised bytes) and handed over as MLOPS_INPUT_<NAME>. */
  inputs?: I
  /** Params schema; the parsed params go to params.json (MLOPS_PARAMS) and MLOPS_PARAM_<NAME>. */
  params?: P
  /**
   * Working directory: an absolute path or a `file:` URL. `new URL('.', import.meta.url)` runs the
   * command next to the file that declares the step. Default: the process's working directory.
   */
  cwd?: string | URL
  /**
   * Files the command reads besides those named in `command` (modules the script imports), relative to
   * `cwd`. Their content is part of the step's code version: editing one re-runs the step.
   */
  files?: readonly string[]
  /** Bump to re-run the step when something outside `command` and `files` changed. */
  version?: string
  /** Media type of the stored model file (default `application/octet-stream`). */
  modelMediaType?: string
  /** Reuse outputs of an identical earlier execution (default true). */
  cache?: boolean
  retry?: RetryPolicy
}

export type CommandTrainOutputs = {
  model: ArtifactType<'file', Uint8Array>
  metrics: ArtifactType<'metrics', Record<string, number>>
}

const EXTENSIONS: Record<string, string> = {
  'application/json': '.json',
  'text/csv': '.csv',
  'application/x-ndjson': '.jsonl',
  'application/vnd.apache.parquet': '.parquet',
  'text/plain': '.txt',
}

/**
 * A pipeline step that trains with an external command: each input artifact is written to a file in a
 * fresh temporary folder (datasets as a JSON array of row objects: `pandas.read_json(path)`), the command
 * runs as a {@link CommandTrainer}, and its model file and metrics become the step's `model` (a file
 * artifact) and `metrics` outputs; every metric is also recorded as a run metric.
 *
 * ```ts
 * const train = commandTrainStep({
 *   name: 'train',
 *   command: ['python3', 'train.py'],
 *   cwd: new URL('.', import.meta.url),
 *   inputs: { data: artifact.dataset() },
 *   params: z.object({ nEstimators: z.int().default(100) }),
 * })
 * ```
 *
 * The step's code version covers the command, its options and the content of every file named in
 * `command` or `files`: editing train.py re-runs the step, a second run with nothing changed is a cache hit.
 */
export function commandTrainStep<I extends ArtifactMap = {}, P extends z.ZodType = z.ZodObject<{}>>(
  options: CommandTrainStepOptions<I, P>,
): StepDefinition<P, I, CommandTrainOutputs> {
  const { name, description, inputs, params, cwd: cwdOption, files = [], version, modelMediaType, cache, retry, ...trainerOptions } = options
  const cwd = cwdOption === undefined ? process.cwd() : cwdOption instanceof URL ? fileURLToPath(cwdOption) : cwdOption
  const trainer = createCommandTrainer({ ...trainerOptions, name: `step "${name}"`, cwd })
  const inputTypes: ArtifactMap = inputs ?? {}
  const outputs: CommandTrainOutputs = { model: artifact.file(modelMediaType), metrics: artifact.metrics() }
  return step<I, CommandTrainOutputs, P>({
    name,
    ...(description === undefined ? {} : { description }),
    version: codeFingerprint(name, trainer.options, trainer.cwd, files, version),
    ...(params === undefined ? {} : { params }),
    ...(inputs === undefined ? {} : { inputs }),
    outputs,
    ...(cache === undefined ? {} : { cache }),
    ...(retry === undefined ? {} : { retry }),
    async run(ctx) {
      const scratch = await mkdtemp(join(tmpdir(), 'mlops-command-train-'))
      try {
        const inputDir = join(scratch, 'inputs')
        await mkdir(inputDir)
        const inputPaths: Record<string, string> = {}
        const values = ctx.inputs as Record<string, unknown>
        for (const [inputName, type] of Object.entries(inputTypes)) {
          const path = join(inputDir, `${inputName.replace(/[^A-Za-z0-9_.-]/g, '_')}${EXTENSIONS[type.mediaType] ?? '.bin'}`)
          await writeFile(path, type.serialize(values[inputName] as never), { signal: ctx.signal })
          inputPaths[inputName] = path
        }
        const result = await trainer.train({
          inputs: inputPaths,
          params: (ctx.params ?? {}) as Record<string, unknown>,
          workDir: join(scratch, 'work'),
          signal: ctx.signal,
          logger: ctx.logger,
        })
        const model = new Uint8Array(await readFile(result.modelPath))
        return { model, metrics: result.metrics }
      } finally {
        await rm(scratch, { recursive: true, force: true })
      }
    },
  })
}

/**
 * The step's code identity. `run` is the same function for every command step, so the command, the
 * trainer options and the bytes of the files it runs go in here. Paths are hashed relative to `cwd`,
 * so teammates with the project in different folders share cache keys.
 */
function codeFingerprint(name: string, options: Readonly<Record<string, unknown>>, cwd: string, files: readonly string[], version: string | undefined): string {
  const contents: Record<string, string> = {}
  const command = options.command as string[]
  for (const arg of command) {
    const path = join(cwd, arg)
    if (arg !== '' && !arg.startsWith('-') && existsSync(path) && statSync(path).isFile()) contents[relative(cwd, path)] = sha256Hex(readFileSync(path))
  }
  for (const [index, file] of files.entries()) {
    const path = join(cwd, file)
    let bytes: Buffer
    try {
      bytes = readFileSync(path)
    } catch (error) {
      throw mlopsError(errors.InputInvalid, [`commandTrainStep "${name}": files[${index}]`, `cannot read ${path}: ${(error as Error).message}`])
    }
    contents[relative(cwd, path)] = sha256Hex(bytes)
  }
  const { name: _name, ...identity } = options
  return `${version === undefined ? '' : `${version}+`}command:${hashJson({ identity, contents }).slice(0, 16)}`
}

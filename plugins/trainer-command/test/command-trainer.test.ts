import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMlopsError, setupPlugin, type Logger, type MlopsError, type TrainRequest } from '@mlops/core'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createCommandTrainer, trainerCommand, type CommandTrainerOptions } from '../src/index.js'
import { processAlive } from '../src/internal/process-group.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const root = await mkdtemp(join(tmpdir(), 'mlops-trainer-command-'))
afterAll(() => rm(root, { recursive: true, force: true }))

let workDir: string
let count = 0
beforeEach(async () => {
  workDir = join(root, `work-${count++}`)
})

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const push = (message: string) => void lines.push(message)
  return { logger: { debug: () => {}, info: push, warn: push, error: push }, lines }
}

function request(overrides: Partial<TrainRequest> = {}): TrainRequest {
  return { inputs: {}, params: {}, workDir, signal: new AbortController().signal, logger: recordingLogger().logger, ...overrides }
}

const probe = (args: string[] = [], options: Partial<CommandTrainerOptions> = {}) =>
  createCommandTrainer({ command: [process.execPath, 'probe.mjs', ...args], cwd: fixtures, ...options })

/** A shell trainer; its script gets the MLOPS_* variables like any command. */
const shell = (script: string, options: Partial<CommandTrainerOptions> = {}) => createCommandTrainer({ command: ['sh', '-c', script], cwd: fixtures, ...options })

async function rejection(promise: Promise<unknown>): Promise<MlopsError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (e: unknown) => e,
  )
  if (!isMlopsError(error)) throw error
  return error
}

/** Polls until `check` holds or the time is up (process teardown is asynchronous). */
async function eventually(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** Reads "pid N" from the logged lines. */
function loggedPid(lines: string[]): number | undefined {
  const line = lines.find((l) => /^pid \d+$/.test(l))
  return line === undefined ? undefined : Number(line.slice(4))
}

describe('hand-over: params, inputs and paths as files and environment variables', () => {
  it('sets MLOPS_* variables, writes params.json and runs in cwd with the extra env', async () => {
    const input = join(root, 'train data.csv')
    await writeFile(input, 'a\n1\n')
    process.env.MLOPS_PARAM_STALE = 'from an outer run'
    try {
      const trainer = probe([], { env: { EXTRA_VAR: 'yes' } })
      const params = { nEstimators: 100, name: 'forest', 'max-depth': 4, flags: ['a', 'b'], verbose: true, lr: 0.05 }
      const result = await trainer.train(request({ inputs: { trainData: input }, params }))
      expect(result.modelPath).toBe(join(workDir, 'model.bin'))
      expect(result.exitCode).toBe(0)
      expect(result.metrics).toEqual({ score: 0.5, 'nested.key': 2 })
      const seen = JSON.parse(await readFile(result.modelPath, 'utf8')) as { env: Record<string, string>; params: unknown; cwd: string }
      expect(seen.cwd).toBe(fixtures.replace(/\/$/, ''))
      expect(seen.params).toEqual(params)
      expect(seen.env).toEqual({
        EXTRA_VAR: 'yes',
        MLOPS_WORK_DIR: workDir,
        MLOPS_OUTPUT_DIR: workDir,
        MLOPS_MODEL_PATH: join(workDir, 'model.bin'),
        MLOPS_METRICS_PATH: join(workDir, 'metrics.json'),
        MLOPS_PARAMS: join(workDir, 'params.json'),
        MLOPS_PARAM_N_ESTIMATORS: '100',
        MLOPS_PARAM_NAME: 'forest',
        MLOPS_PARAM_MAX_DEPTH: '4',
        MLOPS_PARAM_FLAGS: '["a","b"]',
        MLOPS_PARAM_VERBOSE: 'true',
        MLOPS_PARAM_LR: '0.05',
        MLOPS_INPUT_TRAIN_DATA: input,
      })
    } finally {
      delete process.env.MLOPS_PARAM_STALE
    }
  })

  it('takes the model and metrics file names from the options', async () => {
    const result = await probe([], { modelFile: 'model.pkl', metricsFile: 'scores.json' }).train(request())
    expect(result.modelPath).toBe(join(workDir, 'model.pkl'))
    const seen = JSON.parse(await readFile(result.modelPath, 'utf8')) as { env: Record<string, string> }
    expect(seen.env.MLOPS_METRICS_PATH).toBe(join(workDir, 'scores.json'))
  })

  it('refuses two params that map to one variable, before running anything', async () => {
    const error = await rejection(probe().train(request({ params: { maxDepth: 1, max_depth: 2 } })))
    expect(error.code).toBe('MLOPS_TRAINER_REQUEST_INVALID')
    expect(error.message).toContain('MLOPS_PARAM_MAX_DEPTH')
    expect(error.exit).toBe(2)
  })
})

describe('output: stdout and stderr line by line into the logger', () => {
  it('passes every line on (CRLF trimmed, a last line without newline, very long lines in pieces)', async () => {
    const { logger, lines } = recordingLogger()
    await probe(['--noisy']).train(request({ logger }))
    expect(lines.filter((l) => l.startsWith('out ') || l.startsWith('no newline'))).toEqual(['out 1', 'out 2', 'no newline at the end'])
    expect(lines).toContain('err 1')
    const long = lines.filter((l) => /^x+$/.test(l))
    expect(long.map((l) => l.length)).toEqual([16_384, 16_384, 40_000 - 2 * 16_384])
  })
})

describe('failures', () => {
  it('a non-zero exit rejects with the exit code and the last lines of stderr', async () => {
    const error = await rejection(probe(['--fail-loudly']).train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_COMMAND_FAILED')
    expect(error.exit).toBe(1)
    expect(error.message).toContain('exited with code 4')
    expect(error.message).toContain('probe.mjs --fail-loudly')
    expect(error.message).toContain('  | stderr line 30')
    expect(error.message).toContain('  | stderr line 11')
    expect(error.message).not.toContain('stderr line 10\n')
  })

  it('a command killed by a signal says which', async () => {
    const error = await rejection(shell('kill -KILL $$').train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_COMMAND_FAILED')
    expect(error.message).toContain('was killed by SIGKILL')
  })

  it('exit 0 without a model file names the expected path', async () => {
    const error = await rejection(probe(['--no-model']).train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_MODEL_MISSING')
    expect(error.exit).toBe(2)
    expect(error.message).toContain(join(workDir, 'model.bin'))
    expect(error.hint).toContain('MLOPS_MODEL_PATH')
  })

  it.each([
    ['{"accuracy": NaN}', /contains NaN, which is not JSON/],
    ['{"loss": -Infinity}', /contains -Infinity/],
    ['{"a": {"b": 1}}', /metric "a" must be a finite number, got a nested object/],
    ['{"a": "0.9"}', /metric "a" must be a finite number, got string "0.9"/],
    ['{"a": true}', /metric "a" must be a finite number, got boolean true/],
    ['{"a": null}', /metric "a" must be a finite number, got null/],
    ['{"a": 1e999}', /metric "a" must be a finite number/],
    ['[1, 2]', /expected a JSON object of numbers, got an array/],
    ['0.93', /expected a JSON object of numbers, got number/],
    ['{"a": 1', /is not valid JSON/],
  ])('metrics %s are rejected', async (metrics, reason) => {
    const error = await rejection(probe([`--metrics=${metrics}`]).train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_METRICS_INVALID')
    expect(error.message).toContain(join(workDir, 'metrics.json'))
    expect(error.message).toMatch(reason)
  })

  it('a missing metrics file fails unless metrics are optional', async () => {
    const error = await rejection(probe(['--no-metrics']).train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_METRICS_INVALID')
    expect(error.message).toContain('did not write it')
    const result = await probe(['--no-metrics'], { metrics: 'optional' }).train(request({ workDir: `${workDir}-optional` }))
    expect(result.metrics).toEqual({})
  })

  it('a missing executable is reported before spawning, by train() and check()', async () => {
    const trainer = createCommandTrainer({ command: ['mlops-no-such-python', 'train.py'], cwd: fixtures })
    const error = await rejection(trainer.train(request()))
    expect(error.code).toBe('MLOPS_TRAINER_COMMAND_NOT_FOUND')
    expect(error.exit).toBe(2)
    expect(error.message).toContain('"mlops-no-such-python": not found on PATH')
    const check = await trainer.check()
    expect(check.ok).toBe(false)
    expect(check.detail).toContain('"mlops-no-such-python" not found on PATH')
  })

  it('a script path that is not executable, and a missing cwd, are reported clearly', async () => {
    const notExecutable = await rejection(createCommandTrainer({ command: ['./train.sh'], cwd: fixtures }).train(request()))
    expect(notExecutable.message).toContain('train.sh is not an executable file')
    const noCwd = createCommandTrainer({ command: ['sh', 'train.sh'], cwd: join(root, 'missing') })
    expect((await rejection(noCwd.train(request()))).message).toContain(`the working directory ${join(root, 'missing')} does not exist`)
    expect((await noCwd.check()).ok).toBe(false)
  })

  it('check() finds an executable on PATH and names where', async () => {
    const check = await createCommandTrainer({ command: ['sh', 'train.sh'], cwd: fixtures }).check()
    expect(check.ok).toBe(true)
    expect(check.detail).toMatch(/^sh → \/.*\/sh \(cwd /)
  })
})

describe('stopping: the whole process group', () => {
  it('a timeout kills the command and the process it started', async () => {
    const { logger, lines } = recordingLogger()
    const started = Date.now()
    const error = await rejection(shell('sleep 60 & echo "pid $!"; sleep 60', { timeoutMs: 300, killGraceMs: 1000 }).train(request({ logger })))
    expect(error.code).toBe('MLOPS_TRAINER_TIMEOUT')
    expect(error.message).toContain('within 300 ms')
    expect(Date.now() - started).toBeLessThan(5000)
    const grandchild = loggedPid(lines)
    expect(grandchild).toBeGreaterThan(0)
    expect(processAlive(grandchild!)).toBe(false)
  })

  it('an abort kills a grandchild that ignores SIGTERM, with SIGKILL after the grace period', async () => {
    const { logger, lines } = recordingLogger()
    const controller = new AbortController()
    // `trap '' TERM` is inherited by the background job: only SIGKILL stops it.
    const training = shell(`trap '' TERM; sleep 60 & echo "pid $!"; wait`, { killGraceMs: 300 }).train(request({ logger, signal: controller.signal }))
    expect(await eventually(() => loggedPid(lines) !== undefined)).toBe(true)
    const grandchild = loggedPid(lines)!
    expect(processAlive(grandchild)).toBe(true)
    const reason = new Error('user pressed Ctrl-C')
    const abortedAt = Date.now()
    controller.abort(reason)
    await expect(training).rejects.toBe(reason)
    const tookMs = Date.now() - abortedAt
    expect(tookMs).toBeGreaterThanOrEqual(250) // it waited for the grace period …
    expect(tookMs).toBeLessThan(3000) // … and no longer
    expect(processAlive(grandchild)).toBe(false)
  })

  it('processes left running after a successful exit are stopped too', async () => {
    const { logger, lines } = recordingLogger()
    const result = await shell(`sleep 60 & echo "pid $!"; echo m > "$MLOPS_MODEL_PATH"; echo '{"n": 1}' > "$MLOPS_METRICS_PATH"`, { killGraceMs: 1000 }).train(
      request({ logger }),
    )
    expect(result.metrics).toEqual({ n: 1 })
    const grandchild = loggedPid(lines)!
    expect(grandchild).toBeGreaterThan(0)
    expect(processAlive(grandchild)).toBe(false)
  })

  it('an already aborted signal spawns nothing', async () => {
    const reason = new Error('cancelled early')
    await expect(probe().train(request({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason)
    await expect(readFile(join(workDir, 'params.json'))).rejects.toThrow(/ENOENT/)
  })
})

describe('plugin', () => {
  const ctx = () => ({ root, dataDir: join(root, '.mlops'), logger: recordingLogger().logger, signal: new AbortController().signal, env: {} })

  it('provides a trainer whose relative cwd is resolved against the project root', async () => {
    await mkdir(join(root, 'training'), { recursive: true })
    await writeFile(join(root, 'training', 'train.sh'), await readFile(join(fixtures, 'train.sh')))
    const provided = await setupPlugin(trainerCommand({ name: 'sh-trainer', command: ['sh', 'train.sh'], cwd: 'training' }), 'mlops.config.ts: plugins[0]', ctx())
    const trainer = provided.trainer!
    expect(trainer.name).toBe('sh-trainer')
    expect((await trainer.check!()).detail).toContain(`(cwd ${join(root, 'training')})`)
    const input = join(root, 'rows.txt')
    await writeFile(input, '1\n2\n3\n')
    const result = await trainer.train(request({ inputs: { data: input }, params: { lr: 1 } }))
    expect(result.metrics).toEqual({ rows: 3, accuracy: 0.875 })
  })

  it('rejects bad options naming the plugin and the option', async () => {
    const error = await rejection(setupPlugin(trainerCommand({ command: [], modelFile: '../escape' } as never), 'mlops.config.ts: plugins[1]', ctx()))
    expect(error.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    expect(error.message).toContain('plugins[1] (@mlops/trainer-command)')
    expect(error.message).toContain('command')
    expect(error.message).toContain('modelFile')
  })
})

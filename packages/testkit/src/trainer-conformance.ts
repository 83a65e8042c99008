import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { isMlopsError, type Logger, type Trainer, type TrainRequest, type TrainResult } from '@mlops/core'
import { preview, rejects } from './internal/assertions.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

/** One training scenario: what to train on, and optionally a trainer of its own (e.g. another script). */
export interface TrainerScenario {
  inputs: Record<string, string>
  params: Record<string, unknown>
  /** Default: `harness.create()`. */
  trainer?: Trainer
}

export interface TrainerHarness {
  /** Shown in every title, e.g. `@mlops/trainer-command`. */
  pluginName: string
  /** A trainer whose `succeeding` scenario trains (its `check()`, if any, must report ok). */
  create(): Trainer | Promise<Trainer>
  /** Writes its input files into `inputDir` (fresh, empty) and returns a training that succeeds within seconds. */
  succeeding(inputDir: string): TrainerScenario | Promise<TrainerScenario>
  /** A training that fails (bad data, a script that exits non-zero): it must reject with an MlopsError. */
  failing(inputDir: string): TrainerScenario | Promise<TrainerScenario>
  /** A training that runs for at least 30 s unless aborted. Without it the abort cases are skipped. */
  slow?(inputDir: string): TrainerScenario | Promise<TrainerScenario>
}

/** "Promptly": an aborted training must settle within this. */
const ABORT_SETTLE_MS = 5_000

interface Captured {
  logger: Logger
  lines: string[]
}

function captureLogger(): Captured {
  const lines: string[] = []
  const push = (message: string) => void lines.push(message)
  return { logger: { debug: push, info: push, warn: push, error: push }, lines }
}

/** A fresh input folder and work folder per training, removed afterwards. */
async function withScenario(
  harness: TrainerHarness,
  pick: 'succeeding' | 'failing' | 'slow',
  body: (ctx: { trainer: Trainer; request: Omit<TrainRequest, 'signal'>; root: string; log: Captured }) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'mlops-trainer-conformance-'))
  try {
    const inputDir = join(root, 'inputs')
    await mkdir(inputDir)
    const scenario = await harness[pick]!(inputDir)
    const trainer = scenario.trainer ?? (await harness.create())
    const workDir = join(root, 'work')
    await mkdir(workDir)
    const log = captureLogger()
    await body({ trainer, request: { inputs: scenario.inputs, params: scenario.params, workDir, logger: log.logger }, root, log })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

function assertTrainResult(result: TrainResult, workDir: string, what: string): void {
  assert.equal(typeof result, 'object', `${what}: train() must resolve to an object, got ${preview(result)}`)
  assert.equal(typeof result.modelPath, 'string', `${what}: modelPath must be a string, got ${preview(result.modelPath)}`)
  const rel = relative(resolve(workDir), resolve(result.modelPath))
  assert.ok(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel), `${what}: modelPath ${result.modelPath} must lie inside workDir ${workDir}`)
  assert.ok(existsSync(result.modelPath), `${what}: the model file ${result.modelPath} must exist`)
  assert.ok(statSync(result.modelPath).isFile(), `${what}: ${result.modelPath} must be a file`)
  assert.ok(statSync(result.modelPath).size > 0, `${what}: the model file ${result.modelPath} is empty`)
  const { metrics } = result
  assert.ok(typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics), `${what}: metrics must be an object, got ${preview(metrics)}`)
  for (const [key, value] of Object.entries(metrics)) {
    assert.ok(key !== '', `${what}: a metric has an empty name`)
    assert.ok(typeof value === 'number' && Number.isFinite(value), `${what}: metric "${key}" must be a finite number, got ${preview(value)}`)
  }
  if (result.exitCode !== undefined) assert.equal(result.exitCode, 0, `${what}: a successful training reports exitCode 0`)
}

/** Awaits a rejection and asserts it came within ABORT_SETTLE_MS of `since`. */
async function rejectsPromptly(action: Promise<unknown>, since: () => number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what}: still running ${ABORT_SETTLE_MS} ms after the abort` })), ABORT_SETTLE_MS + 2_000)
  })
  try {
    const error = await rejects(() => Promise.race([action, late]), what)
    const elapsed = performance.now() - since()
    assert.ok(elapsed < ABORT_SETTLE_MS, `${what}: settled ${Math.round(elapsed)} ms after the abort (at most ${ABORT_SETTLE_MS} ms)`)
    return error
  } finally {
    clearTimeout(timer)
  }
}

function assertAbortRejection(error: unknown, reason: unknown, what: string): void {
  const name = (error as { name?: unknown } | null)?.name
  assert.ok(error === reason || name === 'AbortError' || isMlopsError(error), `${what}: expected the signal's reason (or an AbortError / MlopsError), got ${preview(error)}`)
}

const slowUnsupported = (h: TrainerHarness) => (h.slow ? undefined : 'the harness has no slow scenario')

/** The cases, in a table like ESLint's RuleTester: each trains in fresh folders from the harness. */
export const trainerCases: readonly ConformanceCase<TrainerHarness>[] = [
  {
    name: 'has a name',
    run: async (h) => {
      const trainer = await h.create()
      assert.equal(typeof trainer.name, 'string')
      assert.ok(trainer.name.length > 0, 'name must not be empty')
    },
  },
  {
    name: 'trains: resolves with a modelPath inside workDir that exists, and metrics that are finite numbers',
    timeoutMs: 60_000,
    run: (h) =>
      withScenario(h, 'succeeding', async ({ trainer, request }) => {
        const result = await trainer.train({ ...request, signal: new AbortController().signal })
        assertTrainResult(result, request.workDir, 'train()')
      }),
  },
  {
    name: 'two trainings at once, in separate work directories, both succeed and keep their models apart',
    timeoutMs: 60_000,
    run: (h) =>
      withScenario(h, 'succeeding', async ({ trainer, request, root }) => {
            const other = join(root, 'work-2')
        await mkdir(other)
        const [a, b] = await Promise.all([
          trainer.train({ ...request, signal: new AbortController().signal }),
          trainer.train({ ...request, workDir: other, signal: new AbortController().signal }),
        ])
        assertTrainResult(a, request.workDir, 'first train()')
        assertTrainResult(b, other, 'second train()')
        assert.notEqual(resolve(a.modelPath), resolve(b.modelPath))
      }),
  },
  {
    name: 'a failing training rejects with an MlopsError (a code, a message, exit 1 or 2)',
    timeoutMs: 60_000,
    run: (h) =>
      withScenario(h, 'failing', async ({ trainer, request }) => {
        const error = await rejects(() => trainer.train({ ...request, signal: new AbortController().signal }), 'train() of the failing scenario')
        assert.ok(isMlopsError(error), `a failed training must reject with an MlopsError (code, hint, exit), got ${preview(error instanceof Error ? `${error.name}: ${error.message}` : error)}`)
        assert.match(error.code, /^MLOPS_[A-Z0-9_]+$/)
        assert.ok(error.message.length > 0, 'the error says what happened')
        assert.ok(error.exit === 1 || error.exit === 2, `exit ${error.exit}: a failed training is a failed check (1) or bad input (2), not a bug (70)`)
      }),
  },
  {
    name: 'an already aborted signal rejects without training',
    unsupported: slowUnsupported,
    run: (h) =>
      withScenario(h, 'slow', async ({ trainer, request }) => {
        const reason = new Error('aborted before the start')
        const start = performance.now()
        const error = await rejectsPromptly(trainer.train({ ...request, signal: AbortSignal.abort(reason) }), () => start, 'train() with an aborted signal')
        assertAbortRejection(error, reason, 'train() with an aborted signal')
      }),
  },
  {
    name: 'aborting the signal stops a running training promptly',
    timeoutMs: 30_000,
    unsupported: slowUnsupported,
    run: (h) =>
      withScenario(h, 'slow', async ({ trainer, request }) => {
        const controller = new AbortController()
        const reason = new Error('stop the training')
        const training = trainer.train({ ...request, signal: controller.signal })
        training.catch(() => {}) // observed below; avoid an unhandled rejection while it runs
        await new Promise((r) => setTimeout(r, 500))
        const abortedAt = performance.now()
        controller.abort(reason)
        const error = await rejectsPromptly(training, () => abortedAt, 'train() aborted while running')
        assertAbortRejection(error, reason, 'train() aborted while running')
      }),
  },
  {
    name: 'check(), when implemented, resolves to { ok: true, detail } for a working trainer and does not throw',
    run: async (h) => {
      const trainer = await h.create()
      if (!trainer.check) return
      const result = await trainer.check()
      assert.equal(typeof result?.ok, 'boolean', `check() must resolve to { ok, detail }, got ${preview(result)}`)
      assert.equal(typeof result.detail, 'string')
      assert.ok(result.detail.length > 0, 'detail says where the trainer runs')
      assert.equal(result.ok, true, `check() of the harness's working trainer: ${result.detail}`)
    },
  },
]

/**
 * Registers the trainer conformance cases with the caller's test runner:
 * `trainerConformance({ describe, it }, { pluginName, create, succeeding, failing, slow })`.
 */
export function trainerConformance(t: TestApi, harness: TrainerHarness): void {
  registerCases(t, 'trainer conformance (apiVersion 1)', harness, trainerCases)
}

import assert from 'node:assert/strict'
import type { ExecutionNode, ExecutionRequest } from '@mlops/core'
import { rejects } from './internal/assertions.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

/** One executor (and, for a remote one, the workers that run its steps) for one case. */
export interface ExecutorUnderTest {
  /**
   * Runs `request` end to end. A local executor just calls `executor.execute(request)`; a remote one
   * also starts workers (in this process is fine) whose step runner calls `request.runStep(stepId,
   * { signal })` with the signal the engine aborts when the run is cancelled, and gives them at least
   * 4 concurrent steps in all.
   */
  execute(request: ExecutionRequest): Promise<void>
  /** Frees what `create` made (connections, queues, workers). */
  close(): Promise<void>
}

export interface ExecutorHarness {
  /** Shown in every title, e.g. `@mlops/executor-bullmq`. */
  pluginName: string
  /** A fresh executor (its own queue or namespace per call). The suite closes it. */
  create(): Promise<ExecutorUnderTest>
}

interface StepTrace {
  starts: number
  startedAt: number
  endedAt: number | undefined
  /** The signal the step got was aborted by the time it ended. */
  sawAbort: boolean
}

type StepBehaviour = { kind: 'sleep'; ms: number } | { kind: 'fail'; afterMs: number; message: string } | { kind: 'wait-for-abort'; maxMs: number }

/** A fake pipeline: `runStep` sleeps, fails or waits for its signal, and records when and how often it ran. */
class Recorder {
  readonly steps = new Map<string, StepTrace>()
  running = 0
  maxRunning = 0
  /** `running` when the execution settled; undefined before. */
  runningAtSettle: number | undefined
  private readonly startListeners: ((stepId: string) => void)[] = []

  constructor(private readonly behaviour: Record<string, StepBehaviour>) {}

  onStart(listener: (stepId: string) => void): void {
    this.startListeners.push(listener)
  }

  request(nodes: ExecutionNode[], concurrency: number, signal: AbortSignal): ExecutionRequest {
    return {
      runId: `conformance-${Math.random().toString(36).slice(2, 10)}`,
      pipeline: 'conformance',
      nodes,
      concurrency,
      signal,
      runStep: (stepId, options) => this.runStep(stepId, options.signal),
    }
  }

  async execute(executor: ExecutorUnderTest, request: ExecutionRequest): Promise<{ error: unknown; settledAt: number } | { error?: undefined; settledAt: number }> {
    try {
      await executor.execute(request)
      this.runningAtSettle = this.running
      return { settledAt: performance.now() }
    } catch (error) {
      this.runningAtSettle = this.running
      return { error: error ?? new Error('rejected with nothing'), settledAt: performance.now() }
    }
  }

  private async runStep(stepId: string, signal: AbortSignal): Promise<void> {
    const behaviour = this.behaviour[stepId]
    assert.ok(behaviour, `runStep was called with "${stepId}", which is no node of the request`)
    const trace = this.steps.get(stepId) ?? { starts: 0, startedAt: 0, endedAt: undefined, sawAbort: false }
    trace.starts++
    trace.startedAt = performance.now()
    trace.endedAt = undefined
    this.steps.set(stepId, trace)
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    for (const listener of this.startListeners) listener(stepId)
    try {
      if (behaviour.kind === 'sleep') await sleep(behaviour.ms)
      else if (behaviour.kind === 'fail') {
        await sleep(behaviour.afterMs)
        throw new Error(behaviour.message)
      } else {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          }, behaviour.maxMs)
          const onAbort = () => {
            clearTimeout(timer)
            reject(signal.reason)
          }
          if (signal.aborted) onAbort()
          else signal.addEventListener('abort', onAbort, { once: true })
        })
      }
    } finally {
      trace.sawAbort = signal.aborted
      trace.endedAt = performance.now()
      this.running--
    }
  }

  started(stepId: string): boolean {
    return (this.steps.get(stepId)?.starts ?? 0) > 0
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function withExecutor(harness: ExecutorHarness, body: (executor: ExecutorUnderTest) => Promise<void>): Promise<void> {
  const executor = await harness.create()
  try {
    await body(executor)
  } finally {
    await executor.close()
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** How long an executor may take from the abort to its rejection (cancelling steps in other processes included). */
const ABORT_LIMIT_MS = 4000

const node = (id: string, ...dependsOn: string[]): ExecutionNode => ({ id, dependsOn })

/** The cases, in a table like ESLint's RuleTester: each gets a fresh executor from the harness. */
export const executorCases: readonly ConformanceCase<ExecutorHarness>[] = [
  {
    name: 'an empty graph resolves at once',
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({})
        const outcome = await recorder.execute(executor, recorder.request([], 2, new AbortController().signal))
        assert.equal(outcome.error, undefined, `an empty graph must resolve, got: ${messageOf(outcome.error)}`)
      }),
  },
  {
    name: 'runs a diamond DAG (a -> b, c -> d), each step once, never before its dependencies finished',
    timeoutMs: 20_000,
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({ a: { kind: 'sleep', ms: 40 }, b: { kind: 'sleep', ms: 120 }, c: { kind: 'sleep', ms: 60 }, d: { kind: 'sleep', ms: 20 }, e: { kind: 'sleep', ms: 10 } })
        // e depends on b and d: a node with several parents, and one whose dependency has several dependents.
        const nodes = [node('a'), node('b', 'a'), node('c', 'a'), node('d', 'b', 'c'), node('e', 'b', 'd')]
        const outcome = await recorder.execute(executor, recorder.request(nodes, 4, new AbortController().signal))
        assert.equal(outcome.error, undefined, `the run must succeed, got: ${messageOf(outcome.error)}`)
        for (const n of nodes) {
          const trace = recorder.steps.get(n.id)
          assert.ok(trace, `step "${n.id}" never ran`)
          assert.equal(trace.starts, 1, `step "${n.id}" ran ${trace.starts} times; each step runs once`)
          assert.ok(trace.endedAt !== undefined && trace.endedAt <= outcome.settledAt, `step "${n.id}" was still running when execute resolved`)
          for (const dep of n.dependsOn) {
            const before = recorder.steps.get(dep)!
            assert.ok(before.endedAt !== undefined && before.endedAt <= trace.startedAt, `step "${n.id}" started before its dependency "${dep}" finished`)
          }
        }
      }),
  },
  {
    name: 'runs independent steps in parallel up to `concurrency`, never more',
    timeoutMs: 20_000,
    run: (h) =>
      withExecutor(h, async (executor) => {
        const behaviour = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`s${i}`, { kind: 'sleep', ms: 250 } as StepBehaviour]))
        const recorder = new Recorder(behaviour)
        const outcome = await recorder.execute(executor, recorder.request(Object.keys(behaviour).map((id) => node(id)), 3, new AbortController().signal))
        assert.equal(outcome.error, undefined, `the run must succeed, got: ${messageOf(outcome.error)}`)
        assert.ok(recorder.maxRunning <= 3, `${recorder.maxRunning} steps ran at once with concurrency 3`)
        assert.equal(recorder.maxRunning, 3, `independent steps must run in parallel up to concurrency 3 (at most ${recorder.maxRunning} ran at once)`)
        assert.equal([...recorder.steps.values()].filter((s) => s.starts === 1).length, 7, 'each of the 7 steps runs once')
      }),
  },
  {
    name: 'with concurrency 1 runs one step at a time',
    timeoutMs: 20_000,
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({ p: { kind: 'sleep', ms: 40 }, q: { kind: 'sleep', ms: 40 }, r: { kind: 'sleep', ms: 40 } })
        const outcome = await recorder.execute(executor, recorder.request([node('p'), node('q'), node('r')], 1, new AbortController().signal))
        assert.equal(outcome.error, undefined, `the run must succeed, got: ${messageOf(outcome.error)}`)
        assert.equal(recorder.maxRunning, 1, `${recorder.maxRunning} steps ran at once with concurrency 1`)
      }),
  },
  {
    name: 'a failing step rejects the run with its error once the running steps settled; nothing new starts',
    timeoutMs: 20_000,
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({
          fails: { kind: 'fail', afterMs: 30, message: 'step "fails" broke on purpose' },
          // Long enough that the failure is handled while it runs, even on a loaded machine.
          slow: { kind: 'sleep', ms: 800 },
          queued: { kind: 'sleep', ms: 10 },
          dependent: { kind: 'sleep', ms: 10 },
        })
        // concurrency 2: `fails` and `slow` run; `queued` waits for a free slot, `dependent` for `fails`.
        const nodes = [node('fails'), node('slow'), node('queued'), node('dependent', 'fails')]
        const outcome = await recorder.execute(executor, recorder.request(nodes, 2, new AbortController().signal))
        assert.ok(outcome.error !== undefined, 'execute must reject when a step fails')
        assert.match(messageOf(outcome.error), /step "fails" broke on purpose/, 'the rejection must carry the failing step\'s error')
        const slow = recorder.steps.get('slow')
        assert.ok(slow?.endedAt !== undefined && slow.endedAt <= outcome.settledAt, 'execute must wait for the steps already running (`slow`) before it rejects')
        assert.equal(recorder.runningAtSettle, 0, 'no step may still be running when execute rejects')
        assert.ok(!recorder.started('dependent'), 'a step depending on the failed one must not start')
        assert.ok(!recorder.started('queued'), 'no new step may start after a failure')
      }),
  },
  {
    name: 'aborting the signal cancels the running steps (their signal aborts) and rejects; dependents never start',
    timeoutMs: 20_000,
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({ long: { kind: 'wait-for-abort', maxMs: 8000 }, other: { kind: 'wait-for-abort', maxMs: 8000 }, next: { kind: 'sleep', ms: 10 } })
        const controller = new AbortController()
        const reason = new Error('cancelled by the conformance suite')
        let bothStarted: () => void
        const started = new Promise<void>((resolve) => (bothStarted = resolve))
        recorder.onStart(() => {
          if (recorder.started('long') && recorder.started('other')) bothStarted()
        })
        const pending = recorder.execute(executor, recorder.request([node('long'), node('other'), node('next', 'long')], 2, controller.signal))
        await Promise.race([started, pending])
        assert.ok(recorder.started('long') && recorder.started('other'), 'both independent steps must be running before the abort')
        const abortedAt = performance.now()
        controller.abort(reason)
        const outcome = await Promise.race([pending, sleep(ABORT_LIMIT_MS).then(() => undefined)])
        assert.ok(outcome !== undefined, `execute did not settle within ${ABORT_LIMIT_MS} ms of the abort`)
        assert.ok(outcome.error !== undefined, 'execute must reject when its signal is aborted')
        assert.equal(messageOf(outcome.error), reason.message, 'the rejection must be the abort reason')
        for (const id of ['long', 'other']) {
          const trace = recorder.steps.get(id)!
          assert.ok(trace.sawAbort, `the signal given to running step "${id}" must be aborted`)
          assert.ok(trace.endedAt !== undefined, `step "${id}" did not stop when cancelled`)
        }
        assert.equal(recorder.runningAtSettle, 0, 'no step may still be running when execute rejects')
        assert.ok(!recorder.started('next'), 'a dependent of a cancelled step must not start')
      }),
  },
  {
    name: 'an already aborted signal rejects without running any step',
    run: (h) =>
      withExecutor(h, async (executor) => {
        const recorder = new Recorder({ only: { kind: 'sleep', ms: 10 } })
        const controller = new AbortController()
        controller.abort(new Error('aborted before the start'))
        const error = await rejects(() => executor.execute(recorder.request([node('only')], 1, controller.signal)), 'execute with an aborted signal')
        assert.equal(messageOf(error), 'aborted before the start')
        assert.ok(!recorder.started('only'), 'no step may run once the signal is aborted')
      }),
  },
]

/**
 * Registers the executor contract's cases (dependencies, concurrency, failure, cancellation) under one
 * `describe` naming the plugin, with the caller's test functions.
 */
export function executorConformance(t: TestApi, harness: ExecutorHarness): void {
  registerCases(t, 'executor conformance (apiVersion 1)', harness, executorCases)
}

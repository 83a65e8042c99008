import { createLocalExecutor, type ExecutionRequest, type Executor } from '@mlops/core'
import { executorCases, executorConformance, type ExecutorHarness } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { BullmqExecutor, bullmqExecutorOptions, resolveOptions } from '../src/index.js'
import { obliterate, probeRedis, redisUrl, silentLogger, uniqueQueue } from './helpers.js'

const redis = await probeRedis()

// The local executor is the reference implementation of the contract.
executorConformance({ describe, it }, {
  pluginName: 'local executor (@mlops/core)',
  create: async () => {
    const executor = createLocalExecutor()
    return { execute: (request) => executor.execute(request), close: () => executor.close() }
  },
})

/** The bullmq executor with two workers in this process (3 steps each) that run the request's own steps. */
const bullmqHarness: ExecutorHarness = {
  pluginName: '@mlops/executor-bullmq',
  create: async () => {
    const queue = uniqueQueue('conformance')
    const executor = new BullmqExecutor(resolveOptions(bullmqExecutorOptions.parse({ url: redisUrl, queue }), process.cwd(), {}), silentLogger)
    return {
      async execute(request: ExecutionRequest) {
        const workers = await Promise.all(
          [1, 2].map(() => executor.startWorker({ concurrency: 3, runStep: (task, context) => request.runStep(task.stepId, { signal: context.signal }) })),
        )
        try {
          await executor.execute(request)
        } finally {
          await Promise.all(workers.map((w) => w.close()))
        }
      },
      async close() {
        await executor.close()
        await obliterate(queue)
      },
    }
  },
}

describe.skipIf(!redis.ok)(`with Redis${redis.ok ? '' : ` (skipped: ${redis.reason})`}`, () => {
  executorConformance({ describe, it }, bullmqHarness)
})

describe('the executor conformance suite catches broken executors', () => {
  const caseNamed = (prefix: string) => executorCases.find((c) => c.name.startsWith(prefix))!
  const harnessOf = (name: string, execute: Executor['execute']): ExecutorHarness => ({
    pluginName: name,
    create: async () => ({ execute, close: async () => {} }),
  })

  it('an executor that ignores dependencies fails the DAG case', async () => {
    const all = harnessOf('all at once', async (r) => {
      await Promise.all(r.nodes.map((n) => r.runStep(n.id, { signal: r.signal })))
    })
    await expect(caseNamed('runs a diamond').run(all)).rejects.toThrow(/before its dependency/)
  })

  it('an executor that ignores concurrency fails the concurrency case', async () => {
    const all = harnessOf('all at once', async (r) => {
      await Promise.all(r.nodes.map((n) => r.runStep(n.id, { signal: r.signal })))
    })
    await expect(caseNamed('runs independent steps in parallel').run(all)).rejects.toThrow(/ran at once with concurrency 3/)
  })

  it('an executor that rejects before the running steps settled fails the failure case', async () => {
    const eager = harnessOf('eager', async (r) => {
      await Promise.all(r.nodes.filter((n) => n.dependsOn.length === 0).slice(0, r.concurrency).map((n) => r.runStep(n.id, { signal: r.signal })))
    })
    await expect(caseNamed('a failing step').run(eager)).rejects.toThrow(/wait for the steps already running/)
  })

  it('an executor that ignores the abort signal fails the cancellation case', async () => {
    const deaf = harnessOf('deaf', async (r) => {
      const never = new AbortController().signal
      await Promise.all(r.nodes.filter((n) => n.dependsOn.length === 0).map((n) => r.runStep(n.id, { signal: never })))
    })
    await expect(caseNamed('aborting the signal').run(deaf)).rejects.toThrow()
  }, 30_000)
})

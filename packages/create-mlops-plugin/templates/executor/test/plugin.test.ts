import { setupPlugin } from '@mlops/core'
import type { ExecutionNode, Executor } from '@mlops/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
let executor: Executor
beforeAll(async () => {
  const ctx = { root: process.cwd(), dataDir: '.mlops', logger, signal: new AbortController().signal, env: {} }
  executor = (await setupPlugin(__FACTORY__({ maxConcurrency: 8 }), 'test', ctx)).executor!
})

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true })
  })

/** A diamond with a tail: a → (b, c, d) → e → f. */
const nodes: ExecutionNode[] = [
  { id: 'a', dependsOn: [] },
  { id: 'b', dependsOn: ['a'] },
  { id: 'c', dependsOn: ['a'] },
  { id: 'd', dependsOn: ['a'] },
  { id: 'e', dependsOn: ['b', 'c', 'd'] },
  { id: 'f', dependsOn: ['e'] },
]

function recorder(fail?: string) {
  const log: string[] = []
  let running = 0
  let peak = 0
  const runStep = async (id: string, { signal }: { signal: AbortSignal }) => {
    running++
    peak = Math.max(peak, running)
    log.push(`start ${id}`)
    try {
      await sleep(20, signal)
      if (id === fail) throw new Error(`step ${id} failed`)
      log.push(`end ${id}`)
    } finally {
      running--
    }
  }
  return { log, runStep, peak: () => peak }
}

describe('__PACKAGE_NAME__', () => {
  it('runs every node after its dependencies, at most `concurrency` at a time', async () => {
    for (const concurrency of [1, 2, 3]) {
      const r = recorder()
      await executor.execute({ runId: 'r', pipeline: 'p', nodes, concurrency, signal: new AbortController().signal, runStep: r.runStep })
      for (const node of nodes) {
        for (const dep of node.dependsOn) expect(r.log.indexOf(`end ${dep}`)).toBeLessThan(r.log.indexOf(`start ${node.id}`))
      }
      expect(r.log.filter((l) => l.startsWith('end')).length).toBe(nodes.length)
      expect(r.peak()).toBe(concurrency)
    }
  })

  it('on a failure starts nothing new and rejects with the first error once running steps settle', async () => {
    const r = recorder('c')
    await expect(executor.execute({ runId: 'r', pipeline: 'p', nodes, concurrency: 3, signal: new AbortController().signal, runStep: r.runStep })).rejects.toThrow('step c failed')
    expect(r.log).not.toContain('start e')
    expect(r.log).not.toContain('start f')
  })

  it('an aborted signal stops the run with its reason', async () => {
    const r = recorder()
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('cancelled')), 30)
    await expect(executor.execute({ runId: 'r', pipeline: 'p', nodes, concurrency: 2, signal: controller.signal, runStep: r.runStep })).rejects.toThrow('cancelled')
    expect(r.log).not.toContain('start f')
  })

  it('rejects a cycle and a bad concurrency with MLOPS_INPUT_INVALID', async () => {
    const r = recorder()
    const cycle = [
      { id: 'x', dependsOn: ['y'] },
      { id: 'y', dependsOn: ['x'] },
    ]
    await expect(executor.execute({ runId: 'r', pipeline: 'p', nodes: cycle, concurrency: 2, signal: new AbortController().signal, runStep: r.runStep })).rejects.toMatchObject({
      code: 'MLOPS_INPUT_INVALID',
      message: expect.stringContaining('cycle'),
    })
    await expect(executor.execute({ runId: 'r', pipeline: 'p', nodes, concurrency: 0, signal: new AbortController().signal, runStep: r.runStep })).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
  })
})

import { describe, expect, it } from 'vitest'
import { createWorkerPool, isMlopsError } from '../src/index.js'

const tasks = new URL('./fixtures/pool-tasks.mjs', import.meta.url).href

describe('worker pool', () => {
  it('moves typed arrays to a worker thread and returns the result', async () => {
    await using pool = createWorkerPool({ maxThreads: 2 })
    const values = new Float64Array([1, 2, 3.5])
    const result = await pool.run<{ total: number; threadId: number; length: number }>({ module: tasks, fn: 'sum', args: [values] }, { transferList: [values.buffer] })
    expect(result.total).toBe(6.5)
    expect(result.threadId).not.toBe(0)
    expect(values.byteLength).toBe(0) // transferred, not copied
  })

  it('re-throws an MlopsError with its code, hint and cause', async () => {
    await using pool = createWorkerPool({ maxThreads: 1 })
    const error = await pool.run({ module: tasks, fn: 'refuse', args: ['age'] }).catch((e: unknown) => e)
    expect(isMlopsError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'MLOPS_INPUT_INVALID', exit: 2, message: 'column age: has no numeric values' })
    expect((error as Error).cause).toMatchObject({ name: 'RangeError', message: 'empty' })
  })

  it('wraps any other error as a worker task failure carrying the original as cause', async () => {
    await using pool = createWorkerPool({ maxThreads: 1 })
    const error = await pool.run({ module: tasks, fn: 'crash', args: [] }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MLOPS_WORKER_TASK_FAILED', exit: 70 })
    expect((error as Error).cause).toMatchObject({ name: 'TypeError', message: 'kernel bug' })
  })

  it('runs tasks in parallel on several threads and honours abort signals', async () => {
    await using pool = createWorkerPool({ maxThreads: 2 })
    const ids = await Promise.all([pool.run<number>({ module: tasks, fn: 'spin', args: [150] }), pool.run<number>({ module: tasks, fn: 'spin', args: [150] })])
    expect(new Set(ids).size).toBe(2)
    const controller = new AbortController()
    const pending = pool.run({ module: tasks, fn: 'spin', args: [5_000] }, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow()
  })
})

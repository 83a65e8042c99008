import { serializeError, type SerializedError } from '../errors/mlops-error.js'

export interface PoolTask {
  /** File URL of an ES module (its compiled .js). */
  module: string
  /** Named export to call. */
  fn: string
  args: unknown[]
}

export type PoolReply = { ok: true; value: unknown } | { ok: false; error: SerializedError }

/** Runs inside a tinypool worker thread: imports the module once (cached by the loader) and calls the export. */
export default async function runTask(task: PoolTask): Promise<PoolReply> {
  try {
    const mod = (await import(task.module)) as Record<string, unknown>
    const fn = mod[task.fn]
    if (typeof fn !== 'function') throw new Error(`${task.module} has no exported function "${task.fn}"`)
    return { ok: true, value: await (fn as (...args: unknown[]) => unknown)(...task.args) }
  } catch (error) {
    // A structured clone would strip code/hint/cause: send a plain object and rebuild it in the caller.
    return { ok: false, error: serializeError(error) }
  }
}

import { errors, mlopsError } from '@mlops/core'
import type { ExecutionRequest, Executor, HealthCheckResult } from '@mlops/core'

/**
 * Runs the planned steps in this process: a step starts once every step it depends on succeeded, at most
 * `concurrency` at a time. On the first failure nothing new starts; the running steps are aborted and
 * awaited, then `execute` rejects with that first error. Aborting the request's signal does the same with
 * the signal's reason.
 */
export class TopologicalExecutor implements Executor {
  readonly name: string
  readonly isRemote = false
  readonly maxConcurrency: number

  constructor(name: string, maxConcurrency: number) {
    this.name = name
    this.maxConcurrency = maxConcurrency
  }

  async execute(request: ExecutionRequest): Promise<void> {
    request.signal.throwIfAborted()
    const concurrency = Math.min(request.concurrency, this.maxConcurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw mlopsError(errors.InputInvalid, [`${this.name} execute()`, `concurrency must be a positive integer, got ${request.concurrency}`])
    }
    const ids = new Set(request.nodes.map((n) => n.id))
    if (ids.size !== request.nodes.length) throw mlopsError(errors.InputInvalid, [`${this.name} execute()`, 'two nodes share an id'])
    const waiting = new Map(request.nodes.map((n) => [n.id, new Set(n.dependsOn.filter((d) => ids.has(d)))]))
    const dependents = new Map<string, string[]>()
    for (const node of request.nodes) for (const dep of node.dependsOn) if (ids.has(dep)) dependents.set(dep, [...(dependents.get(dep) ?? []), node.id])

    const steps = new AbortController()
    const onAbort = () => steps.abort(request.signal.reason)
    request.signal.addEventListener('abort', onAbort, { once: true })
    const ready = request.nodes.filter((n) => waiting.get(n.id)!.size === 0).map((n) => n.id)
    const running = new Set<Promise<void>>()
    let failure: { error: unknown } | undefined
    let done = 0
    try {
      while ((ready.length > 0 || running.size > 0) && !failure) {
        while (ready.length > 0 && running.size < concurrency && !failure && !steps.signal.aborted) {
          const id = ready.shift()!
          const task: Promise<void> = request.runStep(id, { signal: steps.signal }).then(
            () => {
              running.delete(task)
              done++
              for (const next of dependents.get(id) ?? []) {
                const deps = waiting.get(next)!
                deps.delete(id)
                if (deps.size === 0) ready.push(next)
              }
            },
            (error: unknown) => {
              running.delete(task)
              failure ??= { error }
            },
          )
          running.add(task)
        }
        if (steps.signal.aborted) failure ??= { error: steps.signal.reason }
        if (running.size > 0) await Promise.race(running)
        else if (ready.length === 0) break
      }
      if (failure) {
        steps.abort(failure.error)
        await Promise.allSettled(running)
        throw failure.error
      }
      if (done !== request.nodes.length) {
        const stuck = request.nodes.filter((n) => waiting.get(n.id)!.size > 0).map((n) => n.id)
        throw mlopsError(errors.InputInvalid, [`${this.name} execute()`, `the graph has a cycle: ${stuck.join(', ')} never became ready`])
      }
    } finally {
      request.signal.removeEventListener('abort', onAbort)
    }
  }

  async check(): Promise<HealthCheckResult> {
    return { ok: true, detail: `in-process, up to ${this.maxConcurrency} steps at a time` }
  }

  async close(): Promise<void> {}
}

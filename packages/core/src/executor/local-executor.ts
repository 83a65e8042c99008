import type { ExecutionRequest, Executor } from '../plugin/kinds.js'

/**
 * Runs ready steps in this process, up to `concurrency` at once. After a failure no new step starts;
 * the steps already running finish (their outputs stay cached for `--resume`) and the first error is thrown.
 */
export function createLocalExecutor(): Executor {
  return {
    name: 'local',
    isRemote: false,
    execute: executeLocally,
    async close() {},
  }
}

async function executeLocally(request: ExecutionRequest): Promise<void> {
  const { nodes, signal } = request
  const concurrency = Math.max(1, request.concurrency)
  const remainingDeps = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  const known = new Set(nodes.map((n) => n.id))
  for (const node of nodes) {
    const deps = node.dependsOn.filter((d) => known.has(d))
    remainingDeps.set(node.id, deps.length)
    for (const dep of deps) {
      const list = dependents.get(dep)
      if (list) list.push(node.id)
      else dependents.set(dep, [node.id])
    }
  }
  const ready: string[] = nodes.filter((n) => remainingDeps.get(n.id) === 0).map((n) => n.id)
  let running = 0
  let finished = 0
  let firstError: unknown
  let failed = false

  await new Promise<void>((resolve) => {
    const settleIfDone = () => {
      if (running === 0 && (failed || finished === nodes.length || ready.length === 0)) resolve()
    }
    const pump = () => {
      while (!failed && !signal.aborted && running < concurrency && ready.length > 0) {
        const id = ready.shift()!
        running++
        request.runStep(id, { signal }).then(
          () => {
            running--
            finished++
            for (const next of dependents.get(id) ?? []) {
              const left = remainingDeps.get(next)! - 1
              remainingDeps.set(next, left)
              if (left === 0) ready.push(next)
            }
            pump()
            settleIfDone()
          },
          (error: unknown) => {
            running--
            if (!failed) {
              failed = true
              firstError = error
            }
            settleIfDone()
          },
        )
      }
      if (signal.aborted && !failed) {
        failed = true
        firstError = signal.reason
      }
      settleIfDone()
    }
    pump()
  })
  if (failed) throw firstError
  if (finished !== nodes.length) throw new Error(`Executor stopped with ${nodes.length - finished} steps not run (a dependency cycle?)`)
}

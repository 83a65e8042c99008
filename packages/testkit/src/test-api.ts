/**
 * The test functions a suite registers its cases with: pass vitest's (or node:test's) own, so the
 * cases show up in the caller's runner with their titles. Assertions use `node:assert/strict`, which
 * every runner reports, so `expect` is optional and unused.
 */
export interface TestApi {
  describe: (name: string, fn: () => void) => unknown
  it: TestFunction
  expect?: unknown
}

export interface TestFunction {
  (name: string, fn: () => Promise<void>, timeoutMs?: number): unknown
  /** Registers a case that cannot run with this harness (e.g. no `corrupt`), so the skip is visible. */
  skip?: (name: string, fn: () => Promise<void>) => unknown
}

/** A conformance case: a title and a body run against a fresh store. */
export interface ConformanceCase<H> {
  name: string
  timeoutMs?: number
  /** Why the case cannot run with this harness, or undefined when it can. */
  unsupported?: (harness: H) => string | undefined
  run: (harness: H) => Promise<void>
}

/** Registers `cases` under one `describe` naming the plugin, like ESLint's RuleTester. */
export function registerCases<H extends { pluginName: string }>(t: TestApi, title: string, harness: H, cases: readonly ConformanceCase<H>[]): void {
  t.describe(`${harness.pluginName}: ${title}`, () => {
    for (const c of cases) {
      const reason = c.unsupported?.(harness)
      if (reason === undefined) {
        t.it(c.name, () => c.run(harness), c.timeoutMs)
      } else if (t.it.skip) {
        t.it.skip(`${c.name} (${reason})`, async () => {})
      }
    }
  })
}

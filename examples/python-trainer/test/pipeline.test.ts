// The example end to end, as `npm run demo` runs it: the built `mlops` bin on a copy of this folder,
// with train.py fitting scikit-learn in a real Python.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPython, hasSklearn } from '../python.js'

const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'mlops.js')

// CI installs python3-sklearn (.ci/run), so there a missing scikit-learn fails the test instead of skipping it.
const python = findPython()
const ready = hasSklearn(python)
const skipReason = `no Python with scikit-learn and pandas (tried ${process.env.MLOPS_PYTHON ?? 'python3, /usr/bin/python3'}): apt-get install python3-sklearn python3-pandas`
if (!ready && process.env.CI !== 'true') console.warn(`examples/python-trainer: skipped, ${skipReason}`)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'python-trainer-'))
  for (const name of ['mlops.config.ts', 'python.ts', 'train.py', 'data']) await cp(join(exampleDir, name), join(dir, name), { recursive: true })
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function mlops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

interface RunJson {
  run: { id: string; status: string }
  steps: { stepId: string; status: string; cachedFromRunId: string | null }[]
  metrics: { stepId: string; key: string; value: number }[]
  artifacts: { stepId: string; name: string; kind: string; hash: string; size: number }[]
}

const metric = (r: RunJson, key: string) => r.metrics.find((m) => m.key === key)?.value

describe.skipIf(!ready && process.env.CI !== 'true')(`python-trainer: mlops run train (${ready ? python : skipReason})`, () => {
  it('finds a Python with scikit-learn (CI installs it)', () => {
    expect(ready, skipReason).toBe(true)
  })

  it('fits scikit-learn in Python and records its metrics, then reuses both steps, then re-runs only train for a param', async () => {
    const first = await mlops('run', 'train', '--json')
    expect(first.code, first.stderr).toBe(0)
    const run = JSON.parse(first.stdout) as RunJson
    expect(run.run.status).toBe('succeeded')
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['load', 'succeeded'],
      ['train', 'succeeded'],
    ])
    expect(metric(run, 'rows_in')).toBe(344)
    expect(metric(run, 'rows_complete')).toBe(333)
    expect(metric(run, 'train_rows')! + metric(run, 'test_rows')!).toBe(333)
    expect(metric(run, 'accuracy')).toBeGreaterThan(0.9)
    expect(metric(run, 'macro_f1')).toBeGreaterThan(0.9)
    expect(metric(run, 'f1.Gentoo')).toBeGreaterThan(0.9)
    const model = run.artifacts.find((a) => a.name === 'model')!
    expect(model).toMatchObject({ stepId: 'train', kind: 'file' })
    expect(model.size).toBeGreaterThan(1000)
    // Python's log lines reach the run's log.
    expect(first.stderr).toMatch(/\[train\] read 344 rows, 333 complete/)
    expect(first.stderr).toMatch(/\[train\] random_forest: accuracy/)

    const second = await mlops('run', 'train', '--json')
    expect(second.code, second.stderr).toBe(0)
    const again = JSON.parse(second.stdout) as RunJson
    expect(again.steps.map((s) => s.status)).toEqual(['cached', 'cached'])
    expect(again.steps[1]!.cachedFromRunId).toBe(run.run.id)
    expect(metric(again, 'accuracy')).toBe(metric(run, 'accuracy'))
    expect(second.stderr).not.toContain('random_forest: accuracy')

    const third = await mlops('run', 'train', '--param', 'model=logistic_regression', '--json')
    expect(third.code, third.stderr).toBe(0)
    const logistic = JSON.parse(third.stdout) as RunJson
    expect(logistic.steps.map((s) => s.status)).toEqual(['cached', 'succeeded'])
    expect(metric(logistic, 'accuracy')).toBeGreaterThan(0.9)
    expect(third.stderr).toContain('logistic_regression: accuracy')
  })

  it('re-runs train when train.py changes, and a failing script fails the run with its traceback', async () => {
    const script = join(dir, 'train.py')
    const original = await readFile(script, 'utf8')
    await writeFile(script, original.replace('def main():\n', 'def main():\n    raise RuntimeError("the data looks wrong")\n'))
    try {
      const failed = await mlops('run', 'train')
      expect(failed.code).toBe(1)
      expect(failed.stderr).toContain('`')
      expect(failed.stderr).toMatch(/train\.py` exited with code 1/)
      expect(failed.stderr).toContain('RuntimeError: the data looks wrong')
    } finally {
      await writeFile(script, original)
    }
  })
})

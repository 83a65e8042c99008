// The quickstart end to end, as `npm run demo` runs it: the built `mlops` bin on a copy of this folder.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const bin = join(repoRoot, 'node_modules', '@mlops', 'cli', 'bin', 'mlops.js')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quickstart-'))
  for (const name of ['mlops.config.ts', 'steps.ts', 'data']) await cp(join(exampleDir, name), join(dir, name), { recursive: true })
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
  steps: { stepId: string; status: string; cacheKey: string }[]
  metrics: { stepId: string; key: string; value: number }[]
  artifacts: { stepId: string; name: string; kind: string; hash: string }[]
}

describe('quickstart: mlops run train', () => {
  it('trains and evaluates, then reuses every step, then re-runs only what a param reaches', async () => {
    const first = await mlops('run', 'train', '--json')
    expect(first.code, first.stderr).toBe(0)
    const run = JSON.parse(first.stdout) as RunJson
    expect(run.run.status).toBe('succeeded')
    expect(run.steps.map((s) => s.stepId)).toEqual(['load', 'validate', 'split', 'train', 'evaluate'])
    expect(run.steps.every((s) => s.status === 'succeeded')).toBe(true)
    const metric = (r: RunJson, key: string) => r.metrics.find((m) => m.key === key)?.value
    expect(metric(run, 'rows_dropped_missing')).toBe(10)
    expect(metric(run, 'rows_dropped_invalid')).toBe(1)
    expect(metric(run, 'accuracy')).toBeGreaterThan(0.9)
    expect(metric(run, 'macro_f1')).toBeGreaterThan(0.9)
    expect(run.artifacts.find((a) => a.name === 'model')?.kind).toBe('model')

    const second = await mlops('run', 'train', '--json')
    expect(second.code, second.stderr).toBe(0)
    const again = JSON.parse(second.stdout) as RunJson
    expect(again.steps.map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'cached', 'cached'])
    expect(metric(again, 'accuracy')).toBe(metric(run, 'accuracy'))

    const third = await mlops('run', 'train', '--param', 'nEstimators=20', '--json')
    expect(third.code, third.stderr).toBe(0)
    const fewer = JSON.parse(third.stdout) as RunJson
    expect(fewer.steps.map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'succeeded', 'succeeded'])

    const lineage = await mlops('lineage', run.run.id)
    expect(lineage.code, lineage.stderr).toBe(0)
    for (const step of ['load', 'validate', 'split', 'train', 'evaluate']) expect(lineage.stdout).toContain(`step ${step}`)
  })

  it('fails the run with exit 1 and a clear message when validation drops too many rows', async () => {
    const r = await mlops('run', 'train', '--param', 'maxDroppedShare=0.01')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('11 of 344 rows (3.2%) fail the Penguin schema')
    expect(r.stderr).toContain('--param maxDroppedShare=0.04')
  })

  it('rejects a param outside its schema with exit 2, naming the config path', async () => {
    const r = await mlops('run', 'train', '--param', 'testShare=1.5')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('pipelines.train.steps[2].params.testShare')
  })
})

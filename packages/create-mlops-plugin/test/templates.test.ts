import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { scaffoldPlugin } from 'create-mlops-plugin'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot, run, tempDir } from './helpers.js'

// Each kind's generated package: its own tests (the testkit conformance suite for the kind and the
// template's behaviour tests) and a strict typecheck, run inside the repository so the workspace's
// node_modules stand in for `npm install` (the packed end-to-end test in test/e2e does the real install).
const KINDS = (process.env.TEMPLATE_KINDS?.split(',') ?? ['notifier', 'storage', 'trainer', 'driftDetector', 'deployTarget', 'executor', 'metadata']) as string[]
const vitestBin = join(repoRoot, 'node_modules/vitest/vitest.mjs')
const tscBin = join(repoRoot, 'node_modules/typescript/bin/tsc')

const temp = tempDir('templates')
afterAll(() => temp.remove())

describe.each(KINDS)('the %s template', (kind) => {
  it(`passes its own tests and a strict typecheck`, { timeout: 120_000 }, async () => {
    const name = `mlops-${kind.toLowerCase()}-sample`
    const result = await scaffoldPlugin({ dir: join(temp.dir, name), kind })
    const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'))
    const core = JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8'))
    expect(pkg.peerDependencies).toEqual({ '@mlops/core': `>=${core.version} <${Number(core.version.split('.')[0]) + 1}.0.0` })

    const [tests, types] = await Promise.all([run(process.execPath, [vitestBin, 'run', '--reporter=verbose'], result.dir), run(process.execPath, [tscBin, '--noEmit', '-p', '.'], result.dir)])
    expect(types.code, `tsc --noEmit:\n${types.stdout}${types.stderr}`).toBe(0)
    expect(tests.code, `vitest run:\n${tests.stdout}${tests.stderr}`).toBe(0)
    // The conformance suite ran (its cases are titled with the package name and the suite).
    expect(tests.stdout + tests.stderr).toMatch(/Test Files\s+\d+ passed/)
    expect(tests.stdout + tests.stderr).not.toMatch(/\d+ failed/)
    expect(tests.stdout, 'the testkit conformance suite for the kind ran').toContain(`${kind} conformance (apiVersion 1)`)
  })
})

import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { register } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mlops, repoRoot } from './helpers.js'

// docs/ci.md: its GitHub Actions workflow is valid, and the mlops commands in it do what it says.
const doc = readFileSync(join(repoRoot, 'docs/ci.md'), 'utf8')
const yamlBlocks = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)

async function workflowParser() {
  register(new URL('./json-import-hook.mjs', import.meta.url))
  return import('@actions/workflow-parser')
}

async function parse(content: string) {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await workflowParser()
  const result = parseWorkflow({ name: 'mlops.yml', content }, new NoOperationTraceWriter())
  const errors = result.context.errors.getErrors().map((e) => e.message)
  const template = result.value ? await convertWorkflowTemplate(result.context, result.value) : undefined
  return { errors, template }
}

describe('docs/ci.md', () => {
  it('has one workflow, valid for GitHub Actions (@actions/workflow-parser)', async () => {
    expect(yamlBlocks).toHaveLength(1)
    const { errors, template } = await parse(yamlBlocks[0]!)
    expect(errors).toEqual([])
    expect(template?.errors ?? []).toEqual([])
    const job = template!.jobs[0] as { id: { value: string }; steps: { uses?: { value: string }; run?: { value: string } }[] }
    expect(job.id.value).toBe('train-and-check-drift')
    const uses = job.steps.map((s) => s.uses?.value).filter(Boolean)
    expect(uses).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'actions/cache@v4', 'marocchino/sticky-pull-request-comment@v2'])
    const runs = job.steps.map((s) => s.run?.value ?? '').join('\n')
    expect(runs).toContain('npx mlops run train')
    expect(runs).toContain('npx mlops drift --reference data/reference.mlprofile --current data/current.csv --fail-on-drift --format markdown > drift.md')
  })

  it('the validator rejects a broken workflow (the check above can fail)', async () => {
    const broken = yamlBlocks[0]!.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest').replace('timeout-minutes: 30', 'timeout-minutes: soon')
    const { errors } = await parse(broken)
    expect(errors.join('\n')).toMatch(/runs_on/)
    expect(errors.join('\n')).toMatch(/Required property is missing: runs-on/)
  })

  it('names a pipeline that mlops init writes', () => {
    expect(readFileSync(join(repoRoot, 'packages/cli/templates/init/mlops.config.ts'), 'utf8')).toContain('    train: pipeline({')
  })

  describe('its drift commands, run as written', () => {
    let dir: string
    const driftLine = yamlBlocks[0]!.split('\n').find((line) => line.trim().startsWith('npx mlops drift'))!.trim()
    const driftArgs = driftLine.replace(/\s*>\s*drift\.md$/, '').split(/\s+/).slice(2)
    const profileLine = /`(npx mlops drift profile [^`]+)`/.exec(doc)![1]!
    const profileArgs = profileLine.split(/\s+/).slice(2)

    // A seeded generator, so the data (and the verdicts) are the same on every run.
    function csv(seed: number, rows: number, shift: number, islands: string[]): string {
      let state = seed
      const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32)
      const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
      const lines = ['bill_length_mm,flipper_length_mm,island']
      for (let i = 0; i < rows; i++) lines.push(`${(44 + shift + 5 * normal()).toFixed(1)},${Math.round(200 + 14 * normal())},${islands[Math.floor(next() * islands.length)]}`)
      return `${lines.join('\n')}\n`
    }

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mlops-docs-ci-'))
      await mkdir(join(dir, 'data'))
      await writeFile(join(dir, 'data/train.csv'), csv(1, 400, 0, ['Biscoe', 'Dream', 'Torgersen']))
    })
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('profile, then drift: exit 1 and the red markdown verdict on drifted data', async () => {
      expect(profileArgs).toEqual(['drift', 'profile', 'data/train.csv', '-o', 'data/reference.mlprofile'])
      const profiled = await mlops(dir, profileArgs)
      expect(profiled.code, profiled.stderr).toBe(0)
      await writeFile(join(dir, 'data/current.csv'), csv(2, 300, 5, ['Biscoe', 'Biscoe', 'Dream']))
      const r = await mlops(dir, driftArgs)
      expect(r.code, r.stderr).toBe(1)
      expect(r.stdout.split('\n')[0]).toBe('### 🔴 Dataset drift')
      expect(r.stdout).toContain('| column | type | test | score | threshold | drift |')
      expect(doc).toContain('`### 🔴 Dataset drift`')
    })

    it('exit 0 and the green verdict when the data did not drift', async () => {
      await writeFile(join(dir, 'data/current.csv'), csv(3, 300, 0, ['Biscoe', 'Dream', 'Torgersen']))
      const r = await mlops(dir, driftArgs)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout.split('\n')[0]).toBe('### 🟢 No dataset drift')
      expect(doc).toContain('`### 🟢 No dataset drift`')
    })

    it('exit 2 on bad input, which the workflow fails on at once', async () => {
      await rm(join(dir, 'data/current.csv'))
      const r = await mlops(dir, driftArgs)
      expect(r.code).toBe(2)
      expect(yamlBlocks[0]).toContain('if [ "$code" -ge 2 ]; then exit "$code"; fi')
    })

    it('every flag the doc gives mlops drift is in its usage', async () => {
      const { default: drift } = await import('../../src/commands/drift.js')
      // The drift command in the workflow and the flags the doc's paragraph on it names.
      const paragraph = doc.slice(doc.indexOf('- **`npx mlops drift'), doc.indexOf('\n- **', doc.indexOf('- **`npx mlops drift') + 1))
      const flags = new Set([...`${driftLine} ${paragraph}`.matchAll(/--[a-z][a-z-]*/g)].map((f) => f[0]))
      flags.delete('--help')
      expect([...flags].sort()).toEqual(['--columns', '--correction', '--current', '--drift-share', '--fail-on-drift', '--format', '--html', '--reference', '--tests', '--threshold'])
      for (const flag of flags) expect(drift.usage, flag).toContain(flag)
    })
  })
})

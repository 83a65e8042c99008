import { join } from 'node:path'
import { Registry, isMlopsError } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, makeProject } from './helpers.js'

/** Runs the CLI with --json and an actor; returns exit code and parsed stdout (or the raw text). */
async function mlops(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = await cli([...args, '--json'], dir, { MLOPS_ACTOR: 'ci-bot', ...env })
  let data: any
  try {
    data = JSON.parse(result.stdout)
  } catch {
    data = undefined
  }
  return { ...result, data }
}

describe('model registry, promotion gates, approval and rollback through the CLI', () => {
  let project: ReturnType<typeof makeProject>
  beforeAll(() => {
    project = makeProject('registry-project')
  })
  afterAll(() => project.remove())

  it('registers a version per changed model, promotes one that passes its gates and rejects one that does not (exit 1)', async () => {
    const first = await mlops(project.dir, ['run', 'train', '--param', 'epochs=50'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.data.models).toHaveLength(1)
    expect(first.data.models[0]).toMatchObject({ model: 'penguins', outcome: 'promoted', alias: 'champion', previous: null })
    const v1 = first.data.models[0].version
    expect(v1).toMatchObject({ version: '1', status: 'promoted', pipeline: 'train', output: 'train.model', createdBy: 'ci-bot' })
    expect(v1.runId).toBe(first.data.run.id)
    expect(Object.keys(v1.dataHashes)).toEqual(['load.rows'])
    expect(v1.signature.inputs.map((c: any) => c.name)).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'])
    // The gate's accuracy is computed on the evaluation split and equals what the pipeline's own evaluate step measured.
    expect(v1.gate.metrics.candidate.accuracy).toBeCloseTo(v1.metrics['evaluate.accuracy'], 12)

    const same = await mlops(project.dir, ['run', 'train', '--param', 'epochs=50'])
    expect(same.code).toBe(0)
    expect(same.data.models[0]).toMatchObject({ outcome: 'unchanged', version: { version: '1' } })

    const worse = await mlops(project.dir, ['run', 'train', '--param', 'epochs=2', '--param', 'lr=0.001'])
    expect(worse.code, worse.stderr).toBe(1)
    const rejected = worse.data.models[0]
    expect(rejected).toMatchObject({ outcome: 'rejected', previous: '1', version: { version: '2', status: 'rejected' } })
    const failed = rejected.gate.checks.filter((c: any) => !c.passed).map((c: any) => c.name)
    expect(failed).toContain('metrics.accuracy.minImprovement')
    expect(rejected.gate.comparedWith).toBe('1')

    const show = await mlops(project.dir, ['models', 'show', 'penguins'])
    expect(show.code).toBe(0)
    expect(show.data.model.aliases.champion).toEqual(['1'])
    expect(show.data.versions.map((v: any) => v.status)).toEqual(['promoted', 'rejected'])
    const reject = show.data.audit.find((e: any) => e.action === 'reject')
    expect(reject).toMatchObject({ version: '2', actor: 'ci-bot' })
    expect(reject.reason).toMatch(/minImprovement/)
  })

  it('promotes a better model, rolls back to the previous champion, and refuses a rollback with nothing before', async () => {
    const better = await mlops(project.dir, ['run', 'train', '--param', 'epochs=300'])
    expect(better.code, better.stderr).toBe(0)
    expect(better.data.models[0]).toMatchObject({ outcome: 'promoted', previous: '1', version: { version: '3' } })

    const champion = await mlops(project.dir, ['models', 'show', 'penguins@champion'])
    expect(champion.data.version.version).toBe('3')

    const back = await mlops(project.dir, ['rollback', 'penguins', '--reason', 'v3 misbehaves in production'])
    expect(back.code, back.stderr).toBe(0)
    expect(back.data).toMatchObject({ alias: 'champion', from: '3', to: '1' })
    const again = await mlops(project.dir, ['rollback', 'penguins', '--reason', 'again'])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/no previous holder/)

    const audit = (await mlops(project.dir, ['models', 'show', 'penguins'])).data.audit
    expect(audit.find((e: any) => e.action === 'rollback')).toMatchObject({ from: '3', to: '1', actor: 'ci-bot', reason: 'v3 misbehaves in production' })

    const diff = await mlops(project.dir, ['models', 'diff', 'penguins:1', 'penguins:3'])
    expect(diff.code).toBe(0)
    expect(diff.data.rows.find((r: any) => r.key === 'train.epochs')).toMatchObject({ kind: 'param', a: '50', b: '300' })
  })

  it('holds a version that passes its gates for manual approval, then mlops approve promotes it', async () => {
    const run = await mlops(project.dir, ['run', 'train', '--param', 'epochs=400'], { MLOPS_TEST_APPROVAL: '1' })
    expect(run.code, run.stderr).toBe(0)
    expect(run.data.models[0]).toMatchObject({ outcome: 'awaiting-approval', version: { version: '4', status: 'awaiting-approval' } })
    expect((await mlops(project.dir, ['models', 'show', 'penguins@champion'])).data.version.version).toBe('1')

    const noReason = await mlops(project.dir, ['approve', run.data.run.id])
    expect(noReason.code).toBe(2)
    const approve = await mlops(project.dir, ['approve', run.data.run.id.slice(0, 8), '--reason', 'reviewed the confusion matrix', '--actor', 'alice'])
    expect(approve.code, approve.stderr).toBe(0)
    expect(approve.data.promoted).toEqual([{ model: 'penguins', version: '4', alias: 'champion', from: '1' }])
    const twice = await mlops(project.dir, ['approve', run.data.run.id, '--reason', 'again'])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toMatch(/not waiting for approval/)
    const audit = (await mlops(project.dir, ['models', 'show', 'penguins'])).data.audit
    expect(audit.at(-1)).toMatchObject({ action: 'approve', version: '4', actor: 'alice', from: '1', to: '4' })
  })

  it('rejects unknown models, aliases and malformed references with exit 2', async () => {
    const unknown = await mlops(project.dir, ['models', 'show', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/No registered model is named "nope". Registered models: penguins/)
    const alias = await mlops(project.dir, ['models', 'show', 'penguins@staging'])
    expect(alias.code).toBe(2)
    expect(alias.stderr).toMatch(/holds the alias "staging"/)
    const bad = await mlops(project.dir, ['models', 'show', 'penguins@@x'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not a model reference/)
    const version = await mlops(project.dir, ['models', 'promote', 'penguins:99', '--alias', 'champion', '--reason', 'x'])
    expect(version.code).toBe(2)
    expect(version.stderr).toMatch(/has no version 99/)
  })

  it('two promotions racing on one alias: exactly one wins, the other fails with a write conflict and stores nothing', async () => {
    const file = join(project.dir, '.mlops', 'metadata.sqlite')
    const [a, b] = await Promise.all([openSqliteMetadataStore(file), openSqliteMetadataStore(file)])
    try {
      const ra = new Registry(a)
      const rb = new Registry(b)
      const before = (await ra.getModel('penguins'))!
      const auditBefore = (await ra.audit('penguins')).length
      const results = await Promise.allSettled([
        ra.promote('penguins', '3', 'champion', { actor: 'a', reason: 'race a' }),
        rb.promote('penguins', '1', 'champion', { actor: 'b', reason: 'race b' }),
      ])
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(isMlopsError(lost[0]!.reason) && lost[0]!.reason.code).toBe('MLOPS_WRITE_CONFLICT')
      const after = (await ra.getModel('penguins'))!
      expect(after.aliases.champion).toEqual([...before.aliases.champion!, results[0]!.status === 'fulfilled' ? '3' : '1'])
      expect((await ra.audit('penguins')).length).toBe(auditBefore + 1)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

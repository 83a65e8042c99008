import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, cliJson, makeProject, startCli, waitFor } from './helpers.js'

function artifactFiles(dir: string): string[] {
  const root = join(dir, '.mlops', 'artifacts')
  if (!existsSync(root)) return []
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(root)
  return out
}

describe('mlops run on embedded storage', () => {
  let project: ReturnType<typeof makeProject>
  beforeAll(() => {
    project = makeProject()
  })
  afterAll(() => project.remove())

  it('runs a DAG, records params, metrics, artifacts and lineage; a second run is all cache hits', async () => {
    const first = await cliJson(['run', 'train', '--param', 'lr=0.002'], project.dir)
    expect(first.result.code, first.result.stderr).toBe(0)
    const run1 = first.data
    expect(run1.run.status).toBe('succeeded')
    expect(run1.steps.map((s: any) => [s.stepId, s.status]).sort()).toEqual([
      ['describe', 'succeeded'],
      ['fit', 'succeeded'],
      ['make', 'succeeded'],
      ['report', 'succeeded'],
    ])
    expect(run1.run.params.fit).toEqual({ lr: 0.002, epochs: 200 })
    expect(run1.run.environment.nodeVersion).toBe(process.version)
    expect(run1.metrics.map((m: any) => m.key).sort()).toEqual(['mse', 'rows'])
    expect(run1.artifacts.find((a: any) => a.name === 'data').meta.rows).toBe(20)

    const second = await cliJson(['run', 'train', '--param', 'lr=0.002'], project.dir)
    expect(second.result.code, second.result.stderr).toBe(0)
    expect(second.data.steps.every((s: any) => s.status === 'cached')).toBe(true)
    expect(second.data.cacheHits).toBe(4)
    // Cached steps carry the metrics of the run that produced them.
    expect(second.data.metrics.find((m: any) => m.key === 'mse').value).toBe(run1.metrics.find((m: any) => m.key === 'mse').value)

    // A changed param re-runs only the step that declares it (and what depends on it).
    const third = await cliJson(['run', 'train', '--param', 'fit.lr=0.003'], project.dir)
    const status = Object.fromEntries(third.data.steps.map((s: any) => [s.stepId, s.status]))
    expect(status).toEqual({ make: 'cached', describe: 'cached', fit: 'succeeded', report: 'succeeded' })

    const { openSqliteMetadataStore } = await import('@mlops/metadata-sqlite')
    const store = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
    try {
      const events = await store.listEvents({ type: 'report.ready' })
      // Emitted by the two runs that executed `report`; the all-cached run emitted nothing.
      expect(events.map((e) => e.payload.runId)).toEqual([run1.run.id, third.data.run.id])
      expect(events[0]!.payload).toMatchObject({ rows: 20, pipeline: 'train', stepId: 'report' })
      expect((await store.listEvents({ type: 'run.succeeded' })).length).toBe(3)
    } finally {
      await store.close()
    }

    const ls = await cliJson(['runs', 'ls'], project.dir)
    expect(ls.data.runs.map((r: any) => r.id)).toEqual([third.data.run.id, second.data.run.id, run1.run.id])

    const human = await cli(['runs', 'show', run1.run.id.slice(0, 8)], project.dir)
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('cache hits: 0/4')
    expect(human.stdout).toMatch(/fit\s+mse\s+\d/)

    const model = run1.artifacts.find((a: any) => a.name === 'model')
    const lineage = await cliJson(['lineage', model.hash.slice(0, 10)], project.dir)
    expect(lineage.result.code).toBe(0)
    const kinds = lineage.data.nodes.map((n: any) => (n.type === 'step' ? `step:${n.stepId}` : `artifact:${n.kind}`)).sort()
    expect(kinds).toEqual(['artifact:dataset', 'artifact:model', 'step:fit', 'step:make'])
    const text = await cli(['lineage', model.hash], project.dir)
    expect(text.stdout).toMatch(/model [0-9a-f]{12}\n\s+<- model: step fit .*\n\s+<- data: dataset [0-9a-f]{12}, 20 rows\n\s+<- data: step make/)
  })

  it('runs independent steps concurrently', async () => {
    const { data } = await cliJson(['run', 'train', '--no-cache', '--param', 'make.n=30'], project.dir)
    const steps = Object.fromEntries(data.steps.map((s: any) => [s.stepId, s]))
    const overlap = Date.parse(steps.fit.startedAt) < Date.parse(steps.describe.finishedAt) && Date.parse(steps.describe.startedAt) < Date.parse(steps.fit.finishedAt)
    expect(overlap).toBe(true)
  })

  it('records a failing step with its error and stack; exit 1; no output of it is stored', async () => {
    const before = artifactFiles(project.dir).length
    const failed = await cli(['run', 'broken'], project.dir)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('Step "boom" of pipeline "broken" failed after 1 attempt: the training data has no label column')
    expect(failed.stderr).toContain('--resume')
    const { data } = await cliJson(['runs', 'ls', '--pipeline', 'broken'], project.dir)
    const show = await cliJson(['runs', 'show', data.runs[0].id], project.dir)
    expect(show.data.run.status).toBe('failed')
    const boom = show.data.steps.find((s: any) => s.stepId === 'boom')
    expect(boom.status).toBe('failed')
    expect(boom.error.stack).toContain('mlops.config.ts')
    expect(show.data.artifacts.map((a: any) => a.name)).toEqual(['data'])
    // make's output equals the one `train` stored already (same content, same hash); boom stored nothing.
    expect(artifactFiles(project.dir).length).toBe(before)
  })

  it('retries with backoff and times out a step that ignores its signal', async () => {
    const flaky = await cliJson(['run', 'flaky'], project.dir)
    expect(flaky.result.code, flaky.result.stderr).toBe(0)
    expect(flaky.data.steps[0].attempts).toBe(2)
    expect(flaky.result.stderr).toContain('retry flaky')
    const stuck = await cli(['run', 'stuck'], project.dir)
    expect(stuck.code).toBe(1)
    expect(stuck.stderr).toContain('did not finish within 200 ms')
  })

  it('rejects bad input with exit 2 and a hint', async () => {
    const unknown = await cli(['run', 'trian'], project.dir)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('There is no pipeline "trian"')
    expect(unknown.stderr).toContain('hint')
    const badParam = await cli(['run', 'train', '--param', 'lr=-1'], project.dir)
    expect(badParam.code).toBe(2)
    expect(badParam.stderr).toContain('pipelines.train.steps[1].params.lr (from --param lr=-1)')
    const json = await cliJson(['run', 'train', '--param', 'epochs=many'], project.dir)
    expect(json.result.code).toBe(2)
    expect(json.data.error.code).toBe('MLOPS_PARAM_INVALID')
    const noRun = await cli(['runs', 'show', 'ffffffff'], project.dir)
    expect(noRun.code).toBe(2)
    expect(noRun.stderr).toContain('No run with id "ffffffff"')
  })

  it('refuses a corrupted artifact instead of using it, and a fresh run repairs it', async () => {
    const { data } = await cliJson(['run', 'train'], project.dir)
    const dataset = data.artifacts.find((a: any) => a.name === 'data')
    const file = artifactFiles(project.dir).find((f) => f.endsWith(dataset.hash.slice(2)))!
    expect(file).toBeDefined()
    writeFileSync(file, readFileSync(file, 'utf8').replace('"y":1', '"y":7'))
    // make is a cache hit, so fit must read the corrupted dataset: refused, exit 2, file named.
    const broken = await cli(['run', 'train', '--param', 'fit.lr=0.0042'], project.dir)
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain(`Artifact ${dataset.hash}`)
    expect(broken.stderr).toContain('is corrupted')
    expect(broken.stderr).toContain(file.slice(project.dir.length + 1))
    // Recomputing rewrites the blob; afterwards the cache works again.
    const repaired = await cli(['run', 'train', '--no-cache'], project.dir)
    expect(repaired.code, repaired.stderr).toBe(0)
    const after = await cli(['run', 'train', '--param', 'fit.lr=0.0042'], project.dir)
    expect(after.code, after.stderr).toBe(0)
  })
})

describe('crash, resume and concurrency', () => {
  let project: ReturnType<typeof makeProject>
  beforeAll(() => {
    project = makeProject()
  })
  afterAll(() => project.remove())

  it('kill -9 during a step, then --resume finishes the run and the store is consistent', async () => {
    const marker = join(project.dir, 'started.txt')
    const { child, done } = startCli(['run', 'slow'], project.dir)
    await waitFor(() => existsSync(marker))
    child.kill('SIGKILL')
    const killed = await done
    expect(killed.signal).toBe('SIGKILL')
    const ls = await cliJson(['runs', 'ls', '--pipeline', 'slow'], project.dir)
    const crashed = ls.data.runs[0]
    expect(crashed.displayStatus).toBe('crashed')
    const resumed = await cliJson(['run', 'slow', '--resume', crashed.id, '--param', 'x=1'], project.dir)
    expect(resumed.result.code).toBe(2) // params are fixed for a resumed run
    // The resumed run keeps its recorded params (ms = 60 000): make the waiting step's code quick instead.
    // The finished step (make) has the same code, so it is reused; the changed one runs again.
    const configFile = join(project.dir, 'mlops.config.ts')
    const original = readFileSync(configFile, 'utf8')
    writeFileSync(configFile, original.replace('await sleep(params.ms, undefined, { signal })', 'await sleep(Math.min(params.ms, 10), undefined, { signal })'))
    const ok = await cliJson(['run', 'slow', '--resume', crashed.id.slice(0, 8)], project.dir)
    writeFileSync(configFile, original)
    expect(ok.result.code, ok.result.stderr).toBe(0)
    expect(ok.data.run.id).toBe(crashed.id)
    expect(ok.data.run.status).toBe('succeeded')
    expect(ok.data.run.resumeCount).toBe(1)
    expect(ok.result.stderr).toMatch(/✓ make reused/)
    const again = await cli(['run', 'slow', '--resume', crashed.id], project.dir)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already succeeded')
    const { openSqliteMetadataStore } = await import('@mlops/metadata-sqlite')
    const store = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
    try {
      expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] })
    } finally {
      await store.close()
    }
  })

  it('Ctrl-C marks the run cancelled', async () => {
    const marker = join(project.dir, 'started-int.txt')
    const { child, done } = startCli(['run', 'slow', '--param', 'marker=started-int.txt', '--no-cache'], project.dir)
    await waitFor(() => existsSync(marker))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('was cancelled')
    const ls = await cliJson(['runs', 'ls', '--status', 'cancelled'], project.dir)
    expect(ls.data.runs).toHaveLength(1)
  })

  it('two runs started at once both complete with no lost writes', async () => {
    const [a, b] = await Promise.all([cliJson(['run', 'train', '--no-cache', '--param', 'make.n=40'], project.dir), cliJson(['run', 'train', '--no-cache', '--param', 'make.n=41'], project.dir)])
    expect(a.result.code, a.result.stderr).toBe(0)
    expect(b.result.code, b.result.stderr).toBe(0)
    for (const r of [a, b]) {
      const show = await cliJson(['runs', 'show', r.data.run.id], project.dir)
      expect(show.data.steps.map((s: any) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
      expect(show.data.metrics).toHaveLength(2)
    }
  })
})

import assert from 'node:assert/strict'
import type { MetadataStore, RunRecord, StepIoRecord } from '@mlops/core'
import { rejectsWithCode } from './internal/assertions.js'
import { sha256 } from './internal/bytes.js'
import { at, byKey, makeArtifact, makeCompletion, makeRun, makeStep } from './internal/records.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

export interface MetadataHarness {
  /** Shown in every title, e.g. `@mlops/metadata-postgres`. */
  pluginName: string
  /** A new, empty store (a fresh file, schema or database per call). The suite closes it. */
  create(): Promise<MetadataStore>
  /**
   * A second, independent instance (own connection) on the same database as `store`, which may
   * already be closed. Used by the concurrent-writers and durability cases; without it the
   * concurrent writers share one instance and the durability case is skipped.
   */
  reopen?(store: MetadataStore): Promise<MetadataStore>
}

async function withStore(harness: MetadataHarness, body: (store: MetadataStore) => Promise<void>): Promise<void> {
  const store = await harness.create()
  try {
    await body(store)
  } finally {
    await store.close()
  }
}

/** A run with two finished steps: prepare (raw → table) and fit (table → model, metrics). */
async function seedRun(store: MetadataStore, runId: string, minutes = 0): Promise<void> {
  const raw = makeArtifact('raw.csv', { kind: 'file', mediaType: 'text/csv', size: 7 })
  const table = makeArtifact(`table:${runId}`)
  const model = makeArtifact(`model:${runId}`, { kind: 'model', mediaType: 'application/octet-stream', meta: {} })
  await store.createRun(makeRun(runId, { startedAt: at(minutes) }))
  await store.upsertStep(makeStep(runId, 'prepare', { startedAt: at(minutes + 1) }))
  await store.completeStep(
    runId,
    'prepare',
    makeCompletion({ finishedAt: at(minutes + 2), artifacts: [raw, table], inputs: [{ name: 'source', hash: raw.hash }], outputs: [{ name: 'table', hash: table.hash }] }),
  )
  await store.upsertStep(makeStep(runId, 'fit', { startedAt: at(minutes + 2) }))
  await store.completeStep(
    runId,
    'fit',
    makeCompletion({
      finishedAt: at(minutes + 3),
      artifacts: [model],
      inputs: [{ name: 'table', hash: table.hash }],
      outputs: [{ name: 'model', hash: model.hash }],
      metrics: [
        { key: 'loss', value: 0.5 },
        { key: 'loss', value: 0.25 },
        { key: 'accuracy', value: 0.93 },
      ],
    }),
  )
}

const sortIo = byKey<StepIoRecord>((r) => `${r.stepId}\u0000${r.direction}\u0000${r.name}`)

/** The cases, in a table like ESLint's RuleTester: each runs against a fresh store from the harness. */
export const metadataCases: readonly ConformanceCase<MetadataHarness>[] = [
  {
    name: 'createRun then getRun returns the record field for field (JSON params, environment, nulls)',
    run: (h) =>
      withStore(h, async (store) => {
        const run = makeRun('run-roundtrip-0001')
        await store.createRun(run)
        assert.deepEqual(await store.getRun(run.id), run)
        const failed = makeRun('run-roundtrip-0002', {
          status: 'failed',
          pid: null,
          hostname: null,
          finishedAt: at(9),
          resumeCount: 2,
          params: {},
          environment: { ...run.environment, user: null, gitCommit: null, gitDirty: null, packages: {} },
          error: { name: 'MlopsError', message: 'Step "fit" failed', code: 'MLOPS_STEP_FAILED', hint: 'Fix it', exit: 1, cause: { name: 'TypeError', message: 'x is undefined' } },
        })
        await store.createRun(failed)
        assert.deepEqual(await store.getRun(failed.id), failed)
      }),
  },
  {
    name: 'updateRun sets only the given fields; status, finishedAt and error end a run',
    run: (h) =>
      withStore(h, async (store) => {
        const run = makeRun('run-update-0001')
        await store.createRun(run)
        await store.updateRun(run.id, { resumeCount: 1, pid: 777, hostname: 'other-host' })
        assert.deepEqual(await store.getRun(run.id), { ...run, resumeCount: 1, pid: 777, hostname: 'other-host' })
        const error = { name: 'Error', message: 'boom', stack: 'Error: boom\n    at fit (step.ts:1:1)' }
        await store.updateRun(run.id, { status: 'failed', finishedAt: at(5), error })
        assert.deepEqual(await store.getRun(run.id), { ...run, resumeCount: 1, pid: 777, hostname: 'other-host', status: 'failed', finishedAt: at(5), error })
        // Resuming clears the end fields again: null is a value, not "leave unchanged".
        await store.updateRun(run.id, { status: 'running', finishedAt: null, error: null, pid: null })
        const resumed = await store.getRun(run.id)
        assert.equal(resumed?.status, 'running')
        assert.equal(resumed?.finishedAt, null)
        assert.equal(resumed?.error, null)
        assert.equal(resumed?.pid, null)
        assert.deepEqual(resumed?.params, run.params, 'fields not in the patch are unchanged')
      }),
  },
  {
    name: 'listRuns returns newest first, filters by pipeline and status, honours limit',
    run: (h) =>
      withStore(h, async (store) => {
        const runs: RunRecord[] = [
          makeRun('r1', { pipeline: 'train', status: 'succeeded', startedAt: at(10) }),
          makeRun('r2', { pipeline: 'score', status: 'failed', startedAt: at(20) }),
          makeRun('r3', { pipeline: 'train', status: 'failed', startedAt: at(30) }),
          makeRun('r4', { pipeline: 'train', status: 'running', startedAt: at(40) }),
        ]
        // Inserted out of order: the order must come from startedAt, not insertion.
        for (const r of [runs[2]!, runs[0]!, runs[3]!, runs[1]!]) await store.createRun(r)
        const ids = (list: RunRecord[]) => list.map((r) => r.id)
        assert.deepEqual(ids(await store.listRuns()), ['r4', 'r3', 'r2', 'r1'])
        assert.deepEqual(ids(await store.listRuns({})), ['r4', 'r3', 'r2', 'r1'])
        assert.deepEqual(ids(await store.listRuns({ pipeline: 'train' })), ['r4', 'r3', 'r1'])
        assert.deepEqual(ids(await store.listRuns({ status: 'failed' })), ['r3', 'r2'])
        assert.deepEqual(ids(await store.listRuns({ pipeline: 'train', status: 'failed' })), ['r3'])
        assert.deepEqual(ids(await store.listRuns({ limit: 2 })), ['r4', 'r3'])
        assert.deepEqual(ids(await store.listRuns({ pipeline: 'nope' })), [])
        assert.deepEqual((await store.listRuns({ limit: 1 }))[0], runs[3], 'listed runs are complete records')
      }),
  },
  {
    name: 'findRuns matches id prefixes literally (no wildcards, case-sensitive)',
    run: (h) =>
      withStore(h, async (store) => {
        for (const [i, id] of ['abc123', 'abc456', 'abd789', 'a_c000', 'a%c111', 'ABC999'].entries()) {
          await store.createRun(makeRun(id, { startedAt: at(i) }))
        }
        const ids = async (prefix: string) => (await store.findRuns(prefix)).map((r) => r.id).sort()
        assert.deepEqual(await ids('abc'), ['abc123', 'abc456'])
        assert.deepEqual(await ids('ab'), ['abc123', 'abc456', 'abd789'])
        assert.deepEqual(await ids('abc456'), ['abc456'], 'a full id is its own prefix')
        assert.deepEqual(await ids('a_'), ['a_c000'], '_ is not a wildcard')
        assert.deepEqual(await ids('a%'), ['a%c111'], '% is not a wildcard')
        assert.deepEqual(await ids('AB'), ['ABC999'], 'prefixes are case-sensitive')
        assert.deepEqual(await ids('zzz'), [])
        assert.deepEqual(await ids('abc1234'), [], 'a prefix longer than every id matches nothing')
        const [found] = await store.findRuns('abd')
        assert.deepEqual(found, makeRun('abd789', { startedAt: at(2) }), 'found runs are complete records')
      }),
  },
  {
    name: 'upsertStep inserts then replaces; listSteps keeps the order steps were first recorded',
    run: (h) =>
      withStore(h, async (store) => {
        await store.createRun(makeRun('run-steps'))
        const ids = ['load', 'prepare', 'fit#1', 'fit#2', 'evaluate']
        for (const id of ids) await store.upsertStep(makeStep('run-steps', id, { status: 'pending', startedAt: null }))
        const failed = makeStep('run-steps', 'fit#1', {
          status: 'failed',
          attempts: 3,
          finishedAt: at(4),
          durationMs: 30_000,
          error: { name: 'Error', message: 'out of memory', code: 'ERR_OOM' },
        })
        await store.upsertStep(makeStep('run-steps', 'fit#1', { status: 'running' }))
        await store.upsertStep(failed)
        await store.upsertStep(makeStep('run-steps', 'load', { status: 'running' }))
        const steps = await store.listSteps('run-steps')
        assert.deepEqual(steps.map((s) => s.stepId), ids)
        assert.deepEqual(steps[2], failed, 'the last upsert wins, field for field')
        assert.deepEqual(steps[0], makeStep('run-steps', 'load', { status: 'running' }))
        assert.deepEqual(steps[4], makeStep('run-steps', 'evaluate', { status: 'pending', startedAt: null }))
      }),
  },
  {
    name: 'completeStep records status, artifacts, lineage edges and metrics; a repeat does not duplicate them',
    run: (h) =>
      withStore(h, async (store) => {
        await seedRun(store, 'run-complete')
        const table = makeArtifact('table:run-complete')
        const model = makeArtifact('model:run-complete', { kind: 'model', mediaType: 'application/octet-stream', meta: {} })
        const raw = makeArtifact('raw.csv', { kind: 'file', mediaType: 'text/csv', size: 7 })

        const steps = await store.listSteps('run-complete')
        assert.deepEqual(
          steps.map((s) => [s.stepId, s.status, s.finishedAt, s.durationMs, s.attempts]),
          [
            ['prepare', 'succeeded', at(2), 1234.5, 1],
            ['fit', 'succeeded', at(3), 1234.5, 1],
          ],
        )
        assert.deepEqual(await store.getArtifact(model.hash), model)
        assert.deepEqual(await store.getArtifact(raw.hash), raw)
        assert.equal(await store.getArtifact(sha256('unknown')), undefined)
        assert.deepEqual(await store.findArtifacts(table.hash.slice(0, 10)), [table])
        assert.deepEqual(
          (await store.listStepIo('run-complete')).sort(sortIo),
          [
            { runId: 'run-complete', stepId: 'fit', direction: 'input', name: 'table', hash: table.hash },
            { runId: 'run-complete', stepId: 'fit', direction: 'output', name: 'model', hash: model.hash },
            { runId: 'run-complete', stepId: 'prepare', direction: 'input', name: 'source', hash: raw.hash },
            { runId: 'run-complete', stepId: 'prepare', direction: 'output', name: 'table', hash: table.hash },
          ],
        )
        const metrics = await store.listMetrics('run-complete')
        assert.deepEqual(
          metrics.map((m) => [m.runId, m.stepId, m.key, m.value, m.recordedAt]),
          [
            ['run-complete', 'fit', 'loss', 0.5, at(3)],
            ['run-complete', 'fit', 'loss', 0.25, at(3)],
            ['run-complete', 'fit', 'accuracy', 0.93, at(3)],
          ],
          'metrics keep every value (a key may repeat, e.g. per epoch) in recorded order, stamped with finishedAt',
        )

        // A retried completeStep (crash after commit, resume) replaces instead of duplicating; an
        // artifact already recorded is left as it was, even if the retry describes it differently.
        await store.completeStep(
          'run-complete',
          'fit',
          makeCompletion({
            finishedAt: at(3),
            artifacts: [{ ...model, meta: { changed: true } }],
            inputs: [{ name: 'table', hash: table.hash }],
            outputs: [{ name: 'model', hash: model.hash }],
            metrics: [{ key: 'accuracy', value: 0.94 }],
          }),
        )
        assert.deepEqual(await store.getArtifact(model.hash), model, 'an existing artifact record is not overwritten')
        assert.equal((await store.listStepIo('run-complete')).length, 4)
        assert.deepEqual(
          (await store.listMetrics('run-complete')).map((m) => [m.stepId, m.key, m.value]),
          [['fit', 'accuracy', 0.94]],
          "a repeated completeStep replaces the step's metrics",
        )
      }),
  },
  {
    name: 'completeStep is one transaction: a rejected completion leaves no trace',
    run: (h) =>
      withStore(h, async (store) => {
        await store.createRun(makeRun('run-atomic'))
        const step = makeStep('run-atomic', 'fit')
        await store.upsertStep(step)
        const model = makeArtifact('model:atomic')
        const unknown = sha256('never recorded anywhere')
        // The outputs name a hash that is neither recorded nor in `artifacts`: a dangling lineage edge.
        await rejectsWithCode(
          () =>
            store.completeStep(
              'run-atomic',
              'fit',
              makeCompletion({ artifacts: [model], outputs: [{ name: 'model', hash: model.hash }, { name: 'report', hash: unknown }], metrics: [{ key: 'loss', value: 1 }] }),
            ),
          'MLOPS_INPUT_INVALID',
          'completeStep() with an output hash that has no artifact record',
        )
        assert.deepEqual(await store.listSteps('run-atomic'), [step], 'the step is unchanged')
        assert.equal(await store.getArtifact(model.hash), undefined, 'the artifact of the rejected completion was not recorded')
        assert.deepEqual(await store.listStepIo('run-atomic'), [])
        assert.deepEqual(await store.listMetrics('run-atomic'), [])
      }),
  },
  {
    name: 'findCachedOutputs returns the most recent succeeded step with the key, ignoring cached and failed ones',
    run: (h) =>
      withStore(h, async (store) => {
        const key = sha256('cache-key:fit')
        const outputsOf = (label: string) => {
          const model = makeArtifact(`model:${label}`, { kind: 'model' })
          const report = makeArtifact(`report:${label}`, { kind: 'json' })
          return { artifacts: [model, report], outputs: [{ name: 'model', hash: model.hash }, { name: 'report', hash: report.hash }] }
        }
        const finish = async (runId: string, minutes: number, status: 'succeeded' | 'cached', label: string, cachedFromRunId: string | null = null) => {
          await store.createRun(makeRun(runId, { startedAt: at(minutes) }))
          await store.upsertStep(makeStep(runId, 'fit', { cacheKey: key, startedAt: at(minutes) }))
          await store.completeStep(runId, 'fit', makeCompletion({ status, finishedAt: at(minutes + 1), cachedFromRunId, ...outputsOf(label) }))
        }
        assert.equal(await store.findCachedOutputs(key), undefined, 'nothing cached yet')
        await finish('run-old', 0, 'succeeded', 'old')
        await finish('run-new', 10, 'succeeded', 'new')
        await finish('run-hit', 20, 'cached', 'new', 'run-new')
        // A later failure and a later step that is still running must not shadow the good outputs.
        await store.createRun(makeRun('run-failed', { startedAt: at(30) }))
        await store.upsertStep(makeStep('run-failed', 'fit', { cacheKey: key, status: 'failed', finishedAt: at(31), error: { name: 'Error', message: 'x' } }))
        await store.createRun(makeRun('run-live', { startedAt: at(40) }))
        await store.upsertStep(makeStep('run-live', 'fit', { cacheKey: key, status: 'running' }))
        // Another key in the same run must not leak in.
        await store.upsertStep(makeStep('run-live', 'other', { cacheKey: sha256('cache-key:other') }))

        const hit = await store.findCachedOutputs(key)
        assert.ok(hit, 'a succeeded step with the key exists')
        assert.equal(hit.runId, 'run-new')
        assert.equal(hit.stepId, 'fit')
        assert.deepEqual([...hit.outputs].sort(byKey((o) => o.name)), outputsOf('new').outputs)
        assert.equal(await store.findCachedOutputs(sha256('cache-key:unknown')), undefined)
        assert.equal(await store.findCachedOutputs(sha256('cache-key:other')), undefined, 'a running step is no cache entry')
      }),
  },
  {
    name: 'findProducers lists the steps that output an artifact, oldest first (consumers excluded)',
    run: (h) =>
      withStore(h, async (store) => {
        await seedRun(store, 'run-b', 60)
        await seedRun(store, 'run-a', 0)
        const raw = makeArtifact('raw.csv', { kind: 'file', mediaType: 'text/csv', size: 7 })
        const table = makeArtifact('table:run-a')
        assert.deepEqual(await store.findProducers(table.hash), [{ runId: 'run-a', stepId: 'prepare', direction: 'output', name: 'table', hash: table.hash }])
        // The same bytes produced by another step, recorded later but finished earlier (a backfill):
        // both are producers, ordered by when they ran, not by when they were recorded.
        await store.createRun(makeRun('run-c', { startedAt: at(-60) }))
        await store.upsertStep(makeStep('run-c', 'rebuild', { startedAt: at(-60) }))
        await store.completeStep('run-c', 'rebuild', makeCompletion({ finishedAt: at(-59), outputs: [{ name: 'out', hash: table.hash }] }))
        assert.deepEqual(
          (await store.findProducers(table.hash)).map((p) => [p.runId, p.stepId, p.direction, p.name]),
          [
            ['run-c', 'rebuild', 'output', 'out'],
            ['run-a', 'prepare', 'output', 'table'],
          ],
        )
        assert.deepEqual(await store.findProducers(raw.hash), [], 'raw.csv was only ever an input')
        assert.deepEqual(await store.findProducers(sha256('unknown')), [])
      }),
  },
  {
    name: 'appendEvent is idempotent by id; listEvents is ordered by seq and filters by afterSeq, type and limit',
    run: (h) =>
      withStore(h, async (store) => {
        const types = ['run.started', 'step.finished', 'run.failed', 'step.finished', 'drift.detected']
        for (const [i, type] of types.entries()) {
          await store.appendEvent({ id: `evt-${i}`, type, payload: { index: i, nested: { ok: true, list: [1, 2] } }, createdAt: at(i) })
        }
        await store.appendEvent({ id: 'evt-1', type: 'step.finished', payload: { index: 'duplicate' }, createdAt: at(99) })
        const all = await store.listEvents()
        assert.deepEqual(all.map((e) => e.id), ['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4'], 'a repeated id is ignored')
        assert.deepEqual(all[1], { seq: all[1]!.seq, id: 'evt-1', type: 'step.finished', payload: { index: 1, nested: { ok: true, list: [1, 2] } }, createdAt: at(1) }, 'the first append wins')
        for (let i = 1; i < all.length; i++) {
          assert.ok(Number.isSafeInteger(all[i]!.seq) && all[i]!.seq > all[i - 1]!.seq, 'seq is an increasing integer')
        }
        assert.deepEqual((await store.listEvents({ afterSeq: all[1]!.seq })).map((e) => e.id), ['evt-2', 'evt-3', 'evt-4'])
        assert.deepEqual((await store.listEvents({ afterSeq: all[4]!.seq })).map((e) => e.id), [])
        assert.deepEqual((await store.listEvents({ type: 'step.finished' })).map((e) => e.id), ['evt-1', 'evt-3'])
        assert.deepEqual((await store.listEvents({ limit: 2 })).map((e) => e.id), ['evt-0', 'evt-1'])
        assert.deepEqual((await store.listEvents({ afterSeq: all[0]!.seq, type: 'step.finished', limit: 1 })).map((e) => e.id), ['evt-1'])
        await store.appendEvent({ id: 'evt-5', type: 'run.started', payload: {}, createdAt: at(5) })
        const [latest] = await store.listEvents({ afterSeq: all[4]!.seq })
        assert.ok(latest && latest.id === 'evt-5' && latest.seq > all[4]!.seq, 'a new event gets a larger seq than every earlier one')
      }),
  },
  {
    name: 'unknown run ids: reads find nothing, writes reject with MLOPS_RUN_NOT_FOUND',
    run: (h) =>
      withStore(h, async (store) => {
        await seedRun(store, 'run-known')
        assert.equal(await store.getRun('run-unknown'), undefined)
        assert.deepEqual(await store.findRuns('run-unk'), [])
        assert.deepEqual(await store.listSteps('run-unknown'), [])
        assert.deepEqual(await store.listStepIo('run-unknown'), [])
        assert.deepEqual(await store.listMetrics('run-unknown'), [])
        await rejectsWithCode(() => store.updateRun('run-unknown', { status: 'failed' }), 'MLOPS_RUN_NOT_FOUND', 'updateRun() of an unknown run')
        await rejectsWithCode(() => store.upsertStep(makeStep('run-unknown', 'fit')), 'MLOPS_RUN_NOT_FOUND', 'upsertStep() in an unknown run')
        await rejectsWithCode(() => store.completeStep('run-unknown', 'fit', makeCompletion()), 'MLOPS_RUN_NOT_FOUND', 'completeStep() in an unknown run')
        assert.equal(await store.getRun('run-unknown'), undefined, 'rejected writes create nothing')
        assert.deepEqual((await store.listRuns()).map((r) => r.id), ['run-known'])
      }),
  },
  {
    name: 'bad input is rejected with MLOPS_INPUT_INVALID (or MLOPS_ARTIFACT_NAME_INVALID) and writes nothing',
    run: (h) =>
      withStore(h, async (store) => {
        const run = makeRun('run-bad')
        await store.createRun(run)
        await rejectsWithCode(() => store.createRun(makeRun('run-bad', { pipeline: 'other' })), 'MLOPS_INPUT_INVALID', 'createRun() with an id that exists')
        assert.deepEqual(await store.getRun('run-bad'), run, 'the existing run is untouched')

        await store.upsertStep(makeStep('run-bad', 'fit'))
        await rejectsWithCode(() => store.completeStep('run-bad', 'never-started', makeCompletion()), 'MLOPS_INPUT_INVALID', 'completeStep() of a step never recorded')
        for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
          await rejectsWithCode(
            () => store.completeStep('run-bad', 'fit', makeCompletion({ metrics: [{ key: 'loss', value }] })),
            'MLOPS_INPUT_INVALID',
            `completeStep() with metric value ${value}`,
          )
        }
        await rejectsWithCode(
          () => store.completeStep('run-bad', 'fit', makeCompletion({ artifacts: [makeArtifact('x', { hash: '../../etc/passwd' })] })),
          'MLOPS_ARTIFACT_NAME_INVALID',
          'completeStep() with an artifact whose hash is not a sha256',
        )
        await rejectsWithCode(
          () => store.completeStep('run-bad', 'fit', makeCompletion({ outputs: [{ name: 'model', hash: 'ABC' }] })),
          'MLOPS_ARTIFACT_NAME_INVALID',
          'completeStep() with an output hash that is not a sha256',
        )
        assert.deepEqual((await store.listSteps('run-bad')).map((s) => s.status), ['running'], 'rejected completions leave the step running')
        assert.deepEqual(await store.listMetrics('run-bad'), [])
        for (const limit of [0, -1, 1.5, Number.NaN]) {
          await rejectsWithCode(() => store.listRuns({ limit }), 'MLOPS_INPUT_INVALID', `listRuns({ limit: ${limit} })`)
          await rejectsWithCode(() => store.listEvents({ limit }), 'MLOPS_INPUT_INVALID', `listEvents({ limit: ${limit} })`)
        }
      }),
  },
  {
    name: 'two concurrent writers (2×200 interleaved writes through two instances) lose nothing',
    timeoutMs: 120_000,
    run: (h) =>
      withStore(h, async (first) => {
        const second = h.reopen ? await h.reopen(first) : first
        try {
          const writer = async (store: MetadataStore, name: string) => {
            await store.createRun(makeRun(`run-${name}`))
            for (let i = 0; i < 200; i++) {
              if (i % 2 === 0) {
                await store.appendEvent({ id: `${name}-${i}`, type: `writer.${name}`, payload: { i }, createdAt: at(i) })
              } else {
                await store.upsertStep(makeStep(`run-${name}`, `step-${i}`))
              }
              // Yield to the other writer so the writes interleave instead of running back to back.
              await new Promise<void>((resolve) => setImmediate(resolve))
            }
          }
          await Promise.all([writer(first, 'a'), writer(second, 'b')])
          for (const store of [first, second]) {
            const events = await store.listEvents()
            assert.equal(events.length, 200, 'every event from both writers is there')
            assert.equal(new Set(events.map((e) => e.seq)).size, 200, 'seqs are unique')
            assert.deepEqual(events.filter((e) => e.type === 'writer.a').map((e) => e.id), Array.from({ length: 100 }, (_, k) => `a-${2 * k}`))
            assert.deepEqual(events.filter((e) => e.type === 'writer.b').map((e) => e.id), Array.from({ length: 100 }, (_, k) => `b-${2 * k}`))
            assert.equal((await store.listSteps('run-a')).length, 100)
            assert.equal((await store.listSteps('run-b')).length, 100)
          }
          assert.deepEqual(await first.checkIntegrity(), { ok: true, problems: [] })
        } finally {
          if (second !== first) await second.close()
        }
      }),
  },
  {
    name: 'data written and closed is there when the store is opened again',
    unsupported: (h) => (h.reopen ? undefined : 'the harness has no reopen()'),
    run: async (h) => {
      const store = await h.create()
      await seedRun(store, 'run-durable')
      await store.appendEvent({ id: 'evt-durable', type: 'run.finished', payload: {}, createdAt: at(4) })
      const steps = await store.listSteps('run-durable')
      await store.close()
      const again = await h.reopen!(store)
      try {
        assert.deepEqual(await again.getRun('run-durable'), makeRun('run-durable'))
        assert.deepEqual(await again.listSteps('run-durable'), steps)
        assert.equal((await again.listStepIo('run-durable')).length, 4)
        assert.equal((await again.listMetrics('run-durable')).length, 3)
        assert.deepEqual((await again.listEvents()).map((e) => e.id), ['evt-durable'])
      } finally {
        await again.close()
      }
    },
  },
  {
    name: 'checkIntegrity reports ok on an empty store and after a full run',
    run: (h) =>
      withStore(h, async (store) => {
        assert.deepEqual(await store.checkIntegrity(), { ok: true, problems: [] })
        await seedRun(store, 'run-integrity')
        await store.appendEvent({ id: 'evt-integrity', type: 'run.finished', payload: { runId: 'run-integrity' }, createdAt: at(4) })
        assert.deepEqual(await store.checkIntegrity(), { ok: true, problems: [] })
      }),
  },
]

/**
 * Registers the metadata conformance cases with the caller's test runner:
 * `metadataConformance({ describe, it }, { pluginName, create, reopen })`.
 */
export function metadataConformance(t: TestApi, harness: MetadataHarness): void {
  registerCases(t, 'metadata conformance (apiVersion 1)', harness, metadataCases)
}

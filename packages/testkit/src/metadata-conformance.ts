import assert from 'node:assert/strict'
import type { CommitRequest, DocumentRecord, MetadataStore, RunRecord, StepIoRecord } from '@mlops/core'
import { rejectsWithCode } from './internal/assertions.js'
import { sha256 } from './internal/bytes.js'
import { makeOutbox, yieldToOthers } from './internal/outbox.js'
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
    name: 'oversize payloads (a JSON value over 16 MiB) are rejected with MLOPS_INPUT_INVALID and write nothing',
    timeoutMs: 60_000,
    run: (h) =>
      withStore(h, async (store) => {
        const big = 'x'.repeat(16 * 1024 * 1024 + 1)
        await rejectsWithCode(() => store.appendEvent({ id: 'evt-big', type: 'big', payload: { big }, createdAt: at(0) }), 'MLOPS_INPUT_INVALID', 'appendEvent() with a 16 MiB payload')
        await rejectsWithCode(
          () => store.commit({ writes: [{ collection: 'c', key: 'small', value: 1 }, { collection: 'c', key: 'big', value: big }] }),
          'MLOPS_INPUT_INVALID',
          'commit() with a 16 MiB document',
        )
        await rejectsWithCode(() => store.createRun(makeRun('run-big', { params: { fit: { big } } })), 'MLOPS_INPUT_INVALID', 'createRun() with 16 MiB of params')
        assert.deepEqual(await store.listEvents(), [], 'no event was stored')
        assert.equal(await store.getDocument('c', 'small'), undefined, 'nothing of the rejected commit was stored')
        assert.equal(await store.getRun('run-big'), undefined, 'no run was stored')
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
  {
    name: 'scope is local or shared; check(), where implemented, reaches the store and reports ok',
    run: (h) =>
      withStore(h, async (store) => {
        assert.ok(store.scope === undefined || store.scope === 'local' || store.scope === 'shared', `scope is ${String(store.scope)}`)
        if (store.check) {
          const result = await store.check()
          assert.equal(result.ok, true, `check() of an open store: ${result.detail}`)
          assert.equal(typeof result.detail, 'string')
          assert.ok(result.detail.length > 0, 'check() says where the store is')
        }
      }),
  },
  {
    name: 'documents: commit creates (revision 1), updates (+1 per write) and deletes (value null); any JSON value reads back as written',
    run: (h) =>
      withStore(h, async (store) => {
        assert.equal(await store.getDocument('models', 'churn'), undefined, 'an absent document is undefined')
        const before = Date.now()
        const value = { name: 'churn', versions: [1, 2], aliases: { prod: 2 }, note: 'ünïcode ✓', nothing: null, ratio: 0.125 }
        await store.commit({ writes: [{ collection: 'models', key: 'churn', value, expectedRevision: 0 }] })
        const created = await store.getDocument('models', 'churn')
        assert.ok(created, 'the document exists after the commit')
        assert.deepEqual({ ...created, updatedAt: '' }, { collection: 'models', key: 'churn', value, revision: 1, updatedAt: '' })
        const stamped = Date.parse(created.updatedAt)
        assert.ok(stamped >= before - 1000 && stamped <= Date.now() + 1000, `updatedAt is the ISO time of the write (got ${created.updatedAt})`)

        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: { ...value, versions: [1, 2, 3] }, expectedRevision: 1 }] })
        assert.deepEqual((await store.getDocument('models', 'churn'))?.value, { ...value, versions: [1, 2, 3] })
        assert.equal((await store.getDocument('models', 'churn'))?.revision, 2)
        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: 'replaced' }] })
        assert.equal((await store.getDocument('models', 'churn'))?.revision, 3, 'an unconditional write also counts up')

        // Every kind of JSON value, including the falsy ones.
        const values: [string, unknown][] = [
          ['string', 'text'],
          ['empty-string', ''],
          ['number', 42.5],
          ['zero', 0],
          ['false', false],
          ['true', true],
          ['array', [1, 'a', null, { b: [] }]],
          ['empty-object', {}],
        ]
        await store.commit({ writes: values.map(([key, v]) => ({ collection: 'kinds', key, value: v })) })
        for (const [key, v] of values) {
          const doc = await store.getDocument('kinds', key)
          assert.deepEqual([doc?.value, doc?.revision], [v, 1], `a ${key} value reads back as written`)
        }

        // Several writes to one document in one commit apply in order.
        await store.commit({
          writes: [
            { collection: 'models', key: 'fraud', value: { v: 1 }, expectedRevision: 0 },
            { collection: 'models', key: 'fraud', value: { v: 2 }, expectedRevision: 1 },
          ],
        })
        assert.deepEqual(await store.getDocument('models', 'fraud').then((d) => [d?.value, d?.revision]), [{ v: 2 }, 2])

        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: null, expectedRevision: 3 }] })
        assert.equal(await store.getDocument('models', 'churn'), undefined, 'value null deletes')
        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: null }] })
        assert.equal(await store.getDocument('models', 'churn'), undefined, 'deleting an absent document is no error')
        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: { again: true }, expectedRevision: 0 }] })
        assert.equal((await store.getDocument('models', 'churn'))?.revision, 1, 'a re-created document starts again at revision 1')
        assert.equal(await store.getDocument('other', 'churn'), undefined, 'collections are separate')
      }),
  },
  {
    name: 'documents: a wrong expectedRevision fails with MLOPS_WRITE_CONFLICT naming the document, and changes nothing',
    run: (h) =>
      withStore(h, async (store) => {
        await store.commit({ writes: [{ collection: 'models', key: 'churn', value: { v: 1 }, expectedRevision: 0 }] })
        const original = await store.getDocument('models', 'churn')
        const conflicts: [string, () => Promise<void>][] = [
          ['creating (expectedRevision 0) a document that exists', () => store.commit({ writes: [{ collection: 'models', key: 'churn', value: { v: 9 }, expectedRevision: 0 }] })],
          ['updating with a newer revision than stored', () => store.commit({ writes: [{ collection: 'models', key: 'churn', value: { v: 9 }, expectedRevision: 5 }] })],
          ['deleting with a stale revision', () => store.commit({ writes: [{ collection: 'models', key: 'churn', value: null, expectedRevision: 2 }] })],
        ]
        for (const [what, action] of conflicts) {
          const error = await rejectsWithCode(action, 'MLOPS_WRITE_CONFLICT', what)
          assert.match(error.message, /models\/churn/, `${what}: the message names the document`)
          assert.deepEqual(await store.getDocument('models', 'churn'), original, `${what}: the document is unchanged`)
        }
        await rejectsWithCode(
          () => store.commit({ writes: [{ collection: 'models', key: 'absent', value: { v: 1 }, expectedRevision: 1 }] }),
          'MLOPS_WRITE_CONFLICT',
          'updating a document that does not exist',
        )
        assert.equal(await store.getDocument('models', 'absent'), undefined, 'a failed update creates nothing')
      }),
  },
  {
    name: 'commit is atomic: one conflicting write among several stores nothing, neither its writes nor its events nor its outbox items',
    run: (h) =>
      withStore(h, async (store) => {
        await store.commit({ writes: [{ collection: 'models', key: 'a', value: { v: 1 }, expectedRevision: 0 }] })
        const a = await store.getDocument('models', 'a')
        const change = (conflictAt: 'first' | 'last') => {
          const ok = [
            { collection: 'models', key: 'b', value: { v: 1 }, expectedRevision: 0 },
            { collection: 'models', key: 'a', value: { v: 2 }, expectedRevision: 1 },
            { collection: 'models', key: 'c', value: { v: 1 } },
          ]
          const bad = { collection: 'models', key: 'missing', value: { v: 1 }, expectedRevision: 7 }
          return {
            writes: conflictAt === 'first' ? [bad, ...ok] : [...ok, bad],
            events: [{ id: `evt-${conflictAt}`, type: 'model.changed', payload: { at: conflictAt }, createdAt: at(1) }],
            outbox: [makeOutbox(`out-${conflictAt}`, 1)],
          }
        }
        for (const where of ['first', 'last'] as const) {
          await rejectsWithCode(() => store.commit(change(where)), 'MLOPS_WRITE_CONFLICT', `a commit whose ${where} write conflicts`)
          assert.deepEqual(await store.getDocument('models', 'a'), a, `conflict at the ${where} write: the earlier update of a is rolled back`)
          assert.equal(await store.getDocument('models', 'b'), undefined, `conflict at the ${where} write: b was not created`)
          assert.equal(await store.getDocument('models', 'c'), undefined, `conflict at the ${where} write: c was not created`)
          assert.deepEqual(await store.listEvents(), [], `conflict at the ${where} write: no event was appended`)
          assert.deepEqual(await store.listOutbox(), [], `conflict at the ${where} write: no outbox item was enqueued`)
        }
        // The same change without the conflict commits all of it.
        const good = change('last')
        await store.commit({ ...good, writes: good.writes.slice(0, 3) })
        assert.deepEqual((await store.listDocuments('models')).map((d) => [d.key, d.revision]), [['a', 2], ['b', 1], ['c', 1]])
        assert.deepEqual((await store.listEvents()).map((e) => e.id), ['evt-last'])
        assert.deepEqual((await store.listOutbox()).map((o) => o.id), ['out-last'])
      }),
  },
  {
    name: 'two instances racing compare-and-set increments on one document lose no update (losers get MLOPS_WRITE_CONFLICT)',
    timeoutMs: 120_000,
    run: (h) =>
      withStore(h, async (first) => {
        const second = h.reopen ? await h.reopen(first) : first
        try {
          const counter = { collection: 'counters', key: 'runs' }
          await first.commit({ writes: [{ ...counter, value: { n: 0 }, expectedRevision: 0 }] })
          const increment = (store: MetadataStore, doc: DocumentRecord, id: string) => {
            const n = (doc.value as { n: number }).n + 1
            return store.commit({
              writes: [{ ...counter, value: { n }, expectedRevision: doc.revision }],
              events: [{ id, type: 'counter.incremented', payload: { n }, createdAt: at(n) }],
              outbox: [makeOutbox(id, n)],
            })
          }

          // Deterministic first: both read revision 1, the first commit wins, the second conflicts.
          const seenByFirst = (await first.getDocument(counter.collection, counter.key))!
          const seenBySecond = (await second.getDocument(counter.collection, counter.key))!
          await increment(first, seenByFirst, 'inc-first')
          await rejectsWithCode(() => increment(second, seenBySecond, 'inc-second'), 'MLOPS_WRITE_CONFLICT', 'a compare-and-set on a revision another instance replaced')

          // Then a race: each instance reads, yields, and writes back n + 1, N times.
          const attemptsEach = 25
          const racer = async (store: MetadataStore, name: string) => {
            let won = 0
            let lost = 0
            for (let i = 0; i < attemptsEach; i++) {
              const doc = (await store.getDocument(counter.collection, counter.key))!
              await yieldToOthers()
              try {
                await increment(store, doc, `inc-${name}-${i}`)
                won++
              } catch (error) {
                if ((error as { code?: unknown }).code !== 'MLOPS_WRITE_CONFLICT') throw error
                lost++
              }
            }
            return { won, lost }
          }
          const [a, b] = await Promise.all([racer(first, 'a'), racer(second, 'b')])
          assert.equal(a.won + a.lost, attemptsEach)
          assert.equal(b.won + b.lost, attemptsEach)
          assert.ok(a.won + b.won >= 1, 'some increments succeed')
          const wins = 1 + a.won + b.won
          for (const store of [first, second]) {
            const final = await store.getDocument(counter.collection, counter.key)
            assert.deepEqual([final?.value, final?.revision], [{ n: wins }, 1 + wins], 'the count equals the number of successful commits')
            const events = (await store.listEvents({ type: 'counter.incremented' })).map((e) => (e.payload as { n: number }).n)
            assert.deepEqual(events, Array.from({ length: wins }, (_, k) => k + 1), 'exactly the winners appended their events, each with a new count, in seq order')
            assert.equal((await store.listOutbox()).length, wins, 'exactly the winners enqueued their outbox items')
          }
        } finally {
          if (second !== first) await second.close()
        }
      }),
  },
  {
    name: 'listDocuments orders by key in byte order, filters by a literal prefix, honours limit and keeps collections apart',
    run: (h) =>
      withStore(h, async (store) => {
        const keys = ['b', 'a', 'a/2', 'a/10', 'B', 'ä', 'a_x', 'a%y', 'ab', '\u{1F600}', '\uFFFD']
        await store.commit({ writes: keys.map((key, i) => ({ collection: 'k', key, value: { i } })) })
        await store.commit({ writes: [{ collection: 'other', key: 'a/1', value: 'x' }] })
        const list = async (query?: { prefix?: string; limit?: number }, collection = 'k') => (await store.listDocuments(collection, query)).map((d) => d.key)
        // UTF-8 byte order: 'ä' (C3 A4) < U+FFFD (EF BF BD) < U+1F600 (F0 9F 98 80); UTF-16 order would swap the last two.
        const all = ['B', 'a', 'a%y', 'a/10', 'a/2', 'a_x', 'ab', 'b', 'ä', '\uFFFD', '\u{1F600}']
        assert.deepEqual(await list(), all)
        assert.deepEqual(await list({ prefix: '' }), all)
        assert.deepEqual(await list({ prefix: 'a/' }), ['a/10', 'a/2'])
        assert.deepEqual(await list({ prefix: 'a_' }), ['a_x'], '_ is not a wildcard')
        assert.deepEqual(await list({ prefix: 'a%' }), ['a%y'], '% is not a wildcard')
        assert.deepEqual(await list({ prefix: 'A' }), [], 'prefixes are case-sensitive')
        assert.deepEqual(await list({ prefix: 'a', limit: 3 }), ['a', 'a%y', 'a/10'])
        assert.deepEqual(await list({ limit: 1 }), ['B'])
        assert.deepEqual(await list({ prefix: 'zz' }), [])
        assert.deepEqual(await list(undefined, 'other'), ['a/1'])
        assert.deepEqual(await list(undefined, 'nothing-here'), [])
        const [first] = await store.listDocuments('k', { prefix: 'a/1' })
        assert.deepEqual({ ...first, updatedAt: typeof first?.updatedAt }, { collection: 'k', key: 'a/10', value: { i: 3 }, revision: 1, updatedAt: 'string' }, 'listed documents are complete records')
      }),
  },
  {
    name: 'commit appends events and enqueues outbox items idempotently by id (the first wins), in one seq order with appendEvent',
    run: (h) =>
      withStore(h, async (store) => {
        await store.appendEvent({ id: 'evt-0', type: 'run.started', payload: {}, createdAt: at(0) })
        await store.commit({
          events: [
            { id: 'evt-1', type: 'model.registered', payload: { version: 1 }, createdAt: at(1) },
            { id: 'evt-1', type: 'model.registered', payload: { version: 'duplicate in the same commit' }, createdAt: at(1) },
          ],
          outbox: [makeOutbox('out-1', 1)],
        })
        await store.commit({
          events: [
            { id: 'evt-1', type: 'model.registered', payload: { version: 'again' }, createdAt: at(9) },
            { id: 'evt-2', type: 'model.promoted', payload: { alias: 'prod' }, createdAt: at(2) },
          ],
          outbox: [makeOutbox('out-1', 9, { channel: 'email', payload: { changed: true } }), makeOutbox('out-2', 2, { availableAt: at(30) })],
        })
        await store.appendEvent({ id: 'evt-2', type: 'ignored', payload: {}, createdAt: at(99) })
        await store.appendEvent({ id: 'evt-3', type: 'run.finished', payload: {}, createdAt: at(3) })

        const events = await store.listEvents()
        assert.deepEqual(events.map((e) => e.id), ['evt-0', 'evt-1', 'evt-2', 'evt-3'])
        assert.deepEqual(events[1]?.payload, { version: 1 }, 'the first event with an id wins')
        assert.equal(events[2]?.type, 'model.promoted')
        for (let i = 1; i < events.length; i++) assert.ok(events[i]!.seq > events[i - 1]!.seq, 'seqs increase across commit and appendEvent')

        const outbox = await store.listOutbox()
        assert.deepEqual(outbox, [
          { ...makeOutbox('out-1', 1), status: 'pending', attempts: 0, availableAt: at(1), lastError: null, deliveredAt: null },
          { ...makeOutbox('out-2', 2), status: 'pending', attempts: 0, availableAt: at(30), lastError: null, deliveredAt: null },
        ], 'outbox items read back field for field; availableAt defaults to createdAt; a repeated id is ignored')
      }),
  },
  {
    name: 'claimOutbox takes due items oldest first, counts attempts and leases them; an expired lease makes them claimable again',
    run: (h) =>
      withStore(h, async (store) => {
        await store.commit({ outbox: [makeOutbox('late', 0, { availableAt: at(50) }), makeOutbox('o2', 2), makeOutbox('o1', 1)] })
        const minute = 60_000
        const claim = (now: string, limit = 10) => store.claimOutbox({ now, leaseMs: minute, limit })
        const claimed = await claim(at(10))
        assert.deepEqual(claimed.map((o) => [o.id, o.attempts, o.availableAt, o.status]), [
          ['o1', 1, at(11), 'pending'],
          ['o2', 1, at(11), 'pending'],
        ], 'due items, oldest availableAt first, with attempts + 1 and availableAt = now + lease')
        assert.deepEqual(claimed[0], { ...makeOutbox('o1', 1), status: 'pending', attempts: 1, availableAt: at(11), lastError: null, deliveredAt: null })
        assert.deepEqual(await claim(at(10)), [], 'leased items are not claimed again')
        assert.deepEqual(await claim(at(10.5)), [], 'nor before the lease runs out')
        const again = await claim(at(11))
        // Both now share one availableAt: the order among them is the order they were enqueued.
        assert.deepEqual(again.map((o) => [o.id, o.attempts, o.availableAt]), [
          ['o2', 2, at(12)],
          ['o1', 2, at(12)],
        ], 'once the lease ran out (a claimer died), the items are claimable again with attempts counted on')
        assert.deepEqual((await claim(at(50), 1)).map((o) => [o.id, o.attempts]), [['o2', 3]], 'limit caps the claim')
        assert.deepEqual((await claim(at(50))).map((o) => o.id), ['o1', 'late'])
        assert.deepEqual((await store.listOutbox()).map((o) => [o.id, o.attempts, o.status]), [
          ['late', 1, 'pending'],
          ['o2', 3, 'pending'],
          ['o1', 3, 'pending'],
        ], 'claims are stored (listOutbox is in enqueue order)')
      }),
  },
  {
    name: 'two instances claiming the outbox concurrently never get the same item',
    timeoutMs: 120_000,
    run: (h) =>
      withStore(h, async (first) => {
        const second = h.reopen ? await h.reopen(first) : first
        try {
          const ids = Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(2, '0')}`)
          await first.commit({ outbox: ids.map((id, i) => makeOutbox(id, i % 5)) })
          const claimer = async (store: MetadataStore) => {
            const mine: string[] = []
            for (;;) {
              const batch = await store.claimOutbox({ now: at(10), leaseMs: 600_000, limit: 3 })
              if (batch.length === 0) return mine
              mine.push(...batch.map((o) => o.id))
              await yieldToOthers()
            }
          }
          const [a, b] = await Promise.all([claimer(first), claimer(second)])
          const both = [...a, ...b]
          assert.equal(new Set(both).size, both.length, `no item went to both claimers (${a.length} + ${b.length} claims)`)
          assert.deepEqual([...both].sort(), ids, 'every item was claimed once')
          assert.ok((await first.listOutbox()).every((o) => o.attempts === 1), 'each item was claimed exactly once')
        } finally {
          if (second !== first) await second.close()
        }
      }),
  },
  {
    name: 'settleOutbox records delivered, retry-at and dead outcomes; only pending due items are claimed; an unknown id is MLOPS_INPUT_INVALID',
    run: (h) =>
      withStore(h, async (store) => {
        await store.commit({ outbox: [makeOutbox('ok', 1), makeOutbox('retry', 2), makeOutbox('dead', 3)] })
        assert.equal((await store.claimOutbox({ now: at(10), leaseMs: 1000, limit: 10 })).length, 3)
        await store.settleOutbox('ok', { delivered: true, at: at(11) })
        await store.settleOutbox('retry', { delivered: false, error: 'HTTP 503 from the webhook', retryAt: at(30) })
        await store.settleOutbox('dead', { delivered: false, error: 'HTTP 410: the hook is gone', retryAt: null })
        const byId = new Map((await store.listOutbox()).map((o) => [o.id, o]))
        assert.deepEqual(byId.get('ok'), { ...makeOutbox('ok', 1), status: 'delivered', attempts: 1, availableAt: byId.get('ok')?.availableAt, lastError: null, deliveredAt: at(11) })
        assert.deepEqual(byId.get('retry'), { ...makeOutbox('retry', 2), status: 'pending', attempts: 1, availableAt: at(30), lastError: 'HTTP 503 from the webhook', deliveredAt: null })
        assert.deepEqual(byId.get('dead'), { ...makeOutbox('dead', 3), status: 'dead', attempts: 1, availableAt: byId.get('dead')?.availableAt, lastError: 'HTTP 410: the hook is gone', deliveredAt: null })
        assert.deepEqual((await store.listOutbox({ status: 'delivered' })).map((o) => o.id), ['ok'])
        assert.deepEqual((await store.listOutbox({ status: 'dead' })).map((o) => o.id), ['dead'])
        assert.deepEqual((await store.listOutbox({ status: 'pending' })).map((o) => o.id), ['retry'])

        assert.deepEqual(await store.claimOutbox({ now: at(29), leaseMs: 1000, limit: 10 }), [], 'a retry waits for retryAt')
        const retried = await store.claimOutbox({ now: at(1000), leaseMs: 1000, limit: 10 })
        assert.deepEqual(retried.map((o) => [o.id, o.attempts, o.lastError]), [['retry', 2, 'HTTP 503 from the webhook']], 'delivered and dead items are never claimed again')
        await store.settleOutbox('retry', { delivered: true, at: at(1001) })
        assert.deepEqual(await store.listOutbox({ status: 'delivered' }).then((l) => l.map((o) => [o.id, o.lastError, o.deliveredAt])), [
          ['ok', null, at(11)],
          ['retry', null, at(1001)],
        ], 'delivery clears the last error')
        await rejectsWithCode(() => store.settleOutbox('no-such-item', { delivered: true, at: at(5) }), 'MLOPS_INPUT_INVALID', 'settleOutbox() of an unknown id')
      }),
  },
  {
    name: 'claimOutbox and listOutbox filter by channel (an empty channel list claims nothing)',
    run: (h) =>
      withStore(h, async (store) => {
        await store.commit({
          outbox: [
            makeOutbox('w1', 1, { channel: 'webhook' }),
            makeOutbox('e1', 2, { channel: 'email' }),
            makeOutbox('s1', 3, { channel: 'slack' }),
            makeOutbox('w2', 4, { channel: 'webhook' }),
            makeOutbox('e2', 5, { channel: 'email' }),
          ],
        })
        const claim = (channels: string[]) => store.claimOutbox({ now: at(10), leaseMs: 60_000, limit: 10, channels })
        assert.deepEqual(await claim([]), [], 'no channels: nothing')
        assert.deepEqual((await claim(['webhook'])).map((o) => o.id), ['w1', 'w2'])
        assert.deepEqual((await claim(['email', 'slack', 'unknown'])).map((o) => o.id), ['e1', 's1', 'e2'])
        assert.deepEqual((await store.listOutbox({ channel: 'email' })).map((o) => o.id), ['e1', 'e2'])
        assert.deepEqual((await store.listOutbox({ channel: 'email', limit: 1 })).map((o) => o.id), ['e1'])
        assert.deepEqual((await store.listOutbox({ limit: 2 })).map((o) => o.id), ['w1', 'e1'])
        assert.deepEqual(await store.listOutbox({ channel: 'none' }), [])
      }),
  },
  {
    name: 'bad document, commit and outbox input is rejected with MLOPS_INPUT_INVALID and stores nothing',
    run: (h) =>
      withStore(h, async (store) => {
        const valid = {
          writes: [{ collection: 'c', key: 'ok', value: { v: 1 } }],
          events: [{ id: 'evt-ok', type: 't', payload: {}, createdAt: at(0) }],
          outbox: [makeOutbox('out-ok', 0)],
        }
        const bad = (label: string, patch: Record<string, unknown>): [string, () => Promise<void>] => [label, () => store.commit({ ...valid, ...patch } as CommitRequest)]
        const write = (w: Record<string, unknown>) => ({ writes: [...valid.writes, { collection: 'c', key: 'k', value: 1, ...w }] })
        const cases: [string, () => Promise<void>][] = [
          bad('a write whose value is undefined', write({ value: undefined })),
          bad('a write whose value is a function', write({ value: () => 1 })),
          bad('a write whose value is a bigint', write({ value: 10n })),
          bad('expectedRevision as a string', write({ expectedRevision: '1' })),
          bad('a fractional expectedRevision', write({ expectedRevision: 1.5 })),
          bad('a numeric collection', write({ collection: 42 })),
          bad('a null key', write({ key: null })),
          bad('writes that are not an array', { writes: { collection: 'c', key: 'k', value: 1 } }),
          bad('a write that is not an object', { writes: ['c/k'] }),
          bad('an event payload that is a string', { events: [{ id: 'e', type: 't', payload: 'x', createdAt: at(0) }] }),
          bad('an event without an id', { events: [{ type: 't', payload: {}, createdAt: at(0) }] }),
          bad('an outbox item without a channel', { outbox: [{ ...makeOutbox('o', 0), channel: undefined }] }),
          bad('an outbox item whose createdAt is a number', { outbox: [{ ...makeOutbox('o', 0), createdAt: Date.now() }] }),
          bad('an outbox payload that is null', { outbox: [{ ...makeOutbox('o', 0), payload: null }] }),
        ]
        for (const [what, action] of cases) await rejectsWithCode(action, 'MLOPS_INPUT_INVALID', `commit() with ${what}`)
        assert.deepEqual(await store.listDocuments('c'), [], 'no rejected commit wrote a document')
        assert.deepEqual(await store.listEvents(), [], 'no rejected commit appended an event')
        assert.deepEqual(await store.listOutbox(), [], 'no rejected commit enqueued an outbox item')

        const claim = (q: Record<string, unknown>) => () => store.claimOutbox({ now: at(0), leaseMs: 1000, limit: 1, ...q } as never)
        await rejectsWithCode(claim({ now: 'yesterday' }), 'MLOPS_INPUT_INVALID', 'claimOutbox() with now that is not an ISO time')
        await rejectsWithCode(claim({ leaseMs: 1.5 }), 'MLOPS_INPUT_INVALID', 'claimOutbox() with a fractional leaseMs')
        await rejectsWithCode(claim({ limit: 0 }), 'MLOPS_INPUT_INVALID', 'claimOutbox() with limit 0')
        await rejectsWithCode(claim({ channels: 'webhook' }), 'MLOPS_INPUT_INVALID', 'claimOutbox() with channels that are not an array')
        for (const limit of [0, -1, 1.5, Number.NaN]) {
          await rejectsWithCode(() => store.listDocuments('c', { limit }), 'MLOPS_INPUT_INVALID', `listDocuments({ limit: ${limit} })`)
          await rejectsWithCode(() => store.listOutbox({ limit }), 'MLOPS_INPUT_INVALID', `listOutbox({ limit: ${limit} })`)
        }
        await rejectsWithCode(() => store.listOutbox({ status: 'sent' as never }), 'MLOPS_INPUT_INVALID', "listOutbox({ status: 'sent' })")
        await rejectsWithCode(() => store.getDocument(7 as never, 'k'), 'MLOPS_INPUT_INVALID', 'getDocument() with a numeric collection')
        await rejectsWithCode(() => store.settleOutbox('x', { delivered: true, at: 5 } as never), 'MLOPS_INPUT_INVALID', 'settleOutbox() with a numeric time')

        await store.commit(valid)
        assert.equal((await store.getDocument('c', 'ok'))?.revision, 1, 'the valid change commits afterwards')
      }),
  },
  {
    name: 'documents and outbox items written and closed are there when the store is opened again',
    unsupported: (h) => (h.reopen ? undefined : 'the harness has no reopen()'),
    run: async (h) => {
      const store = await h.create()
      await store.commit({
        writes: [{ collection: 'models', key: 'churn', value: { versions: [1] }, expectedRevision: 0 }],
        events: [{ id: 'evt-doc', type: 'model.registered', payload: {}, createdAt: at(1) }],
        outbox: [makeOutbox('out-doc', 1)],
      })
      await store.claimOutbox({ now: at(2), leaseMs: 60_000, limit: 1 })
      const doc = await store.getDocument('models', 'churn')
      const outbox = await store.listOutbox()
      await store.close()
      const again = await h.reopen!(store)
      try {
        assert.deepEqual(await again.getDocument('models', 'churn'), doc)
        assert.deepEqual(await again.listOutbox(), outbox)
        assert.deepEqual((await again.listEvents()).map((e) => e.id), ['evt-doc'])
        assert.deepEqual(await again.claimOutbox({ now: at(2), leaseMs: 60_000, limit: 1 }), [], 'the lease survives the reopen')
        await again.commit({ writes: [{ collection: 'models', key: 'churn', value: { versions: [1, 2] }, expectedRevision: 1 }] })
        assert.equal((await again.getDocument('models', 'churn'))?.revision, 2, 'revisions continue after a reopen')
      } finally {
        await again.close()
      }
    },
  },
]

/**
 * Registers the metadata conformance cases with the caller's test runner:
 * `metadataConformance({ describe, it }, { pluginName, create, reopen })`.
 */
export function metadataConformance(t: TestApi, harness: MetadataHarness): void {
  registerCases(t, 'metadata conformance (apiVersion 1)', harness, metadataCases)
}

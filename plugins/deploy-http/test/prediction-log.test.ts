import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  appendLabels,
  createPredictionLogWriter,
  isMlopsError,
  LABEL_BATCHES,
  PREDICTION_BATCHES,
  readLabels,
  readPredictionLog,
  iteratePredictionLog,
  type ArtifactStore,
  type MetadataStore,
  type PredictionBatchDoc,
  type PredictionRecord,
} from '@mlops/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStores, quietLogger } from './fixtures/penguins.mjs'

let dir: string
let metadata: MetadataStore
let storage: ArtifactStore

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-prediction-log-'))
  ;({ metadata, storage } = await openStores(dir))
})
afterEach(async () => {
  await metadata.close().catch(() => {})
  await storage.close()
  await rm(dir, { recursive: true, force: true })
})

const base = Date.parse('2026-03-01T10:00:00.000Z')
function record(i: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    requestId: `req-${i}`,
    ts: new Date(base + i * 1000).toISOString(),
    model: 'penguins',
    version: i % 2 ? '2' : '1',
    variant: 'primary',
    inputs: { bill_length_mm: 40 + i, island: 'Dream' },
    output: i % 3 ? 'Adelie' : 'Gentoo',
    latencyMs: 0.5,
    ...over,
  }
}

describe('prediction log writer', () => {
  it('writes batches as JSON Lines artifacts indexed in time order, and close() drains everything', async () => {
    const log = createPredictionLogWriter({ metadata, storage, deployment: 'penguins-champion-http', batchSize: 4, flushIntervalMs: 60_000 })
    for (let i = 0; i < 10; i++) expect(log.log(record(i))).toBe(true)
    expect(log.stats()).toMatchObject({ logged: 10, dropped: 0 })
    await log.close()
    expect(log.stats()).toEqual({ logged: 10, dropped: 0, written: 10, queued: 0, batches: 3, failures: 0 })

    const docs = await metadata.listDocuments(PREDICTION_BATCHES, { prefix: 'penguins/' })
    expect(docs.map((d) => (d.value as PredictionBatchDoc).count)).toEqual([4, 4, 2])
    const first = docs[0]!.value as PredictionBatchDoc
    expect(first).toMatchObject({ count: 4, model: 'penguins', versions: ['1', '2'], deployment: 'penguins-champion-http', from: record(0).ts, to: record(3).ts })
    expect(docs[0]!.key).toBe(`penguins/${record(0).ts}/${first.hash.slice(0, 16)}`)
    const text = new TextDecoder().decode(await storage.get(first.hash))
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([0, 1, 2, 3].map((i) => record(i)))

    const all = await readPredictionLog({ metadata, storage, model: 'penguins' })
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => record(i)))
  })

  it('flushes a partial batch after flushIntervalMs without being asked', async () => {
    const log = createPredictionLogWriter({ metadata, storage, batchSize: 500, flushIntervalMs: 20 })
    log.log(record(1))
    log.log(record(2))
    for (let t = 0; t < 100 && log.stats().written < 2; t++) await new Promise((r) => setTimeout(r, 10))
    expect(log.stats()).toMatchObject({ written: 2, queued: 0, batches: 1 })
    expect((await readPredictionLog({ metadata, storage, model: 'penguins' })).map((r) => r.requestId)).toEqual(['req-1', 'req-2'])
    await log.close()
  })

  it('under a steady trickle, a timer tick writes what was queued then, not a tiny batch per arrival', async () => {
    const log = createPredictionLogWriter({ metadata, storage, batchSize: 10_000, flushIntervalMs: 50 })
    const started = Date.now()
    let i = 0
    while (Date.now() - started < 400) {
      log.log(record(i++))
      await new Promise((r) => setTimeout(r, 1))
    }
    await log.close()
    const ticks = Math.ceil((Date.now() - started) / 50)
    expect(log.stats().written).toBe(i)
    expect(i).toBeGreaterThan(50)
    expect(log.stats().batches).toBeLessThanOrEqual(ticks + 1)
  })

  it('log() is synchronous and bounded: a full queue drops and counts; after close() it drops too', async () => {
    const log = createPredictionLogWriter({ metadata, storage, batchSize: 100, maxQueue: 5, flushIntervalMs: 60_000 })
    const accepted = Array.from({ length: 8 }, (_, i) => log.log(record(i)))
    expect(accepted).toEqual([true, true, true, true, true, false, false, false])
    expect(log.stats()).toMatchObject({ logged: 5, dropped: 3, queued: 5, written: 0 })
    await log.close()
    expect(log.stats()).toMatchObject({ logged: 5, dropped: 3, queued: 0, written: 5 })
    expect(log.log(record(9))).toBe(false)
    expect(log.stats().dropped).toBe(4)
  })

  it('a batch that fails once is retried and written; one that fails twice is counted as failed and dropped', async () => {
    let failuresLeft = 1
    const flaky: ArtifactStore = Object.create(storage, {
      put: {
        value: (data: Uint8Array) => {
          if (failuresLeft-- > 0) return Promise.reject(new Error('ENOSPC: no space left on device'))
          return storage.put(data)
        },
      },
    })
    const log = createPredictionLogWriter({ metadata, storage: flaky, batchSize: 3, flushIntervalMs: 60_000, logger: quietLogger })
    for (let i = 0; i < 3; i++) log.log(record(i))
    await log.flush()
    expect(log.stats()).toMatchObject({ written: 3, failures: 0, dropped: 0, batches: 1 })

    // The metadata store goes away (closed): both attempts fail, the writer counts and moves on.
    await metadata.close()
    for (let i = 3; i < 6; i++) log.log(record(i))
    await log.close()
    expect(log.stats()).toMatchObject({ logged: 6, written: 3, failures: 1, dropped: 3, queued: 0 })
  })

  it('keeps up with a burst far larger than a batch, in order', async () => {
    const log = createPredictionLogWriter({ metadata, storage, batchSize: 500, flushIntervalMs: 1000 })
    for (let i = 0; i < 5000; i++) log.log(record(i))
    await log.close()
    expect(log.stats()).toMatchObject({ logged: 5000, written: 5000, batches: 10, dropped: 0 })
    const ids = (await readPredictionLog({ metadata, storage, model: 'penguins' })).map((r) => r.requestId)
    expect(ids).toHaveLength(5000)
    expect(ids[4999]).toBe('req-4999')
    expect(new Set(ids).size).toBe(5000)
  })
})

describe('reading the prediction log', () => {
  async function seed() {
    const log = createPredictionLogWriter({ metadata, storage, deployment: 'dep-a', batchSize: 3, flushIntervalMs: 60_000 })
    for (let i = 0; i < 9; i++) log.log(record(i, i === 4 ? { variant: 'shadow' } : {}))
    log.log(record(100, { model: 'other' }))
    await log.close()
  }

  it('filters by time range, version, variant and deployment, and keeps models apart', async () => {
    await seed()
    const ids = (rs: PredictionRecord[]) => rs.map((r) => r.requestId)
    expect(ids(await readPredictionLog({ metadata, storage, model: 'penguins', since: record(2).ts, until: record(5).ts }))).toEqual(['req-2', 'req-3', 'req-4'])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'penguins', since: new Date(base + 7000) }))).toEqual(['req-7', 'req-8'])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'penguins', version: '2' }))).toEqual(['req-1', 'req-3', 'req-5', 'req-7'])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'penguins', variant: 'shadow' }))).toEqual(['req-4'])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'penguins', deployment: 'elsewhere' }))).toEqual([])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'other' }))).toEqual(['req-100'])
    expect(ids(await readPredictionLog({ metadata, storage, model: 'pengu' }))).toEqual([])
    const batches: number[] = []
    for await (const b of iteratePredictionLog({ metadata, storage, model: 'penguins' })) batches.push(b.length)
    expect(batches).toEqual([3, 3, 3])
  })

  it('rejects a bad time bound with an MlopsError naming it', async () => {
    const error = await readPredictionLog({ metadata, storage, model: 'penguins', since: 'yesterday' }).catch((e: unknown) => e)
    expect(isMlopsError(error) && error.code).toBe('MLOPS_INPUT_INVALID')
    expect((error as Error).message).toContain('since')
  })
})

describe('labels', () => {
  it('stores label batches and reads them back by request id (a later label wins)', async () => {
    const first = await appendLabels({
      metadata,
      storage,
      model: 'penguins',
      labels: [
        { requestId: 'req-1', label: 'Adelie', ts: '2026-03-02T00:00:00.000Z' },
        { requestId: 'req-2', label: 'Gentoo', ts: '2026-03-02T00:00:01.000Z' },
      ],
    })
    expect(first.count).toBe(2)
    await appendLabels({ metadata, storage, model: 'penguins', labels: [{ requestId: 'req-2', label: 'Chinstrap', ts: '2026-03-03T00:00:00.000Z' }] })
    await appendLabels({ metadata, storage, model: 'other', labels: [{ requestId: 'req-1', label: 'x' }] })
    const docs = await metadata.listDocuments(LABEL_BATCHES, { prefix: 'penguins/' })
    expect(docs).toHaveLength(2)
    expect(docs[0]!.key.startsWith('penguins/2026-03-02T00:00:00.000Z/')).toBe(true)
    expect(await readLabels({ metadata, storage, model: 'penguins' })).toEqual(new Map([['req-1', 'Adelie'], ['req-2', 'Chinstrap']]))
    expect(await readLabels({ metadata, storage, model: 'penguins', until: '2026-03-02T12:00:00.000Z' })).toEqual(new Map([['req-1', 'Adelie'], ['req-2', 'Gentoo']]))
    expect(await readLabels({ metadata, storage, model: 'other' })).toEqual(new Map([['req-1', 'x']]))
  })

  it('rejects bad labels before writing anything', async () => {
    for (const labels of [[], [{ requestId: '', label: 1 }], [{ requestId: 'a', label: undefined }], [{ requestId: 'a', label: 1, ts: 'not a time' }]]) {
      const error = await appendLabels({ metadata, storage, model: 'penguins', labels: labels as never }).catch((e: unknown) => e)
      expect(isMlopsError(error) && error.exit).toBe(2)
    }
    expect(await metadata.listDocuments(LABEL_BATCHES)).toEqual([])
  })
})

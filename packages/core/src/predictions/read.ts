import { InputInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactStore, CallOptions, MetadataStore, PredictionRecord } from '../plugin/kinds.js'
import { batchKey, isoTime, PREDICTION_BATCHES, type PredictionBatchDoc } from './prediction-log.js'

/** Metadata collection indexing label batches: key `<model>/<first ts ISO>/<hash prefix>`. */
export const LABEL_BATCHES = 'label-batches'

/** The index document of one batch of labels (a JSON Lines artifact of `LabelRecord`s). */
export interface LabelBatchDoc {
  hash: string
  count: number
  model: string
  from: string
  to: string
}

/** A ground-truth label that arrived for a logged prediction, joined to it by request id. */
export interface LabelRecord {
  requestId: string
  label: unknown
  /** ISO time the label was observed (default: when it was appended). */
  ts: string
}

export interface PredictionLogQuery extends CallOptions {
  metadata: MetadataStore
  storage: ArtifactStore
  model: string
  /** Records at or after this time (ISO string or Date). */
  since?: string | Date
  /** Records before this time (exclusive). */
  until?: string | Date
  /** Only records answered (or shadowed) by this version. */
  version?: string
  /** Only records of this variant (`primary`, `canary`, `shadow`). */
  variant?: PredictionRecord['variant']
  /** Only records of this deployment. */
  deployment?: string
}

const decoder = new TextDecoder()

function bound(value: string | Date | undefined, where: string): string | undefined {
  if (value === undefined) return undefined
  const ms = value instanceof Date ? value.getTime() : Date.parse(value)
  if (!Number.isFinite(ms)) throw mlopsError(InputInvalid, [where, `expected an ISO time or a Date, got ${JSON.stringify(String(value))}`])
  return new Date(ms).toISOString()
}

function* jsonLines(bytes: Uint8Array, where: string): Generator<unknown> {
  const text = decoder.decode(bytes)
  let start = 0
  let line = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    line++
    if (end > start) {
      try {
        yield JSON.parse(text.slice(start, end))
      } catch (error) {
        throw mlopsError(InputInvalid, [`${where} line ${line}`, `not valid JSON (${error instanceof Error ? error.message : String(error)})`], { cause: error })
      }
    }
    start = end + 1
  }
}

/**
 * The logged predictions of a model, batch by batch in time order of the batches (records inside a
 * batch are in the order they were logged). Reads only the batches whose time range overlaps the query.
 */
export async function* iteratePredictionLog(query: PredictionLogQuery): AsyncGenerator<PredictionRecord[]> {
  const since = bound(query.since, 'since')
  const until = bound(query.until, 'until')
  const docs = await query.metadata.listDocuments(PREDICTION_BATCHES, { prefix: `${query.model}/` })
  for (const doc of docs) {
    query.signal?.throwIfAborted()
    const batch = doc.value as PredictionBatchDoc
    if (since !== undefined && batch.to < since) continue
    if (until !== undefined && batch.from >= until) continue
    if (query.version !== undefined && !batch.versions.includes(query.version)) continue
    if (query.deployment !== undefined && batch.deployment !== query.deployment) continue
    const bytes = await query.storage.get(batch.hash, query.signal ? { signal: query.signal } : {})
    const out: PredictionRecord[] = []
    for (const value of jsonLines(bytes, `${PREDICTION_BATCHES}/${doc.key} (${query.storage.describe(batch.hash)})`)) {
      const r = value as PredictionRecord
      if (r.model !== query.model) continue
      if (query.version !== undefined && r.version !== query.version) continue
      if (query.variant !== undefined && r.variant !== query.variant) continue
      if (query.deployment !== undefined && r.deployment !== query.deployment) continue
      if (since !== undefined || until !== undefined) {
        const ts = isoTime(r.ts)
        if (since !== undefined && ts < since) continue
        if (until !== undefined && ts >= until) continue
      }
      out.push(r)
    }
    if (out.length > 0) yield out
  }
}

/** All logged predictions of a model matching the query, sorted by time (`ts`). */
export async function readPredictionLog(query: PredictionLogQuery): Promise<PredictionRecord[]> {
  const all: PredictionRecord[] = []
  for await (const batch of iteratePredictionLog(query)) for (const r of batch) all.push(r)
  const keyed = all.map((r, i) => ({ r, i, ts: isoTime(r.ts) }))
  keyed.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.i - b.i))
  return keyed.map((k) => k.r)
}

export interface AppendLabelsOptions extends CallOptions {
  metadata: MetadataStore
  storage: ArtifactStore
  model: string
  labels: readonly { requestId: string; label: unknown; ts?: string }[]
}

/**
 * Stores labels that arrived for logged predictions (joined by request id): one JSON Lines artifact
 * and one `label-batches` document, committed together. Bad input (an empty or non-string request id,
 * a missing label, a bad time) is rejected before anything is written.
 */
export async function appendLabels(options: AppendLabelsOptions): Promise<{ hash: string; count: number; key: string }> {
  const { metadata, storage, model, labels } = options
  if (typeof model !== 'string' || model === '' || model.includes('/')) {
    throw mlopsError(InputInvalid, ['appendLabels: model', `expected a registered model name, got ${JSON.stringify(model)}`])
  }
  if (!Array.isArray(labels) || labels.length === 0) throw mlopsError(InputInvalid, ['appendLabels: labels', 'expected a non-empty array of { requestId, label, ts? }'])
  const now = new Date().toISOString()
  const records: LabelRecord[] = []
  labels.forEach((l, i) => {
    const where = `appendLabels: labels[${i}]`
    if (typeof l !== 'object' || l === null) throw mlopsError(InputInvalid, [where, 'expected an object { requestId, label, ts? }'])
    if (typeof l.requestId !== 'string' || l.requestId === '') throw mlopsError(InputInvalid, [`${where}.requestId`, `expected a non-empty string, got ${JSON.stringify(l.requestId)}`])
    if (l.label === undefined) throw mlopsError(InputInvalid, [`${where}.label`, 'is missing (use null for "no label")'])
    const ts = l.ts === undefined ? now : bound(l.ts, `${where}.ts`)!
    records.push({ requestId: l.requestId, label: l.label, ts })
  })
  let from = records[0]!.ts
  let to = from
  let text = ''
  for (const r of records) {
    if (r.ts < from) from = r.ts
    if (r.ts > to) to = r.ts
    text += `${JSON.stringify(r)}\n`
  }
  const stored = await storage.put(new TextEncoder().encode(text), options.signal ? { signal: options.signal } : {})
  const key = batchKey(model, from, stored.hash)
  const value: LabelBatchDoc = { hash: stored.hash, count: records.length, model, from, to }
  await metadata.commit({ writes: [{ collection: LABEL_BATCHES, key, value }] })
  return { hash: stored.hash, count: records.length, key }
}

export interface ReadLabelsOptions extends CallOptions {
  metadata: MetadataStore
  storage: ArtifactStore
  model: string
  /** Labels observed at or after this time. */
  since?: string | Date
  /** Labels observed before this time (exclusive). */
  until?: string | Date
}

/** The labels of a model: request id → label (when a request was labelled twice, the later label wins). */
export async function readLabels(options: ReadLabelsOptions): Promise<Map<string, unknown>> {
  const since = bound(options.since, 'since')
  const until = bound(options.until, 'until')
  const docs = await options.metadata.listDocuments(LABEL_BATCHES, { prefix: `${options.model}/` })
  const latest = new Map<string, LabelRecord>()
  for (const doc of docs) {
    options.signal?.throwIfAborted()
    const batch = doc.value as LabelBatchDoc
    if (since !== undefined && batch.to < since) continue
    if (until !== undefined && batch.from >= until) continue
    const bytes = await options.storage.get(batch.hash, options.signal ? { signal: options.signal } : {})
    for (const value of jsonLines(bytes, `${LABEL_BATCHES}/${doc.key}`)) {
      const r = value as LabelRecord
      if (since !== undefined && r.ts < since) continue
      if (until !== undefined && r.ts >= until) continue
      const prev = latest.get(r.requestId)
      if (!prev || prev.ts <= r.ts) latest.set(r.requestId, r)
    }
  }
  const out = new Map<string, unknown>()
  for (const [id, r] of latest) out.set(id, r.label)
  return out
}

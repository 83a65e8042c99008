import { sha256Hex } from '../util/hash.js'
import type { ArtifactStore, DocumentWrite, Logger, MetadataStore, PredictionLogStats, PredictionLogWriter, PredictionRecord } from '../plugin/kinds.js'

/** Metadata collection indexing the prediction log's batches: key `<model>/<first ts ISO>/<hash prefix>`. */
export const PREDICTION_BATCHES = 'prediction-batches'

/** The index document of one batch of logged predictions (a JSON Lines artifact). */
export interface PredictionBatchDoc {
  /** Content hash of the JSON Lines artifact holding the batch. */
  hash: string
  count: number
  model: string
  /** The model versions that answered (or shadowed) in this batch. */
  versions: string[]
  deployment: string | null
  /** Earliest and latest record time (ISO) in the batch. */
  from: string
  to: string
}

export interface PredictionLogWriterOptions {
  metadata: MetadataStore
  storage: ArtifactStore
  /** The deployment the predictions come from (recorded on every batch). */
  deployment?: string
  /** Records per batch (default 500): a full batch is written at once. */
  batchSize?: number
  /** A partial batch is written after this long (default 1000 ms). */
  flushIntervalMs?: number
  /** Records held in memory at most (default 10,000); past that `log` drops and counts. */
  maxQueue?: number
  /**
   * Batches written at once (default 4): a durable put waits for fsync, so a busy server keeps several
   * in flight. Each batch has its own index document, keyed by its first record's time.
   */
  maxConcurrentWrites?: number
  logger?: Logger
}

const encoder = new TextEncoder()

/** The ISO form of a record time, for keys that sort in time order (`2026-01-02T03:04:05.678Z`). */
export function isoTime(ts: string): string {
  // Already canonical (what `new Date().toISOString()` gives): skip the parse, it runs once per record.
  if (ts.length === 24 && ts.charCodeAt(23) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */ && ts.charCodeAt(19) === 46 /* . */) return ts
  const ms = Date.parse(ts)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ts
}

/** `<model>/<first ts>/<first 16 hex of the hash>`: byte order = time order within a model. */
export function batchKey(model: string, firstTs: string, hash: string): string {
  return `${model}/${firstTs}/${hash.slice(0, 16)}`
}

/**
 * The prediction log of a deployment. `log` only pushes onto a bounded queue (it never blocks, awaits
 * or throws); a background flusher writes full batches at once and partial ones every
 * `flushIntervalMs`, up to `maxConcurrentWrites` batches at a time. A batch is one JSON Lines
 * artifact per model (content-addressed) plus one index document per model, committed together. A
 * failed write is retried once; then its records count as `failures`/`dropped` and the flusher moves on.
 */
export function createPredictionLogWriter(options: PredictionLogWriterOptions): PredictionLogWriter {
  const { metadata, storage, logger } = options
  const deployment = options.deployment ?? null
  const batchSize = Math.max(1, options.batchSize ?? 500)
  const flushIntervalMs = Math.max(1, options.flushIntervalMs ?? 1000)
  const maxQueue = Math.max(1, options.maxQueue ?? 10_000)
  const maxConcurrentWrites = Math.max(1, options.maxConcurrentWrites ?? 4)

  let queue: PredictionRecord[] = []
  let closed = false
  let flushing: Promise<void> | undefined
  let scheduled = false
  const stats: PredictionLogStats = { logged: 0, dropped: 0, written: 0, queued: 0, batches: 0, failures: 0 }

  const timer = setInterval(() => {
    if (queue.length > 0) void drain(true)
  }, flushIntervalMs)
  timer.unref()

  async function writeBatch(records: PredictionRecord[]): Promise<void> {
    // Group by model: a batch document indexes one model's records (monitors read by model).
    const byModel = new Map<string, PredictionRecord[]>()
    for (const r of records) {
      const list = byModel.get(r.model)
      if (list) list.push(r)
      else byModel.set(r.model, [r])
    }
    const writes: DocumentWrite[] = []
    for (const [model, list] of byModel) {
      let text = ''
      let from = ''
      let to = ''
      const versions = new Set<string>()
      for (const r of list) {
        text += `${JSON.stringify(r)}\n`
        const ts = isoTime(r.ts)
        if (from === '' || ts < from) from = ts
        if (to === '' || ts > to) to = ts
        versions.add(r.version)
      }
      const stored = await storage.put(encoder.encode(text))
      const value: PredictionBatchDoc = { hash: stored.hash, count: list.length, model, versions: [...versions].sort(), deployment, from, to }
      writes.push({ collection: PREDICTION_BATCHES, key: batchKey(model, from, stored.hash), value })
    }
    await metadata.commit({ writes })
  }

  async function flushOne(records: PredictionRecord[]): Promise<void> {
    try {
      await writeBatch(records)
    } catch (first) {
      logger?.warn('prediction log: writing a batch failed; retrying once', { count: records.length, reason: first instanceof Error ? first.message : String(first) })
      try {
        await writeBatch(records)
      } catch (second) {
        stats.failures += 1
        stats.dropped += records.length
        logger?.error('prediction log: a batch could not be written and was dropped', {
          count: records.length,
          reason: second instanceof Error ? second.message : String(second),
        })
        return
      }
    }
    stats.written += records.length
    stats.batches += 1
  }

  /**
   * Writes full batches, and with `partial` also the rest of the queue; one drain at a time. Between
   * timer ticks only full batches are written, so a busy server pays one store write per `batchSize`
   * records instead of one per event-loop turn.
   */
  function drain(partial: boolean): Promise<void> {
    flushing ??= (async () => {
      // Start on a later tick, so `finally` never runs before `flushing` is assigned.
      await Promise.resolve()
      const writing = new Set<Promise<void>>()
      // A partial drain owes only what was queued when it was asked for: under steady traffic it would
      // otherwise keep writing whatever trickled in meanwhile, as many tiny batches.
      let owed = partial ? queue.length : 0
      const ready = () => queue.length >= batchSize || (owed > 0 && queue.length > 0)
      try {
        while (ready() || writing.size > 0) {
          if (writing.size < maxConcurrentWrites && ready()) {
            const batch = queue.length <= batchSize ? queue : queue.slice(0, batchSize)
            queue = queue.length <= batchSize ? [] : queue.slice(batchSize)
            owed -= batch.length
            // flushOne never rejects: a failure is counted there.
            const write: Promise<void> = flushOne(batch).finally(() => writing.delete(write))
            writing.add(write)
          } else await Promise.race(writing)
        }
      } finally {
        flushing = undefined
      }
    })()
    return flushing
  }

  const writer: PredictionLogWriter = {
    log(record) {
      if (closed || queue.length >= maxQueue) {
        stats.dropped += 1
        return false
      }
      queue.push(record)
      stats.logged += 1
      if (queue.length >= batchSize && !scheduled && flushing === undefined) {
        scheduled = true
        setImmediate(() => {
          scheduled = false
          void drain(false)
        })
      }
      return true
    },
    stats: () => ({ ...stats, queued: queue.length }),
    async flush() {
      // Let a running drain finish, then write everything queued now.
      while (flushing !== undefined) await flushing
      await drain(true)
    },
    async close() {
      closed = true
      clearInterval(timer)
      await writer.flush()
    },
  }
  return writer
}

import { randomUUID } from 'node:crypto'
import { access, constants, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  COMPLETION_STATUSES,
  encodeField,
  errors,
  invalidInput,
  limitOf,
  mlopsError,
  OUTBOX_STATUSES,
  RUN_STATUSES,
  STEP_STATUSES,
} from '@mlops/core'
import type {
  ArtifactRecord,
  CommitRequest,
  ContentHash,
  DocumentRecord,
  EventRecord,
  HealthCheckResult,
  ListRunsQuery,
  MetadataStore,
  MetricRecord,
  OutboxItem,
  OutboxSettlement,
  OutboxStatus,
  RunRecord,
  StepCompletion,
  StepIoRecord,
  StepRecord,
} from '@mlops/core'

/** What the JSON file holds (`format` and `version` let a later release migrate it). */
interface FileData {
  format: typeof FORMAT
  version: number
  /** The last event seq handed out (events are never deleted, but the counter is kept anyway). */
  seq: number
  runs: RunRecord[]
  /** In the order steps were first recorded. */
  steps: StepRecord[]
  artifacts: ArtifactRecord[]
  /** In the order the edges were recorded. */
  stepIo: StepIoRecord[]
  metrics: MetricRecord[]
  events: EventRecord[]
  documents: DocumentRecord[]
  /** In enqueue order. */
  outbox: OutboxItem[]
}

const FORMAT = 'mlops-metadata-json'
const VERSION = 1
/** How many problems of one kind `checkIntegrity` lists before summarising. */
const PROBLEMS_PER_CHECK = 20

type RunPatch = Partial<Omit<RunRecord, 'id'>>

/** updateRun's patchable fields, each with its check (which returns the value to store). */
const RUN_PATCH: { [K in keyof RunPatch]-?: (value: unknown, field: string) => unknown } = {
  pipeline: encodeField.text,
  status: (v, f) => encodeField.oneOf(v, RUN_STATUSES, f),
  params: (v, f) => parsed(encodeField.json(v, f)),
  codeVersion: encodeField.text,
  environment: (v, f) => parsed(encodeField.json(v, f)),
  pid: encodeField.integerOrNull,
  hostname: encodeField.textOrNull,
  startedAt: encodeField.text,
  finishedAt: encodeField.textOrNull,
  error: (v, f) => parsed(encodeField.jsonOrNull(v, f)),
  resumeCount: encodeField.integer,
}

/**
 * One write at a time per file in this process: every instance on the same path (a store and its
 * reopened twin) shares the queue, so each method runs alone from its first read to its rename.
 */
const queues = new Map<string, Promise<unknown>>()

function enqueue<T>(path: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve()
  const result = previous.then(task, task)
  const tail = result.then(
    () => undefined,
    () => undefined,
  )
  queues.set(path, tail)
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path)
  })
  return result
}

/**
 * A metadata store kept in memory and saved to one JSON file after every write (a temp file, fsynced,
 * then renamed over the old one: the file always holds the state after some complete method). Each
 * method is atomic: it checks everything first and changes memory only when nothing can fail, and a
 * failed save makes the next call reload the last good file.
 *
 * Instances on the same file in one process take turns through a shared queue and reload the file
 * when another instance replaced it, so none loses a write. Several *processes* writing at the same
 * time are not coordinated (the last rename wins): use one process at a time, or a database-backed
 * store (`@mlops/metadata-sqlite`, `@mlops/metadata-postgres`) for that. Every write rewrites the whole
 * file, so the store suits small projects and tests.
 */
export class JsonFileMetadataStore implements MetadataStore {
  readonly scope = 'local' as const
  /** The JSON file (absolute). */
  readonly path: string
  readonly #fsync: boolean
  #closed = false
  /** Identity of the file as this instance last read or wrote it; another value means it changed. */
  #seen: string | undefined
  /** Memory may differ from the file (a save failed): reload before the next call. */
  #stale = true

  #seq = 0
  #runs = new Map<string, RunRecord>()
  /** Keyed by `runId\0stepId`; Map order is the order steps were first recorded (set() keeps it). */
  #steps = new Map<string, StepRecord>()
  #artifacts = new Map<string, ArtifactRecord>()
  #stepIo: StepIoRecord[] = []
  #metrics: MetricRecord[] = []
  #events: EventRecord[] = []
  #eventIds = new Set<string>()
  /** Keyed by `collection\0key`. */
  #documents = new Map<string, DocumentRecord>()
  /** Map order is enqueue order. */
  #outbox = new Map<string, OutboxItem>()

  private constructor(path: string, fsync: boolean) {
    this.path = path
    this.#fsync = fsync
  }

  /**
   * Opens the store in the JSON file at `path`, creating its folder (the file itself is written on the
   * first write). `fsync: false` skips the flush to disk per write: faster, and a power cut may lose
   * the last writes (the file is never left half-written either way).
   */
  static async open(path: string, options: { fsync?: boolean } = {}): Promise<JsonFileMetadataStore> {
    const store = new JsonFileMetadataStore(resolve(path), options.fsync ?? true)
    await mkdir(dirname(store.path), { recursive: true })
    await store.#read('open', async () => undefined) // fails now on a file that is not a metadata store
    return store
  }

  // -- runs -------------------------------------------------------------------------------------

  async createRun(run: RunRecord): Promise<void> {
    const record: RunRecord = {
      id: encodeField.text(run.id, 'run.id'),
      pipeline: encodeField.text(run.pipeline, 'run.pipeline'),
      status: encodeField.oneOf(run.status, RUN_STATUSES, 'run.status'),
      params: parsed(encodeField.json(run.params, 'run.params')),
      codeVersion: encodeField.text(run.codeVersion, 'run.codeVersion'),
      environment: parsed(encodeField.json(run.environment, 'run.environment')),
      pid: encodeField.integerOrNull(run.pid, 'run.pid'),
      hostname: encodeField.textOrNull(run.hostname, 'run.hostname'),
      startedAt: encodeField.text(run.startedAt, 'run.startedAt'),
      finishedAt: encodeField.textOrNull(run.finishedAt, 'run.finishedAt'),
      error: parsed(encodeField.jsonOrNull(run.error, 'run.error')),
      resumeCount: encodeField.integer(run.resumeCount, 'run.resumeCount'),
    }
    await this.#write(`createRun(${run.id})`, () => {
      if (this.#runs.has(record.id)) throw invalidInput(`createRun(${record.id})`, 'a run with this id already exists; run ids must be unique')
      this.#runs.set(record.id, record)
    })
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const where = `updateRun(${id})`
    const changes: [string, unknown][] = []
    for (const [field, value] of Object.entries(patch ?? {})) {
      if (value === undefined) continue // an absent field, as `{ ...a, b: undefined }` produces
      const check = Object.hasOwn(RUN_PATCH, field) ? RUN_PATCH[field as keyof RunPatch] : undefined
      if (!check) throw invalidInput(`${where}.${field}`, `not a field of a run that can be updated (${Object.keys(RUN_PATCH).join(', ')})`)
      changes.push([field, check(value, `${where}.${field}`)])
    }
    await this.#write(where, () => {
      const run = this.#runs.get(id)
      if (!run) throw mlopsError(errors.RunNotFound, [String(id)])
      this.#runs.set(id, { ...run, ...Object.fromEntries(changes) })
    })
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#read('getRun', async () => copy(this.#runs.get(id)))
  }

  async findRuns(prefix: string): Promise<RunRecord[]> {
    const text = encodeField.text(prefix, 'findRuns(prefix)')
    return this.#read('findRuns', async () => copy([...this.#runs.values()].filter((r) => r.id.startsWith(text)).sort(newestFirst)))
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const limit = limitOf(query.limit, 'listRuns')
    const pipeline = query.pipeline === undefined ? undefined : encodeField.text(query.pipeline, 'listRuns.pipeline')
    const status = query.status === undefined ? undefined : encodeField.oneOf(query.status, RUN_STATUSES, 'listRuns.status')
    return this.#read('listRuns', async () => {
      const runs = [...this.#runs.values()].filter((r) => (pipeline === undefined || r.pipeline === pipeline) && (status === undefined || r.status === status))
      return copy(runs.sort(newestFirst).slice(0, limit))
    })
  }

  // -- steps, artifacts, lineage, metrics --------------------------------------------------------

  async upsertStep(step: StepRecord): Promise<void> {
    const record: StepRecord = {
      runId: encodeField.text(step.runId, 'step.runId'),
      stepId: encodeField.text(step.stepId, 'step.stepId'),
      stepName: encodeField.text(step.stepName, 'step.stepName'),
      status: encodeField.oneOf(step.status, STEP_STATUSES, 'step.status'),
      cacheKey: encodeField.text(step.cacheKey, 'step.cacheKey'),
      codeVersion: encodeField.text(step.codeVersion, 'step.codeVersion'),
      params: parsed(encodeField.json(step.params, 'step.params')),
      attempts: encodeField.integer(step.attempts, 'step.attempts'),
      startedAt: encodeField.textOrNull(step.startedAt, 'step.startedAt'),
      finishedAt: encodeField.textOrNull(step.finishedAt, 'step.finishedAt'),
      durationMs: encodeField.finiteOrNull(step.durationMs, 'step.durationMs'),
      cachedFromRunId: encodeField.textOrNull(step.cachedFromRunId, 'step.cachedFromRunId'),
      error: parsed(encodeField.jsonOrNull(step.error, 'step.error')),
    }
    await this.#write(`upsertStep(${record.runId}, ${record.stepId})`, () => {
      if (!this.#runs.has(record.runId)) throw mlopsError(errors.RunNotFound, [record.runId])
      this.#steps.set(stepKey(record.runId, record.stepId), record)
    })
  }

  async completeStep(runId: string, stepId: string, completion: StepCompletion): Promise<void> {
    const where = `completeStep(${runId}, ${stepId})`
    const status = encodeField.oneOf(completion.status, COMPLETION_STATUSES, `${where}.status`)
    const finishedAt = encodeField.text(completion.finishedAt, `${where}.finishedAt`)
    const durationMs = encodeField.finite(completion.durationMs, `${where}.durationMs`)
    const attempts = encodeField.integer(completion.attempts, `${where}.attempts`)
    const cachedFromRunId = encodeField.textOrNull(completion.cachedFromRunId ?? null, `${where}.cachedFromRunId`)
    const artifacts = list(completion.artifacts, `${where}.artifacts`).map((a, i): ArtifactRecord => {
      const field = `${where}.artifacts[${i}]`
      return {
        hash: encodeField.hash(a.hash),
        kind: encodeField.text(a.kind, `${field}.kind`),
        size: encodeField.integer(a.size, `${field}.size`),
        mediaType: encodeField.text(a.mediaType, `${field}.mediaType`),
        createdAt: encodeField.text(a.createdAt, `${field}.createdAt`),
        meta: parsed(encodeField.json(a.meta, `${field}.meta`)),
      }
    })
    const edges = [
      ...list(completion.inputs, `${where}.inputs`).map((e, i) => ({ direction: 'input' as const, name: encodeField.text(e.name, `${where}.inputs[${i}].name`), hash: encodeField.hash(e.hash) })),
      ...list(completion.outputs, `${where}.outputs`).map((e, i) => ({ direction: 'output' as const, name: encodeField.text(e.name, `${where}.outputs[${i}].name`), hash: encodeField.hash(e.hash) })),
    ]
    const metrics = list(completion.metrics, `${where}.metrics`).map((m, i) => ({
      key: encodeField.text(m.key, `${where}.metrics[${i}].key`),
      value: encodeField.finite(m.value, `${where}.metrics[${i}] (${String(m.key)})`),
    }))

    await this.#write(where, () => {
      if (!this.#runs.has(runId)) throw mlopsError(errors.RunNotFound, [String(runId)])
      const step = this.#steps.get(stepKey(runId, stepId))
      if (!step) throw invalidInput(where, `run ${runId} has no step "${stepId}"; record it with upsertStep() before completing it`)
      const recorded = new Set(artifacts.map((a) => a.hash))
      for (const edge of edges) {
        if (!this.#artifacts.has(edge.hash) && !recorded.has(edge.hash)) {
          throw invalidInput(`${where}.${edge.direction}s.${edge.name}`, `artifact ${edge.hash} is not recorded; list it in \`artifacts\` of the step that produced it`)
        }
      }
      // Every check passed: change memory. An artifact already recorded keeps its first description.
      for (const artifact of artifacts) if (!this.#artifacts.has(artifact.hash)) this.#artifacts.set(artifact.hash, artifact)
      // Replace rather than append: a completion retried after a crash must not duplicate edges or metrics.
      this.#stepIo = this.#stepIo.filter((e) => e.runId !== runId || e.stepId !== stepId)
      this.#metrics = this.#metrics.filter((m) => m.runId !== runId || m.stepId !== stepId)
      for (const edge of edges) this.#stepIo.push({ runId, stepId, ...edge })
      for (const metric of metrics) this.#metrics.push({ runId, stepId, ...metric, recordedAt: finishedAt })
      this.#steps.set(stepKey(runId, stepId), { ...step, status, finishedAt, durationMs, attempts, cachedFromRunId, error: null })
    })
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    return this.#read('listSteps', async () => copy([...this.#steps.values()].filter((s) => s.runId === runId)))
  }

  async getArtifact(hash: ContentHash): Promise<ArtifactRecord | undefined> {
    return this.#read('getArtifact', async () => copy(this.#artifacts.get(String(hash))))
  }

  async findArtifacts(hashPrefix: string): Promise<ArtifactRecord[]> {
    const prefix = encodeField.text(hashPrefix, 'findArtifacts(hashPrefix)')
    return this.#read('findArtifacts', async () =>
      copy([...this.#artifacts.values()].filter((a) => a.hash.startsWith(prefix)).sort((a, b) => byteOrder(a.hash, b.hash))),
    )
  }

  async listStepIo(runId: string): Promise<StepIoRecord[]> {
    return this.#read('listStepIo', async () => copy(this.#stepIo.filter((e) => e.runId === runId)))
  }

  async findProducers(hash: ContentHash): Promise<StepIoRecord[]> {
    return this.#read('findProducers', async () => {
      // Ordered by when the producing step finished (null first, as SQL sorts it), then by recording order.
      const producers = this.#stepIo
        .map((edge, ord) => ({ edge, ord, step: this.#steps.get(stepKey(edge.runId, edge.stepId)) }))
        .filter((p) => p.step !== undefined && p.edge.hash === String(hash) && p.edge.direction === 'output')
      producers.sort((a, b) => nullsFirst(a.step!.finishedAt, b.step!.finishedAt) || a.ord - b.ord)
      return copy(producers.map((p) => p.edge))
    })
  }

  async findCachedOutputs(cacheKey: string): Promise<{ runId: string; stepId: string; outputs: { name: string; hash: ContentHash }[] } | undefined> {
    const key = encodeField.text(cacheKey, 'findCachedOutputs(cacheKey)')
    return this.#read('findCachedOutputs', async () => {
      let hit: { step: StepRecord; ord: number } | undefined
      let ord = 0
      for (const step of this.#steps.values()) {
        // The most recent succeeded (not cached) step: latest finishedAt, then the last recorded.
        if (step.cacheKey === key && step.status === 'succeeded') {
          if (!hit || nullsFirst(step.finishedAt, hit.step.finishedAt) >= 0) hit = { step, ord }
        }
        ord++
      }
      if (!hit) return undefined
      const { runId, stepId } = hit.step
      const outputs = this.#stepIo.filter((e) => e.runId === runId && e.stepId === stepId && e.direction === 'output').map((e) => ({ name: e.name, hash: e.hash }))
      return { runId, stepId, outputs }
    })
  }

  async listMetrics(runId: string): Promise<MetricRecord[]> {
    return this.#read('listMetrics', async () => copy(this.#metrics.filter((m) => m.runId === runId)))
  }

  // -- events ------------------------------------------------------------------------------------

  async appendEvent(event: Omit<EventRecord, 'seq'>): Promise<void> {
    const record = checkEvent(event, 'event')
    await this.#write(`appendEvent(${record.id})`, () => this.#addEvent(record))
  }

  async listEvents(query: { afterSeq?: number; type?: string; limit?: number } = {}): Promise<EventRecord[]> {
    const limit = limitOf(query.limit, 'listEvents')
    const afterSeq = query.afterSeq === undefined ? 0 : encodeField.integer(query.afterSeq, 'listEvents.afterSeq')
    const type = query.type === undefined ? undefined : encodeField.text(query.type, 'listEvents.type')
    return this.#read('listEvents', async () => copy(this.#events.filter((e) => e.seq > afterSeq && (type === undefined || e.type === type)).slice(0, limit)))
  }

  // -- documents ---------------------------------------------------------------------------------

  async getDocument(collection: string, key: string): Promise<DocumentRecord | undefined> {
    const c = encodeField.text(collection, 'getDocument.collection')
    const k = encodeField.text(key, 'getDocument.key')
    return this.#read('getDocument', async () => copy(this.#documents.get(documentKey(c, k))))
  }

  async listDocuments(collection: string, query: { prefix?: string; limit?: number } = {}): Promise<DocumentRecord[]> {
    const limit = limitOf(query.limit, 'listDocuments')
    const prefix = query.prefix === undefined ? '' : encodeField.text(query.prefix, 'listDocuments.prefix')
    const c = encodeField.text(collection, 'listDocuments.collection')
    return this.#read('listDocuments', async () => {
      const docs = [...this.#documents.values()].filter((d) => d.collection === c && d.key.startsWith(prefix))
      // Byte order of the UTF-8 keys, as every backend sorts them.
      return copy(docs.sort((a, b) => byteOrder(a.key, b.key)).slice(0, limit))
    })
  }

  async commit(change: CommitRequest): Promise<void> {
    if (typeof change !== 'object' || change === null) throw invalidInput('commit', 'expected an object with writes, events and outbox')
    const writes = list(change.writes, 'commit.writes').map((w, i) => {
      const field = `commit.writes[${i}]`
      if (typeof w !== 'object' || w === null) throw invalidInput(field, 'expected an object')
      const value = w.value === null ? null : parsed(encodeField.jsonValue(w.value, `${field}.value`))
      const expected = w.expectedRevision === undefined ? undefined : encodeField.integer(w.expectedRevision, `${field}.expectedRevision`)
      return { collection: encodeField.text(w.collection, `${field}.collection`), key: encodeField.text(w.key, `${field}.key`), value, expected }
    })
    const events = list(change.events, 'commit.events').map((e, i) => checkEvent(e, `commit.events[${i}]`))
    const outbox = list(change.outbox, 'commit.outbox').map((o, i): OutboxItem => {
      const field = `commit.outbox[${i}]`
      if (typeof o !== 'object' || o === null) throw invalidInput(field, 'expected an object')
      const createdAt = encodeField.text(o.createdAt, `${field}.createdAt`)
      return {
        id: encodeField.text(o.id, `${field}.id`),
        channel: encodeField.text(o.channel, `${field}.channel`),
        eventId: encodeField.text(o.eventId, `${field}.eventId`),
        payload: parsed(encodeField.json(o.payload, `${field}.payload`)),
        status: 'pending',
        attempts: 0,
        availableAt: o.availableAt === undefined ? createdAt : encodeField.text(o.availableAt, `${field}.availableAt`),
        lastError: null,
        createdAt,
        deliveredAt: null,
      }
    })
    const now = new Date().toISOString()
    await this.#write('commit', () => {
      // Check every revision first (several writes to one document apply in order), then apply.
      const revisions = new Map<string, number>()
      for (const w of writes) {
        const id = documentKey(w.collection, w.key)
        const revision = revisions.get(id) ?? this.#documents.get(id)?.revision ?? 0
        if (w.expected !== undefined && w.expected !== revision) {
          throw mlopsError(errors.WriteConflict, [
            `${w.collection}/${w.key}`,
            `expected revision ${w.expected}${w.expected === 0 ? ' (absent)' : ''}, found ${revision}${revision === 0 ? ' (absent)' : ''}`,
          ])
        }
        revisions.set(id, w.value === null ? 0 : revision + 1)
      }
      for (const w of writes) {
        const id = documentKey(w.collection, w.key)
        if (w.value === null) {
          this.#documents.delete(id)
        } else {
          const revision = (this.#documents.get(id)?.revision ?? 0) + 1
          this.#documents.set(id, { collection: w.collection, key: w.key, value: w.value, revision, updatedAt: now })
        }
      }
      for (const event of events) this.#addEvent(event)
      for (const item of outbox) if (!this.#outbox.has(item.id)) this.#outbox.set(item.id, item)
    })
  }

  // -- outbox ------------------------------------------------------------------------------------

  async claimOutbox(query: { now: string; leaseMs: number; limit: number; channels?: string[] }): Promise<OutboxItem[]> {
    const now = encodeField.text(query.now, 'claimOutbox.now')
    const nowMs = Date.parse(now)
    if (Number.isNaN(nowMs)) throw invalidInput('claimOutbox.now', `expected an ISO time, got ${JSON.stringify(now)}`)
    const leaseMs = encodeField.integer(query.leaseMs, 'claimOutbox.leaseMs')
    const limit = limitOf(query.limit, 'claimOutbox') ?? 1
    const channels = query.channels === undefined ? undefined : list(query.channels, 'claimOutbox.channels').map((c, i) => encodeField.text(c, `claimOutbox.channels[${i}]`))
    const until = new Date(nowMs + leaseMs).toISOString()
    return this.#write('claimOutbox', () => {
      const due = [...this.#outbox.values()]
        .map((item, ord) => ({ item, ord }))
        .filter(({ item }) => item.status === 'pending' && byteOrder(item.availableAt, now) <= 0 && (channels === undefined || channels.includes(item.channel)))
        .sort((a, b) => byteOrder(a.item.availableAt, b.item.availableAt) || a.ord - b.ord)
        .slice(0, limit)
      const claimed = due.map(({ item }) => ({ ...item, attempts: item.attempts + 1, availableAt: until }))
      for (const item of claimed) this.#outbox.set(item.id, item)
      return copy(claimed)
    })
  }

  async settleOutbox(id: string, outcome: OutboxSettlement): Promise<void> {
    encodeField.text(id, 'settleOutbox.id')
    if (typeof outcome !== 'object' || outcome === null) throw invalidInput(`settleOutbox(${id})`, 'expected an outcome: { delivered: true, at } or { delivered: false, error, retryAt }')
    const change: Partial<OutboxItem> = outcome.delivered
      ? { status: 'delivered', deliveredAt: encodeField.text(outcome.at, 'settleOutbox.at'), lastError: null }
      : outcome.retryAt === null
        ? { status: 'dead', lastError: encodeField.text(outcome.error, 'settleOutbox.error') }
        : { status: 'pending', availableAt: encodeField.text(outcome.retryAt, 'settleOutbox.retryAt'), lastError: encodeField.text(outcome.error, 'settleOutbox.error') }
    await this.#write(`settleOutbox(${id})`, () => {
      const item = this.#outbox.get(id)
      if (!item) throw invalidInput(`settleOutbox(${id})`, 'no outbox item has this id')
      this.#outbox.set(id, { ...item, ...change })
    })
  }

  async listOutbox(query: { status?: OutboxStatus; channel?: string; limit?: number } = {}): Promise<OutboxItem[]> {
    const limit = limitOf(query.limit, 'listOutbox')
    const status = query.status === undefined ? undefined : encodeField.oneOf(query.status, OUTBOX_STATUSES, 'listOutbox.status')
    const channel = query.channel === undefined ? undefined : encodeField.text(query.channel, 'listOutbox.channel')
    return this.#read('listOutbox', async () =>
      copy([...this.#outbox.values()].filter((o) => (status === undefined || o.status === status) && (channel === undefined || o.channel === channel)).slice(0, limit)),
    )
  }

  // -- health ------------------------------------------------------------------------------------

  /** A round trip to the disk: the folder is writable and the file (when written yet) reads back as a store. */
  async check(): Promise<HealthCheckResult> {
    try {
      await access(dirname(this.path), constants.W_OK)
      const text = await readFile(this.path, 'utf8').catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 'ENOENT') return undefined
        throw error
      })
      if (text === undefined) return { ok: true, detail: `${this.path} (not written yet; its folder is writable)` }
      const data = decode(text, this.path)
      return { ok: true, detail: `${this.path} (${data.runs.length} runs, ${data.documents.length} documents, ${data.events.length} events)` }
    } catch (error) {
      return { ok: false, detail: `${this.path}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  /** Re-reads the file, then checks every reference between the records. */
  async checkIntegrity(): Promise<{ ok: boolean; problems: string[] }> {
    const problems = await this.#read('checkIntegrity', async () => {
      const found: string[] = []
      const report = (items: string[]) => {
        found.push(...items.slice(0, PROBLEMS_PER_CHECK))
        if (items.length > PROBLEMS_PER_CHECK) found.push(`… and more like the previous (only the first ${PROBLEMS_PER_CHECK} are listed)`)
      }
      report([...this.#steps.values()].filter((s) => !this.#runs.has(s.runId)).map((s) => `step ${s.stepId} belongs to run ${s.runId}, which does not exist`))
      report(
        this.#stepIo
          .filter((e) => !this.#artifacts.has(e.hash))
          .map((e) => `${e.direction} "${e.name}" of step ${e.stepId} in run ${e.runId} names artifact ${e.hash}, which is not recorded`),
      )
      report(
        this.#stepIo
          .filter((e) => !this.#steps.has(stepKey(e.runId, e.stepId)))
          .map((e) => `${e.direction} "${e.name}" belongs to step ${e.stepId} of run ${e.runId}, which does not exist`),
      )
      report(this.#metrics.filter((m) => !this.#steps.has(stepKey(m.runId, m.stepId))).map((m) => `metric "${m.key}" belongs to step ${m.stepId} of run ${m.runId}, which does not exist`))
      report(this.#events.filter((e, i) => i > 0 && e.seq <= this.#events[i - 1]!.seq).map((e) => `event ${e.id} has seq ${e.seq}, not above the previous event's`))
      if (this.#events.some((e) => e.seq > this.#seq)) found.push(`the seq counter (${this.#seq}) is below the largest event seq`)
      return found
    }, true)
    return { ok: problems.length === 0, problems }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    // Let the calls already queued finish, then refuse new ones.
    await enqueue(this.path, async () => {
      this.#closed = true
    })
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // -- internals ---------------------------------------------------------------------------------

  #addEvent(event: Omit<EventRecord, 'seq'>): void {
    if (this.#eventIds.has(event.id)) return // idempotent: the first event with an id wins
    this.#eventIds.add(event.id)
    this.#events.push({ seq: ++this.#seq, ...event })
  }

  /** Runs `body` on the current state (reloaded if the file changed), alone on this file. */
  #read<T>(where: string, body: () => Promise<T>, forceReload = false): Promise<T> {
    return enqueue(this.path, async () => {
      this.#assertOpen(where)
      await this.#sync(forceReload)
      return body()
    })
  }

  /**
   * Runs `body` (which checks, then changes memory) and saves the file. A throw from `body` must come
   * before its first change; a failed save marks memory stale, so the next call reloads the last file.
   */
  #write<T>(where: string, body: () => T): Promise<T> {
    return enqueue(this.path, async () => {
      this.#assertOpen(where)
      await this.#sync(false)
      const result = body()
      try {
        await this.#save()
      } catch (error) {
        this.#stale = true
        throw error
      }
      return result
    })
  }

  #assertOpen(where: string): void {
    if (this.#closed) throw new Error(`${where}: the metadata store ${this.path} is closed`)
  }

  /** Reloads the file when memory may be behind it (first use, a failed save, another instance's write). */
  async #sync(force: boolean): Promise<void> {
    const identity = await fileIdentity(this.path)
    if (!force && !this.#stale && identity === this.#seen) return
    let text: string | undefined
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error
    }
    this.#load(text === undefined ? emptyData() : decode(text, this.path))
    this.#seen = identity
    this.#stale = false
  }

  #load(data: FileData): void {
    this.#seq = data.seq
    this.#runs = new Map(data.runs.map((r) => [r.id, r]))
    this.#steps = new Map(data.steps.map((s) => [stepKey(s.runId, s.stepId), s]))
    this.#artifacts = new Map(data.artifacts.map((a) => [a.hash, a]))
    this.#stepIo = data.stepIo
    this.#metrics = data.metrics
    this.#events = data.events
    this.#eventIds = new Set(data.events.map((e) => e.id))
    this.#documents = new Map(data.documents.map((d) => [documentKey(d.collection, d.key), d]))
    this.#outbox = new Map(data.outbox.map((o) => [o.id, o]))
  }

  /** Writes the whole state to a temp file next to the target, flushes it, and renames it into place. */
  async #save(): Promise<void> {
    const data: FileData = {
      format: FORMAT,
      version: VERSION,
      seq: this.#seq,
      runs: [...this.#runs.values()],
      steps: [...this.#steps.values()],
      artifacts: [...this.#artifacts.values()],
      stepIo: this.#stepIo,
      metrics: this.#metrics,
      events: this.#events,
      documents: [...this.#documents.values()],
      outbox: [...this.#outbox.values()],
    }
    const temp = `${this.path}.${process.pid}.${randomUUID()}.tmp`
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(`${JSON.stringify(data)}\n`, 'utf8')
      if (this.#fsync) await handle.sync()
      await handle.close()
      await rename(temp, this.path)
    } catch (error) {
      await handle.close().catch(() => undefined)
      await rm(temp, { force: true })
      throw error
    }
    this.#seen = await fileIdentity(this.path)
  }
}

/** Opens the metadata store in the JSON file at `path` (its folder is created if missing). */
export function openJsonFileMetadataStore(path: string, options: { fsync?: boolean } = {}): Promise<JsonFileMetadataStore> {
  return JsonFileMetadataStore.open(path, options)
}

function emptyData(): FileData {
  return { format: FORMAT, version: VERSION, seq: 0, runs: [], steps: [], artifacts: [], stepIo: [], metrics: [], events: [], documents: [], outbox: [] }
}

const ARRAYS = ['runs', 'steps', 'artifacts', 'stepIo', 'metrics', 'events', 'documents', 'outbox'] as const

/** Parses the file, refusing anything that is not this store's format (never overwrites a foreign file). */
function decode(text: string, path: string): FileData {
  let data: Partial<FileData> | null
  try {
    data = JSON.parse(text) as Partial<FileData> | null
  } catch (error) {
    throw invalidInput(path, `the metadata file is not valid JSON (${(error as Error).message}). Restore it from a backup, or point the \`path\` option at a new file.`)
  }
  if (typeof data !== 'object' || data === null || data.format !== FORMAT) {
    throw invalidInput(path, `this file is not an mlops metadata store (no "format": "${FORMAT}"). Point the \`path\` option at a new file.`)
  }
  if (typeof data.version !== 'number' || data.version > VERSION) {
    throw invalidInput(path, `the metadata file has format version ${String(data.version)}, but this plugin reads versions up to ${VERSION}: upgrade the plugin to open it.`)
  }
  for (const key of ARRAYS) {
    if (!Array.isArray(data[key])) throw invalidInput(`${path}: ${key}`, 'expected an array; the file was edited or truncated. Restore it from a backup.')
  }
  if (!Number.isSafeInteger(data.seq)) throw invalidInput(`${path}: seq`, 'expected an integer; the file was edited. Restore it from a backup.')
  return data as FileData
}

/** Inode, size and modification time: a rename of another instance's write changes it. */
async function fileIdentity(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path, { bigint: true })
    return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined
    throw error
  }
}

function checkEvent(event: Omit<EventRecord, 'seq'>, field: string): Omit<EventRecord, 'seq'> {
  if (typeof event !== 'object' || event === null) throw invalidInput(field, 'expected an object')
  return {
    id: encodeField.text(event.id, `${field}.id`),
    type: encodeField.text(event.type, `${field}.type`),
    payload: parsed(encodeField.json(event.payload, `${field}.payload`)),
    createdAt: encodeField.text(event.createdAt, `${field}.createdAt`),
  }
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalidInput(field, 'expected an array')
  return value
}

/** The stored form of a checked JSON field: parsed back from its JSON, so callers keep no reference into the store. */
function parsed<T>(json: string | null): T {
  return (json === null ? null : JSON.parse(json)) as T
}

/** Results are copies: a caller changing them changes nothing stored. */
function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value)
}

function stepKey(runId: string, stepId: string): string {
  return `${runId}\u0000${stepId}`
}

function documentKey(collection: string, key: string): string {
  return `${collection}\u0000${key}`
}

/** UTF-8 byte order (code point order), as SQL databases compare text; JS `<` compares UTF-16 units. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

function nullsFirst(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return byteOrder(a, b)
}

/** startedAt descending, then id descending. */
function newestFirst(a: RunRecord, b: RunRecord): number {
  return byteOrder(b.startedAt, a.startedAt) || byteOrder(b.id, a.id)
}

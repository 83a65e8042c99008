import { errors, mlopsError } from '@mlops/core'
import type {
  ArtifactRecord,
  CommitRequest,
  ContentHash,
  DocumentRecord,
  EventRecord,
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
import { Connection } from './internal/connection.js'
import type { ConnectionOptions, SqlValue } from './internal/connection.js'
import { encode, invalid, limitOf } from './internal/encode.js'
import { COMPLETION_STATUSES, MAX_KEY_CHAR, OUTBOX_STATUSES, RUN_STATUSES, STEP_STATUSES } from '@mlops/core'
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './internal/migrations.js'
import {
  ARTIFACT_COLUMNS,
  DOCUMENT_COLUMNS,
  EVENT_COLUMNS,
  OUTBOX_COLUMNS,
  METRIC_COLUMNS,
  RUN_COLUMNS,
  STEP_COLUMNS,
  STEP_IO_COLUMNS,
  artifactFromRow,
  documentFromRow,
  eventFromRow,
  outboxFromRow,
  metricFromRow,
  runFromRow,
  stepFromRow,
  stepIoFromRow,
} from './internal/rows.js'
import type { ArtifactRow, DocumentRow, EventRow, MetricRow, OutboxRow, RunRow, StepIoRow, StepRow } from './internal/rows.js'

/** How many problems of one kind `checkIntegrity` lists before summarising. */
const PROBLEMS_PER_CHECK = 20

export interface SqliteMetadataStoreOptions {
  /** How long a write waits for another process's transaction (ms). Default 10000. */
  busyTimeoutMs?: number
  /** Default `full`: every commit survives a power cut. `normal` is faster and still never corrupts. */
  synchronous?: 'full' | 'normal'
}

type RunPatch = Partial<Omit<RunRecord, 'id'>>

/** updateRun's patchable fields: column and encoder for each. */
const RUN_PATCH: { [K in keyof RunPatch]-?: [column: string, encodeValue: (value: unknown, field: string) => SqlValue] } = {
  pipeline: ['pipeline', encode.text],
  status: ['status', (v, f) => encode.oneOf(v, RUN_STATUSES, f)],
  params: ['params', encode.json],
  codeVersion: ['code_version', encode.text],
  environment: ['environment', encode.json],
  pid: ['pid', encode.integerOrNull],
  hostname: ['hostname', encode.textOrNull],
  startedAt: ['started_at', encode.text],
  finishedAt: ['finished_at', encode.textOrNull],
  error: ['error', encode.jsonOrNull],
  resumeCount: ['resume_count', encode.integer],
}

/**
 * The embedded metadata store: one SQLite file in WAL mode. Every method is one transaction (writes
 * take the lock up front with BEGIN IMMEDIATE); other processes writing the same file wait up to
 * `busyTimeoutMs` for their turn. Statements are synchronous, so a method blocks the event loop for the
 * duration of its transaction (sub-millisecond unless another process holds the lock).
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly scope = 'local' as const
  readonly #db: Connection

  private constructor(db: Connection) {
    this.#db = db
  }

  /** The database file. */
  get path(): string {
    return this.#db.path
  }

  /** Opens (creating and migrating if needed) the database at `path`. */
  static open(path: string, options: SqliteMetadataStoreOptions = {}): SqliteMetadataStore {
    const db = new Connection(path, {
      busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
      synchronous: options.synchronous ?? 'full',
    } satisfies ConnectionOptions)
    try {
      migrate(db)
    } catch (error) {
      db.close()
      throw error
    }
    return new SqliteMetadataStore(db)
  }

  async createRun(run: RunRecord): Promise<void> {
    const values = [
      encode.text(run.id, 'run.id'),
      encode.text(run.pipeline, 'run.pipeline'),
      encode.oneOf(run.status, RUN_STATUSES, 'run.status'),
      encode.json(run.params, 'run.params'),
      encode.text(run.codeVersion, 'run.codeVersion'),
      encode.json(run.environment, 'run.environment'),
      encode.integerOrNull(run.pid, 'run.pid'),
      encode.textOrNull(run.hostname, 'run.hostname'),
      encode.text(run.startedAt, 'run.startedAt'),
      encode.textOrNull(run.finishedAt, 'run.finishedAt'),
      encode.jsonOrNull(run.error, 'run.error'),
      encode.integer(run.resumeCount, 'run.resumeCount'),
    ]
    this.#db.write(`createRun(${run.id})`, () => {
      if (this.#runExists(run.id)) throw invalid(`createRun(${run.id})`, 'a run with this id already exists; run ids must be unique')
      this.#db.run(`INSERT INTO runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, values)
    })
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const where = `updateRun(${id})`
    const assignments: string[] = []
    const values: SqlValue[] = []
    for (const [field, value] of Object.entries(patch ?? {})) {
      if (value === undefined) continue // an absent field, as `{ ...a, b: undefined }` produces
      const target = Object.hasOwn(RUN_PATCH, field) ? RUN_PATCH[field as keyof RunPatch] : undefined
      if (!target) throw invalid(`${where}.${field}`, `not a field of a run that can be updated (${Object.keys(RUN_PATCH).join(', ')})`)
      assignments.push(`${target[0]} = ?`)
      values.push(target[1](value, `${where}.${field}`))
    }
    this.#db.write(where, () => {
      if (!this.#runExists(id)) throw mlopsError(errors.RunNotFound, [id])
      if (assignments.length > 0) this.#db.run(`UPDATE runs SET ${assignments.join(', ')} WHERE id = ?`, [...values, id])
    })
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.#db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id])
    return row && runFromRow(row)
  }

  async findRuns(prefix: string): Promise<RunRecord[]> {
    const text = encode.text(prefix, 'findRuns(prefix)')
    // The range uses the primary key; substr() then drops the (theoretical) ids holding U+10FFFF.
    const rows = this.#db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE id >= ?1 AND id < ?2 AND substr(id, 1, length(?1)) = ?1 ORDER BY started_at DESC, id DESC`,
      [text, text + MAX_KEY_CHAR],
    )
    return rows.map(runFromRow)
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const limit = limitOf(query.limit, 'listRuns')
    const conditions: string[] = []
    const values: SqlValue[] = []
    if (query.pipeline !== undefined) {
      conditions.push('pipeline = ?')
      values.push(encode.text(query.pipeline, 'listRuns.pipeline'))
    }
    if (query.status !== undefined) {
      conditions.push('status = ?')
      values.push(encode.oneOf(query.status, RUN_STATUSES, 'listRuns.status'))
    }
    const rows = this.#db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`,
      [...values, limit ?? -1],
    )
    return rows.map(runFromRow)
  }

  async upsertStep(step: StepRecord): Promise<void> {
    const where = `upsertStep(${step.runId}, ${step.stepId})`
    const values = [
      encode.text(step.runId, 'step.runId'),
      encode.text(step.stepId, 'step.stepId'),
      encode.text(step.stepName, 'step.stepName'),
      encode.oneOf(step.status, STEP_STATUSES, 'step.status'),
      encode.text(step.cacheKey, 'step.cacheKey'),
      encode.text(step.codeVersion, 'step.codeVersion'),
      encode.json(step.params, 'step.params'),
      encode.integer(step.attempts, 'step.attempts'),
      encode.textOrNull(step.startedAt, 'step.startedAt'),
      encode.textOrNull(step.finishedAt, 'step.finishedAt'),
      encode.finiteOrNull(step.durationMs, 'step.durationMs'),
      encode.textOrNull(step.cachedFromRunId, 'step.cachedFromRunId'),
      encode.jsonOrNull(step.error, 'step.error'),
    ]
    this.#db.write(where, () => {
      if (!this.#runExists(step.runId)) throw mlopsError(errors.RunNotFound, [step.runId])
      this.#db.run(
        `INSERT INTO steps (${STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step_id) DO UPDATE SET
           step_name = excluded.step_name, status = excluded.status, cache_key = excluded.cache_key,
           code_version = excluded.code_version, params = excluded.params, attempts = excluded.attempts,
           started_at = excluded.started_at, finished_at = excluded.finished_at, duration_ms = excluded.duration_ms,
           cached_from_run_id = excluded.cached_from_run_id, error = excluded.error`,
        values,
      )
    })
  }

  async completeStep(runId: string, stepId: string, completion: StepCompletion): Promise<void> {
    const where = `completeStep(${runId}, ${stepId})`
    const status = encode.oneOf(completion.status, COMPLETION_STATUSES, `${where}.status`)
    const finishedAt = encode.text(completion.finishedAt, `${where}.finishedAt`)
    const durationMs = encode.finite(completion.durationMs, `${where}.durationMs`)
    const attempts = encode.integer(completion.attempts, `${where}.attempts`)
    const cachedFromRunId = encode.textOrNull(completion.cachedFromRunId ?? null, `${where}.cachedFromRunId`)
    const artifacts = list(completion.artifacts, `${where}.artifacts`).map((a, i) => {
      const field = `${where}.artifacts[${i}]`
      return [
        encode.hash(a.hash),
        encode.text(a.kind, `${field}.kind`),
        encode.integer(a.size, `${field}.size`),
        encode.text(a.mediaType, `${field}.mediaType`),
        encode.text(a.createdAt, `${field}.createdAt`),
        encode.json(a.meta, `${field}.meta`),
      ]
    })
    const edges = [
      ...list(completion.inputs, `${where}.inputs`).map((e, i) => ['input', encode.text(e.name, `${where}.inputs[${i}].name`), encode.hash(e.hash)] as const),
      ...list(completion.outputs, `${where}.outputs`).map((e, i) => ['output', encode.text(e.name, `${where}.outputs[${i}].name`), encode.hash(e.hash)] as const),
    ]
    const metrics = list(completion.metrics, `${where}.metrics`).map((m, i) => [
      encode.text(m.key, `${where}.metrics[${i}].key`),
      encode.finite(m.value, `${where}.metrics[${i}] (${String(m.key)})`),
    ])

    this.#db.write(where, () => {
      if (!this.#runExists(runId)) throw mlopsError(errors.RunNotFound, [runId])
      if (!this.#db.get('SELECT 1 FROM steps WHERE run_id = ? AND step_id = ?', [runId, stepId])) {
        throw invalid(where, `run ${runId} has no step "${stepId}"; record it with upsertStep() before completing it`)
      }
      // An artifact already recorded keeps its first description: its bytes are the same by definition.
      for (const values of artifacts) {
        this.#db.run(`INSERT INTO artifacts (${ARTIFACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`, values)
      }
      for (const [direction, name, hash] of edges) {
        if (!this.#db.get('SELECT 1 FROM artifacts WHERE hash = ?', [hash])) {
          throw invalid(`${where}.${direction}s.${name}`, `artifact ${hash} is not recorded; list it in \`artifacts\` of the step that produced it`)
        }
      }
      // Replace rather than append: a completion retried after a crash must not duplicate edges or metrics.
      this.#db.run('DELETE FROM step_io WHERE run_id = ? AND step_id = ?', [runId, stepId])
      this.#db.run('DELETE FROM metrics WHERE run_id = ? AND step_id = ?', [runId, stepId])
      for (const [direction, name, hash] of edges) {
        this.#db.run(`INSERT INTO step_io (${STEP_IO_COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [runId, stepId, direction, name, hash])
      }
      for (const [key, value] of metrics) {
        this.#db.run(`INSERT INTO metrics (${METRIC_COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [runId, stepId, key!, value!, finishedAt])
      }
      this.#db.run(
        `UPDATE steps SET status = ?, finished_at = ?, duration_ms = ?, attempts = ?, cached_from_run_id = ?, error = NULL
         WHERE run_id = ? AND step_id = ?`,
        [status, finishedAt, durationMs, attempts, cachedFromRunId, runId, stepId],
      )
    })
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    return this.#db.all<StepRow>(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY ord`, [runId]).map(stepFromRow)
  }

  async getArtifact(hash: ContentHash): Promise<ArtifactRecord | undefined> {
    const row = this.#db.get<ArtifactRow>(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE hash = ?`, [String(hash)])
    return row && artifactFromRow(row)
  }

  async findArtifacts(hashPrefix: string): Promise<ArtifactRecord[]> {
    const prefix = encode.text(hashPrefix, 'findArtifacts(hashPrefix)')
    // 'g' sorts after every hex digit, so [prefix, prefix + 'g') is exactly the hashes with the prefix.
    return this.#db
      .all<ArtifactRow>(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE hash >= ? AND hash < ? ORDER BY hash`, [prefix, `${prefix}g`])
      .map(artifactFromRow)
  }

  async listStepIo(runId: string): Promise<StepIoRecord[]> {
    return this.#db.all<StepIoRow>(`SELECT ${STEP_IO_COLUMNS} FROM step_io WHERE run_id = ? ORDER BY ord`, [runId]).map(stepIoFromRow)
  }

  async findProducers(hash: ContentHash): Promise<StepIoRecord[]> {
    return this.#db
      .all<StepIoRow>(
        `SELECT io.run_id, io.step_id, io.direction, io.name, io.hash
         FROM step_io io JOIN steps s ON s.run_id = io.run_id AND s.step_id = io.step_id
         WHERE io.hash = ? AND io.direction = 'output'
         ORDER BY s.finished_at, io.ord`,
        [String(hash)],
      )
      .map(stepIoFromRow)
  }

  async findCachedOutputs(cacheKey: string): Promise<{ runId: string; stepId: string; outputs: { name: string; hash: ContentHash }[] } | undefined> {
    // One statement, so the step and its outputs come from the same snapshot.
    const rows = this.#db.all<{ run_id: string; step_id: string; name: string | null; hash: string | null }>(
      `WITH hit AS (
         SELECT run_id, step_id FROM steps
         WHERE cache_key = ? AND status = 'succeeded'
         ORDER BY finished_at DESC, ord DESC LIMIT 1
       )
       SELECT hit.run_id, hit.step_id, io.name, io.hash
       FROM hit LEFT JOIN step_io io ON io.run_id = hit.run_id AND io.step_id = hit.step_id AND io.direction = 'output'
       ORDER BY io.ord`,
      [encode.text(cacheKey, 'findCachedOutputs(cacheKey)')],
    )
    const first = rows[0]
    if (!first) return undefined
    const outputs = rows.flatMap((r) => (r.name === null || r.hash === null ? [] : [{ name: r.name, hash: r.hash }]))
    return { runId: first.run_id, stepId: first.step_id, outputs }
  }

  async listMetrics(runId: string): Promise<MetricRecord[]> {
    return this.#db.all<MetricRow>(`SELECT ${METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY ord`, [runId]).map(metricFromRow)
  }

  async appendEvent(event: Omit<EventRecord, 'seq'>): Promise<void> {
    const values = [
      encode.text(event.id, 'event.id'),
      encode.text(event.type, 'event.type'),
      encode.json(event.payload, 'event.payload'),
      encode.text(event.createdAt, 'event.createdAt'),
    ]
    this.#db.write(`appendEvent(${event.id})`, () => {
      this.#db.run('INSERT INTO events (id, type, payload, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', values)
    })
  }

  async listEvents(query: { afterSeq?: number; type?: string; limit?: number } = {}): Promise<EventRecord[]> {
    const limit = limitOf(query.limit, 'listEvents')
    const conditions = ['seq > ?']
    const values: SqlValue[] = [query.afterSeq === undefined ? 0 : encode.integer(query.afterSeq, 'listEvents.afterSeq')]
    if (query.type !== undefined) {
      conditions.push('type = ?')
      values.push(encode.text(query.type, 'listEvents.type'))
    }
    return this.#db
      .all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY seq LIMIT ?`, [...values, limit ?? -1])
      .map(eventFromRow)
  }

  async getDocument(collection: string, key: string): Promise<DocumentRecord | undefined> {
    const row = this.#db.get<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE collection = ? AND key = ?`, [
      encode.text(collection, 'getDocument.collection'),
      encode.text(key, 'getDocument.key'),
    ])
    return row && documentFromRow(row)
  }

  async listDocuments(collection: string, query: { prefix?: string; limit?: number } = {}): Promise<DocumentRecord[]> {
    const limit = limitOf(query.limit, 'listDocuments')
    const prefix = query.prefix === undefined ? '' : encode.text(query.prefix, 'listDocuments.prefix')
    return this.#db
      .all<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE collection = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`, [
        encode.text(collection, 'listDocuments.collection'),
        prefix,
        prefix + MAX_KEY_CHAR,
        limit ?? -1,
      ])
      .map(documentFromRow)
  }

  async commit(change: CommitRequest): Promise<void> {
    const writes = list(change.writes, 'commit.writes').map((w, i) => {
      const field = `commit.writes[${i}]`
      if (typeof w !== 'object' || w === null) throw invalid(field, 'expected an object')
      const value = w.value === null ? null : encode.jsonValue(w.value, `${field}.value`)
      const expected = w.expectedRevision === undefined ? undefined : encode.integer(w.expectedRevision, `${field}.expectedRevision`)
      return { collection: encode.text(w.collection, `${field}.collection`), key: encode.text(w.key, `${field}.key`), value, expected }
    })
    const events = list(change.events, 'commit.events').map((e, i) => [
      encode.text(e.id, `commit.events[${i}].id`),
      encode.text(e.type, `commit.events[${i}].type`),
      encode.json(e.payload, `commit.events[${i}].payload`),
      encode.text(e.createdAt, `commit.events[${i}].createdAt`),
    ])
    const outbox = list(change.outbox, 'commit.outbox').map((o, i) => {
      const field = `commit.outbox[${i}]`
      const createdAt = encode.text(o.createdAt, `${field}.createdAt`)
      return [
        encode.text(o.id, `${field}.id`),
        encode.text(o.channel, `${field}.channel`),
        encode.text(o.eventId, `${field}.eventId`),
        encode.json(o.payload, `${field}.payload`),
        o.availableAt === undefined ? createdAt : encode.text(o.availableAt, `${field}.availableAt`),
        createdAt,
      ]
    })
    const now = new Date().toISOString()
    this.#db.write('commit', () => {
      for (const w of writes) {
        const current = this.#db.get<{ revision: number }>('SELECT revision FROM documents WHERE collection = ? AND key = ?', [w.collection, w.key])
        const revision = current?.revision ?? 0
        if (w.expected !== undefined && w.expected !== revision) {
          throw mlopsError(errors.WriteConflict, [
            `${w.collection}/${w.key}`,
            `expected revision ${w.expected}${w.expected === 0 ? ' (absent)' : ''}, found ${revision}${revision === 0 ? ' (absent)' : ''}`,
          ])
        }
        if (w.value === null) {
          this.#db.run('DELETE FROM documents WHERE collection = ? AND key = ?', [w.collection, w.key])
        } else {
          this.#db.run(
            `INSERT INTO documents (${DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, updated_at = excluded.updated_at`,
            [w.collection, w.key, w.value, revision + 1, now],
          )
        }
      }
      for (const values of events) this.#db.run('INSERT INTO events (id, type, payload, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', values)
      for (const values of outbox) {
        this.#db.run(
          `INSERT INTO outbox (id, channel, event_id, payload, status, attempts, available_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
          values,
        )
      }
    })
  }

  async claimOutbox(query: { now: string; leaseMs: number; limit: number; channels?: string[] }): Promise<OutboxItem[]> {
    const now = encode.text(query.now, 'claimOutbox.now')
    const nowMs = Date.parse(now)
    if (Number.isNaN(nowMs)) throw invalid('claimOutbox.now', `expected an ISO time, got ${JSON.stringify(now)}`)
    const leaseMs = encode.integer(query.leaseMs, 'claimOutbox.leaseMs')
    const limit = limitOf(query.limit, 'claimOutbox') ?? 1
    const channels = query.channels === undefined ? undefined : list(query.channels, 'claimOutbox.channels').map((c, i) => encode.text(c, `claimOutbox.channels[${i}]`))
    const until = new Date(nowMs + leaseMs).toISOString()
    return this.#db.write('claimOutbox', () => {
      const channelFilter = channels === undefined ? '' : ` AND channel IN (${channels.map(() => '?').join(', ') || 'NULL'})`
      const rows = this.#db.all<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND available_at <= ?${channelFilter} ORDER BY available_at, ord LIMIT ?`,
        [now, ...(channels ?? []), limit],
      )
      for (const row of rows) this.#db.run('UPDATE outbox SET attempts = attempts + 1, available_at = ? WHERE id = ?', [until, row.id])
      return rows.map((row) => outboxFromRow({ ...row, attempts: row.attempts + 1, available_at: until }))
    })
  }

  async settleOutbox(id: string, outcome: OutboxSettlement): Promise<void> {
    encode.text(id, 'settleOutbox.id')
    const [sql, values]: [string, SqlValue[]] = outcome.delivered
      ? [`UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE id = ?`, [encode.text(outcome.at, 'settleOutbox.at'), id]]
      : outcome.retryAt === null
        ? [`UPDATE outbox SET status = 'dead', last_error = ? WHERE id = ?`, [encode.text(outcome.error, 'settleOutbox.error'), id]]
        : [
            `UPDATE outbox SET status = 'pending', available_at = ?, last_error = ? WHERE id = ?`,
            [encode.text(outcome.retryAt, 'settleOutbox.retryAt'), encode.text(outcome.error, 'settleOutbox.error'), id],
          ]
    this.#db.write(`settleOutbox(${id})`, () => {
      if (this.#db.run(sql, values).changes === 0) throw invalid(`settleOutbox(${id})`, 'no outbox item has this id')
    })
  }

  async listOutbox(query: { status?: OutboxStatus; channel?: string; limit?: number } = {}): Promise<OutboxItem[]> {
    const limit = limitOf(query.limit, 'listOutbox')
    const conditions: string[] = []
    const values: SqlValue[] = []
    if (query.status !== undefined) {
      conditions.push('status = ?')
      values.push(encode.oneOf(query.status, OUTBOX_STATUSES, 'listOutbox.status'))
    }
    if (query.channel !== undefined) {
      conditions.push('channel = ?')
      values.push(encode.text(query.channel, 'listOutbox.channel'))
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''
    return this.#db.all<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox ${where} ORDER BY ord LIMIT ?`, [...values, limit ?? -1]).map(outboxFromRow)
  }

  /** A round trip to the database file: a read of the schema version. */
  async check(): Promise<{ ok: boolean; detail: string }> {
    try {
      const version = this.#db.read('check', () => schemaVersion(this.#db))
      return { ok: true, detail: `${this.#db.path} (schema version ${version})` }
    } catch (error) {
      return { ok: false, detail: `${this.#db.path}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  /** SQLite's own integrity check, then every reference the schema implies, in one read snapshot. */
  async checkIntegrity(): Promise<{ ok: boolean; problems: string[] }> {
    const problems = this.#db.read('checkIntegrity', () => {
      const found: string[] = []
      const integrity = this.#db.all<{ integrity_check: string }>('PRAGMA integrity_check')
      for (const row of integrity) if (row.integrity_check !== 'ok') found.push(`SQLite integrity_check: ${row.integrity_check}`)

      const checks: { sql: string; describe: (row: Record<string, string>) => string }[] = [
        {
          sql: 'SELECT s.run_id, s.step_id FROM steps s LEFT JOIN runs r ON r.id = s.run_id WHERE r.id IS NULL',
          describe: (r) => `step ${r.step_id} belongs to run ${r.run_id}, which does not exist`,
        },
        {
          sql: `SELECT io.run_id, io.step_id, io.direction, io.name, io.hash FROM step_io io
                LEFT JOIN artifacts a ON a.hash = io.hash WHERE a.hash IS NULL`,
          describe: (r) => `${r.direction} "${r.name}" of step ${r.step_id} in run ${r.run_id} names artifact ${r.hash}, which is not recorded`,
        },
        {
          sql: `SELECT io.run_id, io.step_id, io.direction, io.name FROM step_io io
                LEFT JOIN steps s ON s.run_id = io.run_id AND s.step_id = io.step_id WHERE s.step_id IS NULL`,
          describe: (r) => `${r.direction} "${r.name}" belongs to step ${r.step_id} of run ${r.run_id}, which does not exist`,
        },
        {
          sql: `SELECT m.run_id, m.step_id, m.key FROM metrics m
                LEFT JOIN steps s ON s.run_id = m.run_id AND s.step_id = m.step_id WHERE s.step_id IS NULL`,
          describe: (r) => `metric "${r.key}" belongs to step ${r.step_id} of run ${r.run_id}, which does not exist`,
        },
      ]
      for (const check of checks) {
        const rows = this.#db.all<Record<string, string>>(`${check.sql} LIMIT ${PROBLEMS_PER_CHECK + 1}`)
        for (const row of rows.slice(0, PROBLEMS_PER_CHECK)) found.push(check.describe(row))
        if (rows.length > PROBLEMS_PER_CHECK) found.push(`… and more like the previous (only the first ${PROBLEMS_PER_CHECK} are listed)`)
      }
      const version = schemaVersion(this.#db)
      if (version !== LATEST_SCHEMA_VERSION) found.push(`schema version is ${version}, expected ${LATEST_SCHEMA_VERSION}`)
      return found
    })
    return { ok: problems.length === 0, problems }
  }

  async close(): Promise<void> {
    this.#db.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #runExists(id: string): boolean {
    return this.#db.get('SELECT 1 FROM runs WHERE id = ?', [id]) !== undefined
  }
}

/** Opens the metadata store in the SQLite file at `path` (created, with its folder, if missing). */
export async function openSqliteMetadataStore(path: string, options: SqliteMetadataStoreOptions = {}): Promise<SqliteMetadataStore> {
  return SqliteMetadataStore.open(path, options)
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalid(field, 'expected an array')
  return value
}

function schemaVersion(db: Connection): number {
  const table = db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
  if (!table) return 0
  return db.get<{ version: number | null }>('SELECT max(version) AS version FROM schema_version')?.version ?? 0
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION. The usual case (already current) costs two reads and no
 * lock; otherwise the migrations run in one write transaction, re-checking the version after taking
 * the lock because another process may have migrated meanwhile.
 */
function migrate(db: Connection): void {
  const current = schemaVersion(db)
  if (current === LATEST_SCHEMA_VERSION) return
  assertKnownVersion(db, current)
  db.write('migrate', () => {
    const version = schemaVersion(db)
    assertKnownVersion(db, version)
    if (version === 0) {
      const tables = db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
      if (tables.length > 0) {
        throw invalid(
          db.path,
          `this SQLite database is not an mlops metadata store (it has the tables ${tables.map((t) => t.name).join(', ')} and no schema_version). Point the \`path\` option of @mlops/metadata-sqlite at a new file.`,
        )
      }
      db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT')
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue
      db.exec(migration.sql)
      db.run('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)', [migration.version, migration.description, new Date().toISOString()])
    }
  })
}

function assertKnownVersion(db: Connection, version: number): void {
  if (version > LATEST_SCHEMA_VERSION) {
    throw invalid(
      db.path,
      `the metadata database has schema version ${version}, but this @mlops/metadata-sqlite knows versions up to ${LATEST_SCHEMA_VERSION}: it was written by a newer version. Upgrade @mlops/metadata-sqlite (and @mlops/cli) to open it.`,
    )
  }
}

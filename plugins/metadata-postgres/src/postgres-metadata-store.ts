import { errors, mlopsError } from '@mlops/core'
import type {
  ArtifactRecord,
  CallOptions,
  CommitRequest,
  ContentHash,
  DocumentRecord,
  EventRecord,
  HealthCheckResult,
  ListRunsQuery,
  Logger,
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
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { Insertable, Transaction, Updateable } from 'kysely'
import pg from 'pg'
import type { Database, EventsTable, OutboxTable, RunsTable } from './internal/database.js'
import { encode, invalid, limitOf } from './internal/encode.js'
import { COMPLETION_STATUSES, MAX_KEY_CHAR, OUTBOX_STATUSES, RUN_STATUSES, STEP_STATUSES } from '@mlops/core'
import { connectionProblem, errorCode, isRetryable, translateError } from './internal/errors.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, TABLES } from './internal/migrations.js'
import {
  ARTIFACT_COLUMNS,
  DOCUMENT_COLUMNS,
  EVENT_COLUMNS,
  METRIC_COLUMNS,
  OUTBOX_COLUMNS,
  RUN_COLUMNS,
  STEP_COLUMNS,
  STEP_IO_COLUMNS,
  artifactFromRow,
  documentFromRow,
  eventFromRow,
  metricFromRow,
  outboxFromRow,
  runFromRow,
  stepFromRow,
  stepIoFromRow,
} from './internal/rows.js'
import type { OutboxRow } from './internal/rows.js'
import { maskUrl, parsePostgresUrl } from './internal/url.js'

/** How many problems of one kind `checkIntegrity` lists before summarising. */
const PROBLEMS_PER_CHECK = 20
/** A transaction that lost a deadlock (or a serialization race) runs again, up to this many times in all. */
const TRANSACTION_ATTEMPTS = 4
/** PostgreSQL identifiers: lowercase, so the name needs no quoting anywhere (psql, pg_dump). */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/
const INT8_OID = 20

export interface PostgresMetadataStoreOptions {
  /** `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. Never logged: messages show it with the password masked. */
  url: string
  /** The schema holding the tables (created if missing). Default `mlops`. */
  schema?: string
  /** Connections in the pool. Default 10. */
  poolSize?: number
  /** How long opening a connection may take before the call fails (ms). Default 10000. */
  connectTimeoutMs?: number
  /**
   * `true` (default): a commit returns once the server flushed it to disk. `false` sets the session's
   * `synchronous_commit = off`: commits return before the flush, so a server crash may lose the last
   * few hundred milliseconds of commits (never corrupts; like SQLite's `synchronous: 'normal'`).
   */
  synchronousCommit?: boolean
  /** Where the URL came from, for messages (`MLOPS_POSTGRES_URL`, `url option`). */
  urlSource?: string
  /** Receives warnings about dropped idle connections. */
  logger?: Pick<Logger, 'warn'>
}

type RunPatch = Partial<Omit<RunRecord, 'id'>>
type Db = Kysely<Database>
type Trx = Transaction<Database>

/** updateRun's patchable fields: column and encoder for each. */
const RUN_PATCH: { [K in keyof RunPatch]-?: [column: keyof RunsTable, encodeValue: (value: unknown, field: string) => string | number | null] } = {
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
 * The shared metadata store: one PostgreSQL schema that every worker and teammate reaches. Every
 * method is one transaction (a single statement, or BEGIN … COMMIT on one pooled connection).
 * Concurrency: `SELECT … FOR UPDATE` and conditional updates for documents (optimistic revisions),
 * `FOR UPDATE SKIP LOCKED` for outbox claims, an advisory lock around event appends so event seqs
 * become visible in order. A transaction that loses a deadlock is retried whole.
 */
export class PostgresMetadataStore implements MetadataStore {
  readonly scope = 'shared' as const
  /** The connection URL with the password masked, for messages. */
  readonly where: string
  readonly schema: string
  readonly #kysely: Db
  readonly #db: Db
  #closed = false

  private constructor(kysely: Db, schema: string, where: string) {
    this.#kysely = kysely
    this.#db = kysely.withSchema(schema)
    this.schema = schema
    this.where = where
  }

  /** Connects, then creates or migrates the schema (under an advisory lock, so concurrent openers queue). */
  static async open(options: PostgresMetadataStoreOptions): Promise<PostgresMetadataStore> {
    const source = options.urlSource ?? 'url'
    if (typeof options.url !== 'string' || options.url === '') {
      throw invalid(source, 'no PostgreSQL URL given; set it to postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE')
    }
    const url = parsePostgresUrl(options.url, source)
    const where = maskUrl(options.url)
    const schema = options.schema ?? 'mlops'
    if (typeof schema !== 'string' || !SCHEMA_NAME_PATTERN.test(schema)) {
      throw invalid('schema', `${JSON.stringify(schema)} is not a schema name this store uses: lowercase letters, digits and _, starting with a letter or _ (at most 63)`)
    }
    const poolSize = options.poolSize ?? 10
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw invalid('poolSize', `expected a positive integer, got ${String(poolSize)}`)
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000

    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      // A CLI command that forgot close() still exits once its connections are idle.
      allowExitOnIdle: true,
      application_name: 'mlops-metadata',
      ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
      // bigint columns hold safe integers only (the store validates every integer it writes).
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    })
    // An idle connection the server drops emits 'error' on the pool; unhandled, it would crash the process.
    pool.on('error', (error) => options.logger?.warn(`PostgreSQL metadata store ${where}: an idle connection failed (${error.message}); the pool opens a new one when needed.`))
    // A connection lost while checked out emits 'error' on the client too (the pool listens only to idle
    // ones): the query in flight already rejects with the same error, so this listener only keeps the
    // event from crashing the process.
    pool.on('connect', (client) => client.on('error', () => {}))
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    try {
      await migrate(kysely, schema, where)
    } catch (error) {
      await kysely.destroy().catch(() => {})
      throw translateError(error, 'opening the metadata store', where)
    }
    return new PostgresMetadataStore(kysely, schema, where)
  }

  async createRun(run: RunRecord): Promise<void> {
    const row: Insertable<RunsTable> = {
      id: encode.text(run.id, 'run.id'),
      pipeline: encode.text(run.pipeline, 'run.pipeline'),
      status: encode.oneOf(run.status, RUN_STATUSES, 'run.status'),
      params: encode.json(run.params, 'run.params'),
      code_version: encode.text(run.codeVersion, 'run.codeVersion'),
      environment: encode.json(run.environment, 'run.environment'),
      pid: encode.integerOrNull(run.pid, 'run.pid'),
      hostname: encode.textOrNull(run.hostname, 'run.hostname'),
      started_at: encode.text(run.startedAt, 'run.startedAt'),
      finished_at: encode.textOrNull(run.finishedAt, 'run.finishedAt'),
      error: encode.jsonOrNull(run.error, 'run.error'),
      resume_count: encode.integer(run.resumeCount, 'run.resumeCount'),
    }
    const where = `createRun(${run.id})`
    const result = await this.#run(where, (db) => db.insertInto('runs').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst())
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw invalid(where, 'a run with this id already exists; run ids must be unique')
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const where = `updateRun(${id})`
    const values: Record<string, string | number | null> = {}
    for (const [field, value] of Object.entries(patch ?? {})) {
      if (value === undefined) continue // an absent field, as `{ ...a, b: undefined }` produces
      const target = Object.hasOwn(RUN_PATCH, field) ? RUN_PATCH[field as keyof RunPatch] : undefined
      if (!target) throw invalid(`${where}.${field}`, `not a field of a run that can be updated (${Object.keys(RUN_PATCH).join(', ')})`)
      values[target[0]] = target[1](value, `${where}.${field}`)
    }
    const found = await this.#run(where, async (db) => {
      if (Object.keys(values).length === 0) return (await db.selectFrom('runs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      const result = await db
        .updateTable('runs')
        .set(values as Updateable<RunsTable>)
        .where('id', '=', id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    })
    if (!found) throw mlopsError(errors.RunNotFound, [id])
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.#run(`getRun(${id})`, (db) => db.selectFrom('runs').select(RUN_COLUMNS).where('id', '=', String(id)).executeTakeFirst())
    return row && runFromRow(row)
  }

  async findRuns(prefix: string): Promise<RunRecord[]> {
    const text = encode.text(prefix, 'findRuns(prefix)')
    // The range uses the primary key; starts_with then drops the (theoretical) ids holding U+10FFFF.
    const rows = await this.#run('findRuns', (db) =>
      db
        .selectFrom('runs')
        .select(RUN_COLUMNS)
        .where('id', '>=', text)
        .where('id', '<', text + MAX_KEY_CHAR)
        .where(sql<boolean>`starts_with(id, ${text})`)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    )
    return rows.map(runFromRow)
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const limit = limitOf(query.limit, 'listRuns')
    const pipeline = query.pipeline === undefined ? undefined : encode.text(query.pipeline, 'listRuns.pipeline')
    const status = query.status === undefined ? undefined : encode.oneOf(query.status, RUN_STATUSES, 'listRuns.status')
    const rows = await this.#run('listRuns', (db) => {
      let q = db.selectFrom('runs').select(RUN_COLUMNS)
      if (pipeline !== undefined) q = q.where('pipeline', '=', pipeline)
      if (status !== undefined) q = q.where('status', '=', status)
      q = q.orderBy('started_at', 'desc').orderBy('id', 'desc')
      return (limit === undefined ? q : q.limit(limit)).execute()
    })
    return rows.map(runFromRow)
  }

  async upsertStep(step: StepRecord): Promise<void> {
    const where = `upsertStep(${step.runId}, ${step.stepId})`
    const row = {
      run_id: encode.text(step.runId, 'step.runId'),
      step_id: encode.text(step.stepId, 'step.stepId'),
      step_name: encode.text(step.stepName, 'step.stepName'),
      status: encode.oneOf(step.status, STEP_STATUSES, 'step.status'),
      cache_key: encode.text(step.cacheKey, 'step.cacheKey'),
      code_version: encode.text(step.codeVersion, 'step.codeVersion'),
      params: encode.json(step.params, 'step.params'),
      attempts: encode.integer(step.attempts, 'step.attempts'),
      started_at: encode.textOrNull(step.startedAt, 'step.startedAt'),
      finished_at: encode.textOrNull(step.finishedAt, 'step.finishedAt'),
      duration_ms: encode.finiteOrNull(step.durationMs, 'step.durationMs'),
      cached_from_run_id: encode.textOrNull(step.cachedFromRunId, 'step.cachedFromRunId'),
      error: encode.jsonOrNull(step.error, 'step.error'),
    }
    // One statement: the foreign key to runs is the existence check (a run is never deleted).
    try {
      await this.#open()
        .insertInto('steps')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['run_id', 'step_id']).doUpdateSet((eb) => ({
            step_name: eb.ref('excluded.step_name'),
            status: eb.ref('excluded.status'),
            cache_key: eb.ref('excluded.cache_key'),
            code_version: eb.ref('excluded.code_version'),
            params: eb.ref('excluded.params'),
            attempts: eb.ref('excluded.attempts'),
            started_at: eb.ref('excluded.started_at'),
            finished_at: eb.ref('excluded.finished_at'),
            duration_ms: eb.ref('excluded.duration_ms'),
            cached_from_run_id: eb.ref('excluded.cached_from_run_id'),
            error: eb.ref('excluded.error'),
          })),
        )
        .execute()
    } catch (error) {
      if (errorCode(error) === '23503' && (error as { constraint?: unknown }).constraint === 'steps_run_fk') throw mlopsError(errors.RunNotFound, [step.runId])
      throw translateError(error, where, this.where)
    }
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
      return {
        hash: encode.hash(a.hash),
        kind: encode.text(a.kind, `${field}.kind`),
        size: encode.integer(a.size, `${field}.size`),
        media_type: encode.text(a.mediaType, `${field}.mediaType`),
        created_at: encode.text(a.createdAt, `${field}.createdAt`),
        meta: encode.json(a.meta, `${field}.meta`),
      }
    })
    const edges = [
      ...list(completion.inputs, `${where}.inputs`).map((e, i) => ({ direction: 'input', name: encode.text(e.name, `${where}.inputs[${i}].name`), hash: encode.hash(e.hash) })),
      ...list(completion.outputs, `${where}.outputs`).map((e, i) => ({ direction: 'output', name: encode.text(e.name, `${where}.outputs[${i}].name`), hash: encode.hash(e.hash) })),
    ]
    const metrics = list(completion.metrics, `${where}.metrics`).map((m, i) => ({
      key: encode.text(m.key, `${where}.metrics[${i}].key`),
      value: encode.finite(m.value, `${where}.metrics[${i}] (${String(m.key)})`),
    }))
    // The first description of a hash wins (as with ON CONFLICT DO NOTHING row by row), and rows go in
    // hash order: two completions recording the same artifacts then lock them in one order (no deadlock).
    const firstByHash = new Map<string, (typeof artifacts)[number]>()
    for (const a of artifacts) if (!firstByHash.has(a.hash)) firstByHash.set(a.hash, a)
    const artifactRows = [...firstByHash.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))

    await this.#transaction(where, async (trx) => {
      // Locking the step row serialises two completions of one step (a retry racing the original).
      const step = await trx.selectFrom('steps').select('ord').where('run_id', '=', runId).where('step_id', '=', stepId).forUpdate().executeTakeFirst()
      if (!step) {
        const run = await trx.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst()
        if (!run) throw mlopsError(errors.RunNotFound, [runId])
        throw invalid(where, `run ${runId} has no step "${stepId}"; record it with upsertStep() before completing it`)
      }
      // Few round trips, each statement touching distinct tables. 1: record the artifacts (an artifact
      // already recorded keeps its first description: its bytes are the same by definition), drop the
      // step's old edges and metrics (a retried completion must not duplicate them), and read back
      // which of the hashes the edges name are recorded.
      const t = (name: string) => sql.table(`${this.schema}.${name}`)
      const hashes = [...new Set(edges.map((e) => e.hash))]
      const ctes = [
        ...(artifactRows.length === 0
          ? []
          : [
              sql`ins AS (
                INSERT INTO ${t('artifacts')} (hash, kind, size, media_type, created_at, meta)
                VALUES ${sql.join(artifactRows.map((a) => sql`(${a.hash}, ${a.kind}, ${a.size}, ${a.media_type}, ${a.created_at}, ${a.meta})`))}
                ON CONFLICT (hash) DO NOTHING RETURNING hash)`,
            ]),
        sql`dio AS (DELETE FROM ${t('step_io')} WHERE run_id = ${runId} AND step_id = ${stepId})`,
        sql`dm AS (DELETE FROM ${t('metrics')} WHERE run_id = ${runId} AND step_id = ${stepId})`,
      ]
      const recorded = await sql<{ hash: string }>`
        WITH ${sql.join(ctes)}
        ${artifactRows.length === 0 ? sql`` : sql`SELECT hash FROM ins UNION`}
        SELECT hash FROM ${t('artifacts')} WHERE hash = ANY(${hashes}::text[])`.execute(trx)
      const found = new Set(recorded.rows.map((r) => r.hash))
      if (edges.some((e) => !found.has(e.hash))) {
        // A hash another transaction recorded while this statement ran is outside its snapshot: look again.
        for (const r of (await trx.selectFrom('artifacts').select('hash').where('hash', 'in', hashes).execute())) found.add(r.hash)
        const missing = edges.find((e) => !found.has(e.hash))
        if (missing) {
          throw invalid(`${where}.${missing.direction}s.${missing.name}`, `artifact ${missing.hash} is not recorded; list it in \`artifacts\` of the step that produced it`)
        }
      }
      // 2: the new edges and metrics, and the step's end.
      const inserts = [
        ...(edges.length === 0
          ? []
          : [
              sql`io AS (INSERT INTO ${t('step_io')} (run_id, step_id, direction, name, hash)
                  VALUES ${sql.join(edges.map((e) => sql`(${runId}, ${stepId}, ${e.direction}, ${e.name}, ${e.hash})`))})`,
            ]),
        ...(metrics.length === 0
          ? []
          : [
              sql`m AS (INSERT INTO ${t('metrics')} (run_id, step_id, key, value, recorded_at)
                  VALUES ${sql.join(metrics.map((m) => sql`(${runId}, ${stepId}, ${m.key}, ${m.value}, ${finishedAt})`))})`,
            ]),
      ]
      await sql`
        ${inserts.length === 0 ? sql`` : sql`WITH ${sql.join(inserts)}`}
        UPDATE ${t('steps')} SET status = ${status}, finished_at = ${finishedAt}, duration_ms = ${durationMs}, attempts = ${attempts},
          cached_from_run_id = ${cachedFromRunId}, error = NULL
        WHERE run_id = ${runId} AND step_id = ${stepId}`.execute(trx)
    })
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const rows = await this.#run('listSteps', (db) => db.selectFrom('steps').select(STEP_COLUMNS).where('run_id', '=', String(runId)).orderBy('ord').execute())
    return rows.map(stepFromRow)
  }

  async getArtifact(hash: ContentHash): Promise<ArtifactRecord | undefined> {
    const row = await this.#run('getArtifact', (db) => db.selectFrom('artifacts').select(ARTIFACT_COLUMNS).where('hash', '=', String(hash)).executeTakeFirst())
    return row && artifactFromRow(row)
  }

  async findArtifacts(hashPrefix: string): Promise<ArtifactRecord[]> {
    const prefix = encode.text(hashPrefix, 'findArtifacts(hashPrefix)')
    // 'g' sorts after every hex digit, so [prefix, prefix + 'g') is exactly the hashes with the prefix.
    const rows = await this.#run('findArtifacts', (db) =>
      db.selectFrom('artifacts').select(ARTIFACT_COLUMNS).where('hash', '>=', prefix).where('hash', '<', `${prefix}g`).orderBy('hash').execute(),
    )
    return rows.map(artifactFromRow)
  }

  async listStepIo(runId: string): Promise<StepIoRecord[]> {
    const rows = await this.#run('listStepIo', (db) => db.selectFrom('step_io').select(STEP_IO_COLUMNS).where('run_id', '=', String(runId)).orderBy('ord').execute())
    return rows.map(stepIoFromRow)
  }

  async findProducers(hash: ContentHash): Promise<StepIoRecord[]> {
    const rows = await this.#run('findProducers', (db) =>
      db
        .selectFrom('step_io as io')
        .innerJoin('steps as s', (join) => join.onRef('s.run_id', '=', 'io.run_id').onRef('s.step_id', '=', 'io.step_id'))
        .select(['io.run_id', 'io.step_id', 'io.direction', 'io.name', 'io.hash'])
        .where('io.hash', '=', String(hash))
        .where('io.direction', '=', 'output')
        // NULLS FIRST: the order SQLite gives, so both stores list producers alike.
        .orderBy('s.finished_at', (ob) => ob.asc().nullsFirst())
        .orderBy('io.ord')
        .execute(),
    )
    return rows.map(stepIoFromRow)
  }

  async findCachedOutputs(cacheKey: string): Promise<{ runId: string; stepId: string; outputs: { name: string; hash: ContentHash }[] } | undefined> {
    const key = encode.text(cacheKey, 'findCachedOutputs(cacheKey)')
    // One statement, so the step and its outputs come from the same snapshot.
    const rows = await this.#run('findCachedOutputs', (db) =>
      db
        .with('hit', (w) =>
          w
            .selectFrom('steps')
            .select(['run_id', 'step_id'])
            .where('cache_key', '=', key)
            .where('status', '=', 'succeeded')
            .orderBy('finished_at', (ob) => ob.desc().nullsLast())
            .orderBy('ord', 'desc')
            .limit(1),
        )
        .selectFrom('hit')
        .leftJoin('step_io as io', (join) => join.onRef('io.run_id', '=', 'hit.run_id').onRef('io.step_id', '=', 'hit.step_id').on('io.direction', '=', 'output'))
        .select(['hit.run_id', 'hit.step_id', 'io.name', 'io.hash'])
        .orderBy('io.ord')
        .execute(),
    )
    const first = rows[0]
    if (!first) return undefined
    const outputs = rows.flatMap((r) => (r.name === null || r.hash === null ? [] : [{ name: r.name, hash: r.hash }]))
    return { runId: first.run_id, stepId: first.step_id, outputs }
  }

  async listMetrics(runId: string): Promise<MetricRecord[]> {
    const rows = await this.#run('listMetrics', (db) => db.selectFrom('metrics').select(METRIC_COLUMNS).where('run_id', '=', String(runId)).orderBy('ord').execute())
    return rows.map(metricFromRow)
  }

  async appendEvent(event: Omit<EventRecord, 'seq'>): Promise<void> {
    const row = eventRow(event, 'event')
    await this.#transaction(`appendEvent(${event.id})`, (trx) => this.#insertEvents(trx, [row]))
  }

  async listEvents(query: { afterSeq?: number; type?: string; limit?: number } = {}): Promise<EventRecord[]> {
    const limit = limitOf(query.limit, 'listEvents')
    const afterSeq = query.afterSeq === undefined ? 0 : encode.integer(query.afterSeq, 'listEvents.afterSeq')
    const type = query.type === undefined ? undefined : encode.text(query.type, 'listEvents.type')
    const rows = await this.#run('listEvents', (db) => {
      let q = db.selectFrom('events').select(EVENT_COLUMNS).where('seq', '>', afterSeq)
      if (type !== undefined) q = q.where('type', '=', type)
      q = q.orderBy('seq')
      return (limit === undefined ? q : q.limit(limit)).execute()
    })
    return rows.map(eventFromRow)
  }

  async getDocument(collection: string, key: string): Promise<DocumentRecord | undefined> {
    const c = encode.text(collection, 'getDocument.collection')
    const k = encode.text(key, 'getDocument.key')
    const row = await this.#run('getDocument', (db) => db.selectFrom('documents').select(DOCUMENT_COLUMNS).where('collection', '=', c).where('key', '=', k).executeTakeFirst())
    return row && documentFromRow(row)
  }

  async listDocuments(collection: string, query: { prefix?: string; limit?: number } = {}): Promise<DocumentRecord[]> {
    const limit = limitOf(query.limit, 'listDocuments')
    const prefix = query.prefix === undefined ? '' : encode.text(query.prefix, 'listDocuments.prefix')
    const c = encode.text(collection, 'listDocuments.collection')
    const rows = await this.#run('listDocuments', (db) => {
      const q = db
        .selectFrom('documents')
        .select(DOCUMENT_COLUMNS)
        .where('collection', '=', c)
        .where('key', '>=', prefix)
        .where('key', '<', prefix + MAX_KEY_CHAR)
        .orderBy('key')
      return (limit === undefined ? q : q.limit(limit)).execute()
    })
    return rows.map(documentFromRow)
  }

  async commit(change: CommitRequest): Promise<void> {
    if (typeof change !== 'object' || change === null) throw invalid('commit', 'expected an object with writes, events and outbox')
    const writes = list(change.writes, 'commit.writes').map((w, i) => {
      const field = `commit.writes[${i}]`
      if (typeof w !== 'object' || w === null) throw invalid(field, 'expected an object')
      const value = w.value === null ? null : encode.jsonValue(w.value, `${field}.value`)
      const expected = w.expectedRevision === undefined ? undefined : encode.integer(w.expectedRevision, `${field}.expectedRevision`)
      return { collection: encode.text(w.collection, `${field}.collection`), key: encode.text(w.key, `${field}.key`), value, expected }
    })
    const events = list(change.events, 'commit.events').map((e, i) => eventRow(e, `commit.events[${i}]`))
    const outbox: Insertable<OutboxTable>[] = list(change.outbox, 'commit.outbox').map((o, i) => {
      const field = `commit.outbox[${i}]`
      if (typeof o !== 'object' || o === null) throw invalid(field, 'expected an object')
      const createdAt = encode.text(o.createdAt, `${field}.createdAt`)
      return {
        id: encode.text(o.id, `${field}.id`),
        channel: encode.text(o.channel, `${field}.channel`),
        event_id: encode.text(o.eventId, `${field}.eventId`),
        payload: encode.json(o.payload, `${field}.payload`),
        status: 'pending',
        attempts: 0,
        available_at: o.availableAt === undefined ? createdAt : encode.text(o.availableAt, `${field}.availableAt`),
        created_at: createdAt,
      }
    })
    const now = new Date().toISOString()
    await this.#transaction('commit', async (trx) => {
      // Lock the existing documents in one (sorted) order first: two commits touching the same
      // documents in different orders then queue instead of deadlocking.
      const keys = [...new Map(writes.map((w) => [`${w.collection}\u0000${w.key}`, w])).values()]
      if (keys.length > 1) {
        await sql`SELECT 1 FROM ${sql.table(`${this.schema}.documents`)}
                  WHERE (collection, key) IN (${sql.join(keys.map((w) => sql`(${w.collection}, ${w.key})`))})
                  ORDER BY collection, key FOR UPDATE`.execute(trx)
      }
      for (const w of writes) await this.#applyWrite(trx, w, now)
      if (events.length > 0) await this.#insertEvents(trx, events)
      if (outbox.length > 0) await trx.insertInto('outbox').values(outbox).onConflict((oc) => oc.column('id').doNothing()).execute()
    })
  }

  async claimOutbox(query: { now: string; leaseMs: number; limit: number; channels?: string[] }): Promise<OutboxItem[]> {
    if (typeof query !== 'object' || query === null) throw invalid('claimOutbox', 'expected { now, leaseMs, limit, channels? }')
    const now = encode.text(query.now, 'claimOutbox.now')
    const nowMs = Date.parse(now)
    if (Number.isNaN(nowMs)) throw invalid('claimOutbox.now', `expected an ISO time, got ${JSON.stringify(now)}`)
    const leaseMs = encode.integer(query.leaseMs, 'claimOutbox.leaseMs')
    const limit = limitOf(query.limit, 'claimOutbox') ?? 1
    const channels = query.channels === undefined ? undefined : list(query.channels, 'claimOutbox.channels').map((c, i) => encode.text(c, `claimOutbox.channels[${i}]`))
    const until = new Date(nowMs + leaseMs).toISOString()
    const outbox = sql.table(`${this.schema}.outbox`)
    // SKIP LOCKED: a concurrent claimer passes over the rows this one is taking instead of waiting for
    // them (and then finding them leased); each item goes to exactly one claimer.
    const rows = await this.#run('claimOutbox', async (db) => {
      const result = await sql<OutboxRow & { ord: number; claimed_from: string }>`
        WITH picked AS (
          SELECT ord, available_at FROM ${outbox}
          WHERE status = 'pending' AND available_at <= ${now}
            ${channels === undefined ? sql`` : sql`AND channel = ANY(${channels}::text[])`}
          ORDER BY available_at, ord
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE ${outbox} AS o SET attempts = o.attempts + 1, available_at = ${until}
        FROM picked WHERE o.ord = picked.ord
        RETURNING ${sql.join(OUTBOX_COLUMNS.map((c) => sql.ref(`o.${c}`)))}, o.ord, picked.available_at AS claimed_from`.execute(db)
      return result.rows
    })
    // RETURNING has no order: restore the claim order (oldest first).
    rows.sort((a, b) => (a.claimed_from < b.claimed_from ? -1 : a.claimed_from > b.claimed_from ? 1 : a.ord - b.ord))
    return rows.map(outboxFromRow)
  }

  async settleOutbox(id: string, outcome: OutboxSettlement): Promise<void> {
    encode.text(id, 'settleOutbox.id')
    if (typeof outcome !== 'object' || outcome === null) throw invalid(`settleOutbox(${id})`, 'expected { delivered: true, at } or { delivered: false, error, retryAt }')
    const set: Updateable<OutboxTable> = outcome.delivered
      ? { status: 'delivered', delivered_at: encode.text(outcome.at, 'settleOutbox.at'), last_error: null }
      : outcome.retryAt === null
        ? { status: 'dead', last_error: encode.text(outcome.error, 'settleOutbox.error') }
        : { status: 'pending', available_at: encode.text(outcome.retryAt, 'settleOutbox.retryAt'), last_error: encode.text(outcome.error, 'settleOutbox.error') }
    const where = `settleOutbox(${id})`
    const result = await this.#run(where, (db) => db.updateTable('outbox').set(set).where('id', '=', id).executeTakeFirst())
    if (Number(result.numUpdatedRows) === 0) throw invalid(where, 'no outbox item has this id')
  }

  async listOutbox(query: { status?: OutboxStatus; channel?: string; limit?: number } = {}): Promise<OutboxItem[]> {
    const limit = limitOf(query.limit, 'listOutbox')
    const status = query.status === undefined ? undefined : encode.oneOf(query.status, OUTBOX_STATUSES, 'listOutbox.status')
    const channel = query.channel === undefined ? undefined : encode.text(query.channel, 'listOutbox.channel')
    const rows = await this.#run('listOutbox', (db) => {
      let q = db.selectFrom('outbox').select(OUTBOX_COLUMNS)
      if (status !== undefined) q = q.where('status', '=', status)
      if (channel !== undefined) q = q.where('channel', '=', channel)
      q = q.orderBy('ord')
      return (limit === undefined ? q : q.limit(limit)).execute()
    })
    return rows.map(outboxFromRow)
  }

  /**
   * The tables the migrations create, every reference the schema implies (the foreign keys may have
   * been dropped or disabled by hand) and the schema version, in one repeatable-read snapshot.
   */
  async checkIntegrity(): Promise<{ ok: boolean; problems: string[] }> {
    const schema = this.schema
    const problems = await this.#run('checkIntegrity', (db) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const found: string[] = []
          const present = new Set(
            (
              await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema}`.execute(trx)
            ).rows.map((r) => r.table_name),
          )
          const missing = TABLES.filter((t) => !present.has(t))
          if (missing.length > 0) {
            found.push(`schema ${schema} lacks the tables ${missing.join(', ')}`)
            return found
          }
          const t = (name: string) => sql.table(`${schema}.${name}`)
          const checks: { query: ReturnType<typeof sql<Record<string, string>>>; describe: (row: Record<string, string>) => string }[] = [
            {
              query: sql`SELECT s.run_id, s.step_id FROM ${t('steps')} s LEFT JOIN ${t('runs')} r ON r.id = s.run_id WHERE r.id IS NULL`,
              describe: (r) => `step ${r.step_id} belongs to run ${r.run_id}, which does not exist`,
            },
            {
              query: sql`SELECT io.run_id, io.step_id, io.direction, io.name, io.hash FROM ${t('step_io')} io
                         LEFT JOIN ${t('artifacts')} a ON a.hash = io.hash WHERE a.hash IS NULL`,
              describe: (r) => `${r.direction} "${r.name}" of step ${r.step_id} in run ${r.run_id} names artifact ${r.hash}, which is not recorded`,
            },
            {
              query: sql`SELECT io.run_id, io.step_id, io.direction, io.name FROM ${t('step_io')} io
                         LEFT JOIN ${t('steps')} s ON s.run_id = io.run_id AND s.step_id = io.step_id WHERE s.step_id IS NULL`,
              describe: (r) => `${r.direction} "${r.name}" belongs to step ${r.step_id} of run ${r.run_id}, which does not exist`,
            },
            {
              query: sql`SELECT m.run_id, m.step_id, m.key FROM ${t('metrics')} m
                         LEFT JOIN ${t('steps')} s ON s.run_id = m.run_id AND s.step_id = m.step_id WHERE s.step_id IS NULL`,
              describe: (r) => `metric "${r.key}" belongs to step ${r.step_id} of run ${r.run_id}, which does not exist`,
            },
          ]
          for (const check of checks) {
            const rows = (await sql<Record<string, string>>`${check.query} LIMIT ${sql.lit(PROBLEMS_PER_CHECK + 1)}`.execute(trx)).rows
            for (const row of rows.slice(0, PROBLEMS_PER_CHECK)) found.push(check.describe(row))
            if (rows.length > PROBLEMS_PER_CHECK) found.push(`… and more like the previous (only the first ${PROBLEMS_PER_CHECK} are listed)`)
          }
          const version = await schemaVersion(trx, schema)
          if (version !== LATEST_SCHEMA_VERSION) found.push(`schema version is ${version}, expected ${LATEST_SCHEMA_VERSION}`)
          return found
        }),
    )
    return { ok: problems.length === 0, problems }
  }

  /** A round trip to the server (reading the schema version); never throws. */
  async check(options: CallOptions = {}): Promise<HealthCheckResult> {
    const where = `PostgreSQL ${this.where}, schema ${this.schema}`
    if (this.#closed) return { ok: false, detail: `${where}: the store is closed` }
    if (options.signal?.aborted) return { ok: false, detail: `${where}: the check was cancelled` }
    try {
      const version = await abortable(schemaVersion(this.#kysely, this.schema), options.signal)
      if (version !== LATEST_SCHEMA_VERSION) return { ok: false, detail: `${where}: schema version ${version}, expected ${LATEST_SCHEMA_VERSION}; open the store with this release to migrate it` }
      return { ok: true, detail: `${where} (schema version ${version})` }
    } catch (error) {
      const problem = connectionProblem(error)
      const reason = problem ? `${problem.reason}. ${problem.fix}` : error instanceof Error ? error.message : String(error)
      return { ok: false, detail: `${where}: ${reason}` }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#kysely.destroy()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** One statement (or a builder chain) outside an explicit transaction, with errors translated. */
  async #run<T>(what: string, body: (db: Db) => Promise<T>): Promise<T> {
    const db = this.#open()
    try {
      return await body(db)
    } catch (error) {
      throw translateError(error, what, this.where)
    }
  }

  /** BEGIN … COMMIT on one connection; a deadlock victim runs again (it was rolled back whole). */
  async #transaction<T>(what: string, body: (trx: Trx) => Promise<T>): Promise<T> {
    const db = this.#open()
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(body)
      } catch (error) {
        if (attempt < TRANSACTION_ATTEMPTS && isRetryable(error)) continue
        throw translateError(error, what, this.where)
      }
    }
  }

  #open(): Db {
    if (this.#closed) throw new Error(`The metadata store ${this.where} (schema ${this.schema}) is closed; open a new one with openPostgresMetadataStore().`)
    return this.#db
  }

  /**
   * Event appends hold an advisory lock until commit: seqs come from an identity, and without the lock
   * a transaction holding seq 7 could commit after one holding seq 8, so a reader that had seen 8 and
   * asks for "after 8" would never see 7.
   */
  async #insertEvents(trx: Trx, rows: Insertable<EventsTable>[]): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`@mlops/metadata-postgres:events:${this.schema}`}, 0))`.execute(trx)
    await trx.insertInto('events').values(rows).onConflict((oc) => oc.column('id').doNothing()).execute()
  }

  async #applyWrite(trx: Trx, w: { collection: string; key: string; value: string | null; expected: number | undefined }, now: string): Promise<void> {
    const documents = () => trx.selectFrom('documents').where('collection', '=', w.collection).where('key', '=', w.key)
    const conflict = async (): Promise<never> => {
      const current = await documents().select('revision').executeTakeFirst()
      const revision = current?.revision ?? 0
      throw mlopsError(errors.WriteConflict, [
        `${w.collection}/${w.key}`,
        `expected revision ${w.expected}${w.expected === 0 ? ' (absent)' : ''}, found ${revision}${revision === 0 ? ' (absent)' : ''}`,
      ])
    }
    if (w.expected === undefined) {
      if (w.value === null) {
        await trx.deleteFrom('documents').where('collection', '=', w.collection).where('key', '=', w.key).execute()
      } else {
        await trx
          .insertInto('documents')
          .values({ collection: w.collection, key: w.key, value: w.value, revision: 1, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['collection', 'key']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              revision: sql<number>`${sql.ref('documents.revision')} + 1`,
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute()
      }
      return
    }
    if (w.expected === 0) {
      if (w.value === null) {
        // "Delete what must not exist": nothing to do unless it exists.
        if (await documents().select('revision').forUpdate().executeTakeFirst()) await conflict()
        return
      }
      // DO NOTHING waits for a concurrent insert of the same key to commit, then inserts nothing.
      const inserted = await trx
        .insertInto('documents')
        .values({ collection: w.collection, key: w.key, value: w.value, revision: 1, updated_at: now })
        .onConflict((oc) => oc.columns(['collection', 'key']).doNothing())
        .executeTakeFirst()
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) await conflict()
      return
    }
    // READ COMMITTED re-checks `revision = expected` against a row a concurrent writer just
    // committed, so exactly one of two racing writers matches.
    const changed =
      w.value === null
        ? (await trx.deleteFrom('documents').where('collection', '=', w.collection).where('key', '=', w.key).where('revision', '=', w.expected).executeTakeFirst())
            .numDeletedRows
        : (
            await trx
              .updateTable('documents')
              .set({ value: w.value, revision: w.expected + 1, updated_at: now })
              .where('collection', '=', w.collection)
              .where('key', '=', w.key)
              .where('revision', '=', w.expected)
              .executeTakeFirst()
          ).numUpdatedRows
    if (Number(changed) === 0) await conflict()
  }
}

function eventRow(event: Omit<EventRecord, 'seq'>, field: string): Insertable<EventsTable> {
  if (typeof event !== 'object' || event === null) throw invalid(field, 'expected an object')
  return {
    id: encode.text(event.id, `${field}.id`),
    type: encode.text(event.type, `${field}.type`),
    payload: encode.json(event.payload, `${field}.payload`),
    created_at: encode.text(event.createdAt, `${field}.createdAt`),
  }
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalid(field, 'expected an array')
  return value
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('the check was cancelled'))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** The schema's version: 0 when the schema or its schema_version table does not exist. */
async function schemaVersion(db: Kysely<Database>, schema: string): Promise<number> {
  const table = `${quoteIdent(schema)}.schema_version`
  const present = await sql<{ present: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS present`.execute(db)
  if (!present.rows[0]?.present) return 0
  const row = await sql<{ version: number | null }>`SELECT max(version) AS version FROM ${sql.table(`${schema}.schema_version`)}`.execute(db)
  return row.rows[0]?.version ?? 0
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION. The usual case (already current) costs two reads and no
 * lock. Otherwise everything runs in one transaction holding a transaction-scoped advisory lock on the
 * schema's name, re-reading the version after taking it: a second process starting at the same moment
 * waits, then finds the schema migrated. A crash mid-migration rolls back to the previous version.
 */
async function migrate(db: Kysely<Database>, schema: string, where: string): Promise<void> {
  const current = await schemaVersion(db, schema)
  if (current === LATEST_SCHEMA_VERSION) return
  assertKnownVersion(current, schema, where)
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`@mlops/metadata-postgres:migrate:${schema}`}, 0))`.execute(trx)
    const exists = await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`.execute(trx)
    // Only when missing: CREATE SCHEMA needs the CREATE privilege, which a role given a prepared schema may lack.
    if (exists.rows.length === 0) await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx)
    const version = await schemaVersion(trx, schema)
    assertKnownVersion(version, schema, where)
    if (version === LATEST_SCHEMA_VERSION) return
    if (version === 0) {
      const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(trx)
      if (tables.rows.length > 0) {
        throw invalid(
          `${where} schema ${schema}`,
          `this schema is not an mlops metadata store (it has the tables ${tables.rows.map((t) => t.table_name).join(', ')} and no schema_version). Set the \`schema\` option of @mlops/metadata-postgres to a new schema name.`,
        )
      }
      await sql`CREATE TABLE ${sql.table(`${schema}.schema_version`)} (version integer PRIMARY KEY, description text NOT NULL, applied_at text NOT NULL)`.execute(trx)
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue
      await sql.raw(migration.sql.replaceAll('{schema}', quoteIdent(schema))).execute(trx)
      await trx.withSchema(schema).insertInto('schema_version').values({ version: migration.version, description: migration.description, applied_at: new Date().toISOString() }).execute()
    }
  })
}

function assertKnownVersion(version: number, schema: string, where: string): void {
  if (version > LATEST_SCHEMA_VERSION) {
    throw invalid(
      `${where} schema ${schema}`,
      `the metadata schema has version ${version}, but this @mlops/metadata-postgres knows versions up to ${LATEST_SCHEMA_VERSION}: it was written by a newer release. Upgrade @mlops/metadata-postgres (and @mlops/cli) to open it.`,
    )
  }
}

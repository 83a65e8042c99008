import type { ArtifactRecord, DocumentRecord, EventRecord, MetricRecord, OutboxItem, OutboxStatus, RunRecord, StepIoRecord, StepRecord } from '@mlops/core'

/** Rows as SQLite returns them (JSON columns are TEXT). */
export interface RunRow {
  id: string
  pipeline: string
  status: string
  params: string
  code_version: string
  environment: string
  pid: number | null
  hostname: string | null
  started_at: string
  finished_at: string | null
  error: string | null
  resume_count: number
}

export interface StepRow {
  run_id: string
  step_id: string
  step_name: string
  status: string
  cache_key: string
  code_version: string
  params: string
  attempts: number
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  cached_from_run_id: string | null
  error: string | null
}

export interface ArtifactRow {
  hash: string
  kind: string
  size: number
  media_type: string
  created_at: string
  meta: string
}

export interface StepIoRow {
  run_id: string
  step_id: string
  direction: string
  name: string
  hash: string
}

export interface MetricRow {
  run_id: string
  step_id: string
  key: string
  value: number
  recorded_at: string
}

export interface EventRow {
  seq: number
  id: string
  type: string
  payload: string
  created_at: string
}

export const RUN_COLUMNS = 'id, pipeline, status, params, code_version, environment, pid, hostname, started_at, finished_at, error, resume_count'
export const STEP_COLUMNS =
  'run_id, step_id, step_name, status, cache_key, code_version, params, attempts, started_at, finished_at, duration_ms, cached_from_run_id, error'
export const ARTIFACT_COLUMNS = 'hash, kind, size, media_type, created_at, meta'
export const STEP_IO_COLUMNS = 'run_id, step_id, direction, name, hash'
export const METRIC_COLUMNS = 'run_id, step_id, key, value, recorded_at'
export const EVENT_COLUMNS = 'seq, id, type, payload, created_at'

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T)
}

export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    status: row.status as RunRecord['status'],
    params: JSON.parse(row.params) as RunRecord['params'],
    codeVersion: row.code_version,
    environment: JSON.parse(row.environment) as RunRecord['environment'],
    pid: row.pid,
    hostname: row.hostname,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: parseJson<NonNullable<RunRecord['error']>>(row.error),
    resumeCount: row.resume_count,
  }
}

export function stepFromRow(row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    stepName: row.step_name,
    status: row.status as StepRecord['status'],
    cacheKey: row.cache_key,
    codeVersion: row.code_version,
    params: JSON.parse(row.params) as StepRecord['params'],
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    cachedFromRunId: row.cached_from_run_id,
    error: parseJson<NonNullable<StepRecord['error']>>(row.error),
  }
}

export function artifactFromRow(row: ArtifactRow): ArtifactRecord {
  return {
    hash: row.hash,
    kind: row.kind,
    size: row.size,
    mediaType: row.media_type,
    createdAt: row.created_at,
    meta: JSON.parse(row.meta) as ArtifactRecord['meta'],
  }
}

export function stepIoFromRow(row: StepIoRow): StepIoRecord {
  return { runId: row.run_id, stepId: row.step_id, direction: row.direction as StepIoRecord['direction'], name: row.name, hash: row.hash }
}

export function metricFromRow(row: MetricRow): MetricRecord {
  return { runId: row.run_id, stepId: row.step_id, key: row.key, value: row.value, recordedAt: row.recorded_at }
}

export function eventFromRow(row: EventRow): EventRecord {
  return { seq: row.seq, id: row.id, type: row.type, payload: JSON.parse(row.payload) as EventRecord['payload'], createdAt: row.created_at }
}

export interface DocumentRow {
  collection: string
  key: string
  value: string
  revision: number
  updated_at: string
}

export const DOCUMENT_COLUMNS = 'collection, key, value, revision, updated_at'

export function documentFromRow(row: DocumentRow): DocumentRecord {
  return { collection: row.collection, key: row.key, value: JSON.parse(row.value) as unknown, revision: row.revision, updatedAt: row.updated_at }
}

export interface OutboxRow {
  id: string
  channel: string
  event_id: string
  payload: string
  status: OutboxStatus
  attempts: number
  available_at: string
  last_error: string | null
  created_at: string
  delivered_at: string | null
}

export const OUTBOX_COLUMNS = 'id, channel, event_id, payload, status, attempts, available_at, last_error, created_at, delivered_at'

export function outboxFromRow(row: OutboxRow): OutboxItem {
  return {
    id: row.id,
    channel: row.channel,
    eventId: row.event_id,
    payload: JSON.parse(row.payload) as OutboxItem['payload'],
    status: row.status,
    attempts: row.attempts,
    availableAt: row.available_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  }
}

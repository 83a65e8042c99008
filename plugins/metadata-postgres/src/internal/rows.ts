import type { Selectable } from 'kysely'
import type { ArtifactRecord, DocumentRecord, EventRecord, MetricRecord, OutboxItem, RunRecord, StepIoRecord, StepRecord } from '@mlops/core'
import type { ArtifactsTable, DocumentsTable, EventsTable, MetricsTable, OutboxTable, RunsTable, StepIoTable, StepsTable } from './database.js'

/** Columns each record is read from (json columns arrive parsed; int8 arrives as a number). */
export const RUN_COLUMNS = [
  'id',
  'pipeline',
  'status',
  'params',
  'code_version',
  'environment',
  'pid',
  'hostname',
  'started_at',
  'finished_at',
  'error',
  'resume_count',
] as const
export const STEP_COLUMNS = [
  'run_id',
  'step_id',
  'step_name',
  'status',
  'cache_key',
  'code_version',
  'params',
  'attempts',
  'started_at',
  'finished_at',
  'duration_ms',
  'cached_from_run_id',
  'error',
] as const
export const ARTIFACT_COLUMNS = ['hash', 'kind', 'size', 'media_type', 'created_at', 'meta'] as const
export const STEP_IO_COLUMNS = ['run_id', 'step_id', 'direction', 'name', 'hash'] as const
export const METRIC_COLUMNS = ['run_id', 'step_id', 'key', 'value', 'recorded_at'] as const
export const EVENT_COLUMNS = ['seq', 'id', 'type', 'payload', 'created_at'] as const
export const DOCUMENT_COLUMNS = ['collection', 'key', 'value', 'revision', 'updated_at'] as const
export const OUTBOX_COLUMNS = ['id', 'channel', 'event_id', 'payload', 'status', 'attempts', 'available_at', 'last_error', 'created_at', 'delivered_at'] as const

type RunRow = Pick<Selectable<RunsTable>, (typeof RUN_COLUMNS)[number]>
type StepRow = Pick<Selectable<StepsTable>, (typeof STEP_COLUMNS)[number]>
type ArtifactRow = Pick<Selectable<ArtifactsTable>, (typeof ARTIFACT_COLUMNS)[number]>
type StepIoRow = Pick<Selectable<StepIoTable>, (typeof STEP_IO_COLUMNS)[number]>
type MetricRow = Pick<Selectable<MetricsTable>, (typeof METRIC_COLUMNS)[number]>
type EventRow = Pick<Selectable<EventsTable>, (typeof EVENT_COLUMNS)[number]>
type DocumentRow = Pick<Selectable<DocumentsTable>, (typeof DOCUMENT_COLUMNS)[number]>
export type OutboxRow = Pick<Selectable<OutboxTable>, (typeof OUTBOX_COLUMNS)[number]>

export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    status: row.status as RunRecord['status'],
    params: row.params as RunRecord['params'],
    codeVersion: row.code_version,
    environment: row.environment as RunRecord['environment'],
    pid: row.pid,
    hostname: row.hostname,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: (row.error ?? null) as RunRecord['error'],
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
    params: row.params as StepRecord['params'],
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    cachedFromRunId: row.cached_from_run_id,
    error: (row.error ?? null) as StepRecord['error'],
  }
}

export function artifactFromRow(row: ArtifactRow): ArtifactRecord {
  return { hash: row.hash, kind: row.kind, size: row.size, mediaType: row.media_type, createdAt: row.created_at, meta: row.meta as ArtifactRecord['meta'] }
}

export function stepIoFromRow(row: StepIoRow): StepIoRecord {
  return { runId: row.run_id, stepId: row.step_id, direction: row.direction as StepIoRecord['direction'], name: row.name, hash: row.hash }
}

export function metricFromRow(row: MetricRow): MetricRecord {
  return { runId: row.run_id, stepId: row.step_id, key: row.key, value: row.value, recordedAt: row.recorded_at }
}

export function eventFromRow(row: EventRow): EventRecord {
  return { seq: row.seq, id: row.id, type: row.type, payload: row.payload as EventRecord['payload'], createdAt: row.created_at }
}

export function documentFromRow(row: DocumentRow): DocumentRecord {
  return { collection: row.collection, key: row.key, value: row.value, revision: row.revision, updatedAt: row.updated_at }
}

export function outboxFromRow(row: OutboxRow): OutboxItem {
  return {
    id: row.id,
    channel: row.channel,
    eventId: row.event_id,
    payload: row.payload as OutboxItem['payload'],
    status: row.status as OutboxItem['status'],
    attempts: row.attempts,
    availableAt: row.available_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  }
}

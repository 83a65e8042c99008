import type { ColumnType, Generated } from 'kysely'

/** JSON columns (`json`): written as the JSON text, read back parsed by pg. */
type Json = ColumnType<unknown, string, string>
type JsonOrNull = ColumnType<unknown, string | null, string | null>
/** `bigint` identities: int8 is parsed to a JS number (every value the store writes is a safe integer). */
type Identity = Generated<number>

export interface SchemaVersionTable {
  version: number
  description: string
  applied_at: string
}

export interface RunsTable {
  id: string
  pipeline: string
  status: string
  params: Json
  code_version: string
  environment: Json
  pid: number | null
  hostname: string | null
  started_at: string
  finished_at: string | null
  error: JsonOrNull
  resume_count: number
}

export interface StepsTable {
  ord: Identity
  run_id: string
  step_id: string
  step_name: string
  status: string
  cache_key: string
  code_version: string
  params: Json
  attempts: number
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  cached_from_run_id: string | null
  error: JsonOrNull
}

export interface ArtifactsTable {
  hash: string
  kind: string
  size: number
  media_type: string
  created_at: string
  meta: Json
}

export interface StepIoTable {
  ord: Identity
  run_id: string
  step_id: string
  direction: string
  name: string
  hash: string
}

export interface MetricsTable {
  ord: Identity
  run_id: string
  step_id: string
  key: string
  value: number
  recorded_at: string
}

export interface EventsTable {
  seq: Identity
  id: string
  type: string
  payload: Json
  created_at: string
}

export interface DocumentsTable {
  collection: string
  key: string
  value: Json
  revision: number
  updated_at: string
}

export interface OutboxTable {
  ord: Identity
  id: string
  channel: string
  event_id: string
  payload: Json
  status: string
  attempts: number
  available_at: string
  last_error: string | null
  created_at: string
  delivered_at: string | null
}

/** The tables of one store's schema (Kysely's `withSchema` qualifies them). */
export interface Database {
  schema_version: SchemaVersionTable
  runs: RunsTable
  steps: StepsTable
  artifacts: ArtifactsTable
  step_io: StepIoTable
  metrics: MetricsTable
  events: EventsTable
  documents: DocumentsTable
  outbox: OutboxTable
}

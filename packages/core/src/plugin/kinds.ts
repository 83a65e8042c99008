import type { SerializedError } from '../errors/mlops-error.js'

/**
 * The plugin contracts (apiVersion 1). Core implements none of them itself: the embedded defaults
 * (`@mlops/storage-fs`, `@mlops/metadata-sqlite`) are plugins like any third party's, and
 * `@mlops/testkit` holds the conformance suite for each kind.
 */

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** What every plugin's `setup` receives. */
export interface PluginContext {
  /** Project root: the folder holding mlops.config.ts. */
  root: string
  /** `<root>/.mlops`, where embedded stores keep their files. */
  dataDir: string
  logger: Logger
  signal: AbortSignal
  /** Environment variables (secrets come from here, never from the stored config). */
  env: Readonly<Record<string, string | undefined>>
}

export interface CallOptions {
  signal?: AbortSignal
}

/** What `mlops doctor` prints for one backend. */
export interface HealthCheckResult {
  ok: boolean
  /** One line: where it is (host, bucket, queue …) and, when not ok, what failed and how to fix it. */
  detail: string
}

/**
 * Every plugin kind may implement `check`, which `mlops doctor` calls: it must reach the backend (a
 * round-trip, not a config echo) and never throw for an unreachable one (return `ok: false`).
 */
export interface HealthCheckable {
  check?(options?: CallOptions): Promise<HealthCheckResult>
}

// ---------------------------------------------------------------------------------------------
// storage
// ---------------------------------------------------------------------------------------------

/** sha256 of the content, 64 lowercase hex characters. */
export type ContentHash = string

export interface StoredObject {
  hash: ContentHash
  size: number
}

/**
 * Artifact bytes by content hash. `put` is atomic (readers never see a partial object) and idempotent;
 * `get`/`getStream` verify the hash and reject corrupted bytes with MLOPS_ARTIFACT_CORRUPTED; a key that
 * is not a sha256 hex string is rejected with MLOPS_ARTIFACT_NAME_INVALID (no path traversal).
 */
export interface ArtifactStore extends HealthCheckable {
  /**
   * `local`: only processes on this machine can reach it (files under `.mlops/`); `shared`: every worker
   * and every teammate reaches the same store (S3, …). A remote executor refuses local stores.
   * Undefined means `local`.
   */
  readonly scope?: StoreScope
  put(data: Uint8Array | AsyncIterable<Uint8Array>, options?: CallOptions): Promise<StoredObject>
  get(hash: ContentHash, options?: CallOptions): Promise<Uint8Array>
  getStream(hash: ContentHash, options?: CallOptions): AsyncIterable<Uint8Array>
  has(hash: ContentHash, options?: CallOptions): Promise<boolean>
  list(options?: CallOptions & { prefix?: string }): AsyncIterable<StoredObject>
  delete(hash: ContentHash, options?: CallOptions): Promise<void>
  /** Where the object lives, for messages (`.mlops/artifacts/ab/cd…`, `s3://bucket/key`). */
  describe(hash: ContentHash): string
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// metadata
// ---------------------------------------------------------------------------------------------

export type StoreScope = 'local' | 'shared'

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'cached' | 'failed' | 'cancelled' | 'skipped'

export interface RunEnvironment {
  nodeVersion: string
  platform: string
  arch: string
  osRelease: string
  hostname: string
  user: string | null
  gitCommit: string | null
  gitDirty: boolean | null
  lockfileHash: string | null
  packages: Record<string, string>
}

export interface RunRecord {
  id: string
  pipeline: string
  status: RunStatus
  /** Resolved params per step (after zod parsing, defaults included). */
  params: Record<string, Record<string, unknown>>
  /** Hash over the code versions of the pipeline's steps. */
  codeVersion: string
  environment: RunEnvironment
  /** The process executing the run (for telling a crashed run from a live one). */
  pid: number | null
  hostname: string | null
  startedAt: string
  finishedAt: string | null
  error: SerializedError | null
  /** How many times `--resume` picked the run up. */
  resumeCount: number
}

export interface StepRecord {
  runId: string
  stepId: string
  /** The step definition's name (several nodes may use one definition). */
  stepName: string
  status: StepStatus
  cacheKey: string
  codeVersion: string
  params: Record<string, unknown>
  attempts: number
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  /** Run whose outputs were reused on a cache hit. */
  cachedFromRunId: string | null
  error: SerializedError | null
}

export type ArtifactKindName = 'dataset' | 'model' | 'metrics' | 'json' | 'file' | (string & {})

export interface ArtifactRecord {
  hash: ContentHash
  kind: ArtifactKindName
  size: number
  mediaType: string
  createdAt: string
  /** Free-form facts (row count, columns, schema) for `runs show` and lineage. */
  meta: Record<string, unknown>
}

/** An edge of the lineage graph: a step of a run consumed (`input`) or produced (`output`) an artifact. */
export interface StepIoRecord {
  runId: string
  stepId: string
  direction: 'input' | 'output'
  name: string
  hash: ContentHash
}

export interface MetricRecord {
  runId: string
  stepId: string
  key: string
  value: number
  recordedAt: string
}

export interface EventRecord {
  /** Monotonic sequence assigned by the store. */
  seq: number
  id: string
  type: string
  payload: Record<string, unknown>
  createdAt: string
}

export interface StepCompletion {
  status: Extract<StepStatus, 'succeeded' | 'cached'>
  finishedAt: string
  durationMs: number
  attempts: number
  cachedFromRunId?: string | null
  /** Artifacts to record (idempotent: an existing hash is left as is). */
  artifacts: ArtifactRecord[]
  inputs: { name: string; hash: ContentHash }[]
  outputs: { name: string; hash: ContentHash }[]
  metrics: { key: string; value: number }[]
}

/**
 * A JSON document in a named collection, with an optimistic-concurrency revision: 1 when created, +1 on
 * every write. The registry (model versions, aliases), deployments, approvals, trigger state, alert
 * cooldowns, the prediction-log index and the daemon lease are all documents; their meaning lives in
 * core, so every metadata backend stores them the same way.
 */
export interface DocumentRecord<T = unknown> {
  collection: string
  key: string
  value: T
  revision: number
  updatedAt: string
}

export interface DocumentWrite {
  collection: string
  key: string
  /** The new value (any JSON); `null` deletes the document. */
  value: unknown
  /**
   * The revision the writer last read: `0` means "must not exist yet". When the stored revision differs
   * (another writer got there first), the whole `commit` fails with MLOPS_WRITE_CONFLICT and writes
   * nothing. Omitted: an unconditional write.
   */
  expectedRevision?: number
}

export type OutboxStatus = 'pending' | 'delivered' | 'dead'

/** A message waiting to be delivered by a notifier: the transactional outbox. */
export interface OutboxItem {
  /** Unique; enqueueing an id that exists is ignored (idempotent). */
  id: string
  /** Which notifier delivers it (the notifier's name). */
  channel: string
  /** The event it announces; receivers deduplicate by this id. */
  eventId: string
  payload: Record<string, unknown>
  status: OutboxStatus
  /** Delivery attempts so far (claims). */
  attempts: number
  /** Not to be claimed before this time (ISO). Claiming pushes it forward by the lease. */
  availableAt: string
  lastError: string | null
  createdAt: string
  deliveredAt: string | null
}

export type OutboxEnqueue = Pick<OutboxItem, 'id' | 'channel' | 'eventId' | 'payload' | 'createdAt'> & { availableAt?: string }

/** One atomic change: document writes, events and outbox messages commit together or not at all. */
export interface CommitRequest {
  writes?: DocumentWrite[]
  /** Appended to the event log; an id already present is ignored. */
  events?: Omit<EventRecord, 'seq'>[]
  outbox?: OutboxEnqueue[]
}

export type OutboxSettlement =
  | { delivered: true; at: string }
  /** `retryAt` null: give up (status `dead`). */
  | { delivered: false; error: string; retryAt: string | null }

export interface ListRunsQuery {
  pipeline?: string
  status?: RunStatus
  limit?: number
}

/**
 * Runs, steps, artifacts, lineage, metrics and events. Each method is one transaction: a crash leaves
 * either all of its writes or none. Concurrent writers (two runs in two processes) never lose a write.
 */
export interface MetadataStore extends HealthCheckable {
  /** `local` (a file on this machine) or `shared` (a server every worker reaches). Undefined means `local`. */
  readonly scope?: StoreScope
  createRun(run: RunRecord): Promise<void>
  /** Sets the fields given; `finishedAt`, `error` and `status` together end a run. */
  updateRun(id: string, patch: Partial<Omit<RunRecord, 'id'>>): Promise<void>
  getRun(id: string): Promise<RunRecord | undefined>
  /** Runs whose id starts with `prefix` (for short ids typed by people). */
  findRuns(prefix: string): Promise<RunRecord[]>
  listRuns(query?: ListRunsQuery): Promise<RunRecord[]>

  /** Inserts or replaces the step row (status changes: pending → running → failed …). */
  upsertStep(step: StepRecord): Promise<void>
  /** Marks a step finished and records its artifacts, lineage edges and metrics in one transaction. */
  completeStep(runId: string, stepId: string, completion: StepCompletion): Promise<void>
  listSteps(runId: string): Promise<StepRecord[]>

  getArtifact(hash: ContentHash): Promise<ArtifactRecord | undefined>
  findArtifacts(hashPrefix: string): Promise<ArtifactRecord[]>
  listStepIo(runId: string): Promise<StepIoRecord[]>
  /** Step runs that produced the artifact, oldest first. */
  findProducers(hash: ContentHash): Promise<StepIoRecord[]>

  /** The outputs of the most recent succeeded (not cached) step with this cache key. */
  findCachedOutputs(cacheKey: string): Promise<{ runId: string; stepId: string; outputs: { name: string; hash: ContentHash }[] } | undefined>

  listMetrics(runId: string): Promise<MetricRecord[]>

  /** Appends to the event log; an event id already present is ignored (idempotent). */
  appendEvent(event: Omit<EventRecord, 'seq'>): Promise<void>
  listEvents(query?: { afterSeq?: number; type?: string; limit?: number }): Promise<EventRecord[]>

  /** A document, or undefined when absent. */
  getDocument(collection: string, key: string): Promise<DocumentRecord | undefined>
  /** Documents of a collection ordered by key (byte order), optionally those whose key starts with `prefix`. */
  listDocuments(collection: string, query?: { prefix?: string; limit?: number }): Promise<DocumentRecord[]>
  /**
   * Applies `writes` (checking every `expectedRevision` first), appends `events` and enqueues `outbox`
   * messages in one transaction. Two processes racing on one document: exactly one wins, the other gets
   * MLOPS_WRITE_CONFLICT and nothing of its change is stored.
   */
  commit(change: CommitRequest): Promise<void>

  /**
   * Claims up to `limit` pending outbox items whose `availableAt` ≤ `now` (oldest first), optionally of
   * the given channels: each claimed item gets `attempts + 1` and `availableAt = now + leaseMs`, so a
   * claimer that dies releases it when the lease runs out (at-least-once). Two concurrent claimers never
   * get the same item (Postgres: `FOR UPDATE SKIP LOCKED`).
   */
  claimOutbox(query: { now: string; leaseMs: number; limit: number; channels?: string[] }): Promise<OutboxItem[]>
  /** Records the outcome of a delivery attempt: delivered, retry at a time, or dead. */
  settleOutbox(id: string, outcome: OutboxSettlement): Promise<void>
  listOutbox(query?: { status?: OutboxStatus; channel?: string; limit?: number }): Promise<OutboxItem[]>

  /** Structural check of the store (e.g. SQLite `integrity_check` plus dangling references). */
  checkIntegrity(): Promise<{ ok: boolean; problems: string[] }>
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// executor
// ---------------------------------------------------------------------------------------------

export interface ExecutionNode {
  id: string
  dependsOn: readonly string[]
}

export interface ExecutionRequest {
  runId: string
  pipeline: string
  /** Steps still to run, in a valid topological order. */
  nodes: readonly ExecutionNode[]
  concurrency: number
  signal: AbortSignal
  /** Runs one step in this process (records metadata, stores outputs, retries, timeouts). */
  runStep(stepId: string, options: { signal: AbortSignal }): Promise<void>
}

/**
 * Runs a planned graph. The local executor calls `runStep` in-process; a distributed executor hands
 * the steps to workers that load the same config and run them by id. Resolves when every node
 * succeeded; rejects with the first failure once running steps settle.
 */
export interface Executor extends HealthCheckable {
  readonly name: string
  /** True when steps run in other processes (which then need shared metadata and artifact stores). */
  readonly isRemote: boolean
  execute(request: ExecutionRequest): Promise<void>
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// trainer, drift detector, notifier, deploy target
// ---------------------------------------------------------------------------------------------

export interface TrainRequest {
  /** Local paths of the input artifacts, by input name. */
  inputs: Record<string, string>
  params: Record<string, unknown>
  /** A fresh directory the trainer writes into. */
  workDir: string
  signal: AbortSignal
  logger: Logger
}

export interface TrainResult {
  /** Path of the model file inside workDir. */
  modelPath: string
  metrics: Record<string, number>
  exitCode?: number
}

export interface Trainer extends HealthCheckable {
  readonly name: string
  train(request: TrainRequest): Promise<TrainResult>
}

export interface DriftColumnResult {
  column: string
  type: 'numeric' | 'categorical'
  test: string
  statistic: number | null
  pValue: number | null
  threshold: number
  drift: boolean
  error?: string
}

export interface DriftDetectionResult {
  columns: DriftColumnResult[]
  datasetDrift: boolean
  shareOfDriftedColumns: number
}

/** Compares reference and current data (batch) or consumes a stream (concept drift). */
export interface DriftDetector extends HealthCheckable {
  readonly name: string
  detect(
    reference: { path?: string; hash?: string },
    current: { path?: string; hash?: string },
    options: CallOptions & { columns?: string[]; tests?: Record<string, string[]> },
  ): Promise<DriftDetectionResult>
}

export interface NotificationEvent {
  id: string
  type: string
  createdAt: string
  payload: Record<string, unknown>
}

/** Delivers events at least once; receivers deduplicate by event id. */
export interface Notifier extends HealthCheckable {
  readonly name: string
  send(event: NotificationEvent, options?: CallOptions): Promise<void>
  close?(): Promise<void>
}

export interface DeploymentRef {
  model: string
  version: string
  alias?: string
}

export interface DeploymentStatus {
  id: string
  target: string
  model: DeploymentRef
  state: 'pending' | 'running' | 'stopped' | 'failed'
  url?: string
  detail?: string
}

/** A column of a model's input, as recorded with each model version (from the model's zod row schema). */
export interface SignatureColumn {
  name: string
  type: 'number' | 'integer' | 'string' | 'boolean' | 'unknown'
  /** Allowed values when the column is an enum. */
  values?: readonly string[]
  optional: boolean
  nullable: boolean
}

/** What a model version takes and returns; stored with the version, used to validate requests. */
export interface ModelSignature {
  inputs: SignatureColumn[]
  /** JSON Schema of one input row (zod's `toJSONSchema`). */
  inputSchema: Record<string, unknown>
  task: 'classification' | 'regression' | 'other'
  /** Class labels for a classifier, when known. */
  classes?: readonly string[]
}

/** A model version loaded for serving. */
export interface LoadedModel {
  model: string
  version: string
  artifactHash: string
  signature: ModelSignature
  /** One output per row (a label for a classifier, a number for a regressor). */
  predict(rows: readonly Record<string, unknown>[]): Promise<unknown[]>
  /** Class scores per row, for classifiers that have them. */
  predictProba?(rows: readonly Record<string, unknown>[]): Promise<Record<string, number>[]>
}

/** One logged prediction. `inputs` are the validated row; `variant` says which model answered or shadowed. */
export interface PredictionRecord {
  requestId: string
  /** ISO time the request arrived. */
  ts: string
  model: string
  version: string
  variant: 'primary' | 'canary' | 'shadow'
  inputs: Record<string, unknown>
  output: unknown
  latencyMs: number
  deployment?: string
}

export interface PredictionLogStats {
  /** Records accepted into the queue. */
  logged: number
  /** Records dropped because the queue was full (also exported as a Prometheus counter). */
  dropped: number
  /** Records written to the stores. */
  written: number
  /** Records waiting in the queue. */
  queued: number
  batches: number
  /** Write failures (a failed batch is retried once, then counted as dropped). */
  failures: number
}

/**
 * The prediction log of a deployment: `log` never blocks or throws (a full queue counts a drop); batches
 * go to the artifact store (JSON Lines, content-addressed) and are indexed in the metadata store.
 * `close` drains the queue: no prediction is lost on a clean shutdown.
 */
export interface PredictionLogWriter {
  log(record: PredictionRecord): boolean
  stats(): PredictionLogStats
  flush(): Promise<void>
  close(): Promise<void>
}

/**
 * What core hands a deploy target for serving one registered model: the versions behind the followed
 * alias (and the optional challenger), request validation against the recorded signature, and the
 * prediction log. `refresh` re-reads the registry; core also polls it, so a promotion or a rollback takes
 * effect without a restart.
 */
export interface ServingRuntime {
  readonly model: string
  /** The alias (or pinned version) the primary follows, e.g. `champion`. */
  readonly selector: string
  /** The challenger alias for canary/shadow, when configured. */
  readonly challengerSelector: string | undefined
  current(): { primary: LoadedModel; challenger: LoadedModel | undefined }
  /** Re-resolves the aliases; true when a served version changed. */
  refresh(): Promise<boolean>
  /**
   * Validates request rows against the primary's signature (zod): coerces nothing silently; returns the
   * parsed rows or one message per bad field (`rows[3].bill_length_mm: expected number, got string`).
   */
  validate(rows: readonly unknown[]): { ok: true; rows: Record<string, unknown>[] } | { ok: false; errors: string[] }
  readonly predictionLog: PredictionLogWriter
  /** Stops polling and drains the prediction log. */
  close(): Promise<void>
}

export interface DeployRequest {
  /** Stable id, e.g. `penguins-champion-http`. */
  deploymentId: string
  model: string
  /** The alias the deployment follows (re-resolved live), or the pinned version. */
  selector: { alias: string } | { version: string }
  /** The version the selector points at now. */
  resolved: { version: string; artifactHash: string }
  project: { name: string; root: string; configFile: string }
  /**
   * The command that serves this deployment in the foreground (`mlops serve …` with the project's
   * config), for targets that start or describe a server process.
   */
  serveCommand: string[]
  /** Target-specific settings from the command line (`--port 8080`, `--set replicas=3`). */
  settings: Record<string, string>
  dryRun?: boolean
}

export interface DeployResult extends DeploymentStatus {
  /** What a dry run would apply (manifests), or what was applied. */
  output?: string
  /** Process id of a local server started by the target. */
  pid?: number
}

export interface ServeRequest {
  runtime: ServingRuntime
  settings: Record<string, string>
  /** Ends the server: stop accepting, finish in-flight requests, drain the log. */
  signal: AbortSignal
  logger: Logger
}

export interface RunningServer {
  url: string
  /** Resolves when the server has stopped and the prediction log is drained. */
  closed: Promise<void>
}

export interface DeployTarget extends HealthCheckable {
  readonly name: string
  deploy(request: DeployRequest, options?: CallOptions): Promise<DeployResult>
  status(deploymentId: string, options?: CallOptions): Promise<DeploymentStatus>
  undeploy(deploymentId: string, options?: CallOptions): Promise<void>
  /** Serves in this process (`mlops serve`); targets that only describe deployments (k8s) omit it. */
  serve?(request: ServeRequest): Promise<RunningServer>
}

/** What a plugin's `setup` may provide; one plugin may provide several kinds. */
export interface PluginProvides {
  storage?: ArtifactStore
  metadata?: MetadataStore
  executor?: Executor
  trainer?: Trainer
  driftDetector?: DriftDetector
  notifier?: Notifier
  deployTarget?: DeployTarget
}

export type PluginKind = keyof PluginProvides
export const PLUGIN_KINDS: readonly PluginKind[] = [
  'storage',
  'metadata',
  'executor',
  'trainer',
  'driftDetector',
  'notifier',
  'deployTarget',
]

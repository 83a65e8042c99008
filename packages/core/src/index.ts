export { z } from 'zod'
export { defineConfig } from './dsl/define-config.js'
export type { ConfigEnv, UserConfig } from './dsl/define-config.js'
export { step, isStepDefinition } from './dsl/step.js'
export type {
  AddStepOptions,
  ArtifactMap,
  ArtifactRef,
  InputRefs,
  InputValues,
  OutputRefs,
  OutputValues,
  RetryPolicy,
  StepConfig,
  StepDefinition,
  StepRunContext,
} from './dsl/step.js'
export { pipeline, isPipelineDefinition, buildPipelineGraph } from './dsl/pipeline.js'
export type { PipelineConfig, PipelineDefinition, PipelineGraph, PipelineNode } from './dsl/pipeline.js'
export { model, isModelDefinition } from './dsl/model.js'
export type { GateConfig, MetricGate, ModelConfig, ModelDefinition, Predictor } from './dsl/model.js'
export { monitor, isMonitorDefinition, isTriggerDefinition, onCodeChange, onDrift, onNewData, onPerformanceDrop, onSchedule } from './dsl/monitor.js'
export type { MonitorChecks, MonitorConfig, MonitorDefinition, NotificationsConfig, TriggerAction, TriggerConfig, TriggerDefinition } from './dsl/monitor.js'
export { Registry, parseModelRef, formatModelRef, resolveActor, AUDIT_EVENT_TYPES, MODELS, MODEL_VERSIONS, MODEL_AUDIT } from './registry/registry.js'
export type { ActorInput, RegisterInput } from './registry/registry.js'
export type { AuditAction, AuditEntry, GateCheck, GateResult, ModelHead, ModelRef, ModelVersion, VersionStatus } from './registry/types.js'
export { registerRunModels, modelsOfPipeline } from './registry/register-run.js'
export type { RegistrationOutcome } from './registry/register-run.js'
export { signatureOf, validateRows } from './registry/signature.js'
export { outputHash, parseOutputRef } from './registry/output-ref.js'
export type { OutputRef } from './registry/output-ref.js'
export { loadModelVersion, readArtifactValue } from './registry/load.js'
export { artifact } from './dsl/artifacts.js'
export type { ArtifactType, ArtifactValue, DatasetRow } from './dsl/artifacts.js'

export { loadConfig, findConfigFile, CONFIG_FILE_NAMES } from './config/load-config.js'
export type { LoadedConfig } from './config/load-config.js'

export { planRun, parseParamArgs, computeCacheKey, stepCodeVersion } from './planner/plan.js'
export type { ParamOverride, PlannedStep, RunPlan } from './planner/plan.js'
export { runPipeline, isRunLive } from './runtime/run-pipeline.js'
export type { ProgressEvent, RunPipelineOptions, RunSummary, RuntimeServices } from './runtime/run-pipeline.js'
export { resolveRun, resolveArtifact } from './runtime/resolve.js'
export { createLocalExecutor } from './executor/local-executor.js'
export { runRemoteStep } from './runtime/run-pipeline.js'
export type { StepServices } from './runtime/run-pipeline.js'
export { assertStoresShared, isRemoteExecutor, isRetryableStepError } from './executor/remote-executor.js'
export type {
  RemoteExecutionNode,
  RemoteExecutionRequest,
  RemoteExecutor,
  RemoteStepContext,
  RemoteStepTask,
  StepWorker,
  StepWorkerEvent,
  StepWorkerOptions,
} from './executor/remote-executor.js'
export { traceLineage } from './lineage/lineage.js'
export type { LineageEdge, LineageGraph, LineageNode } from './lineage/lineage.js'
export { createWorkerPool } from './pool/worker-pool.js'
export type { WorkerPool, WorkerPoolOptions, WorkerPoolRunOptions } from './pool/worker-pool.js'
export type { PoolTask } from './pool/worker.js'
export { captureEnvironment } from './env/capture-environment.js'
export { withSpan } from './telemetry/tracer.js'
export { canonicalJson, hashJson, sha256Hex } from './util/hash.js'

export { MlopsError, mlopsError, isMlopsError, serializeError, deserializeError, exitCodeFor } from './errors/mlops-error.js'
export type { ErrorData, ErrorLocation, ExitCode, SerializedError } from './errors/mlops-error.js'
export * as errors from './errors/catalogue.js'
export { definePlugin, isPluginInstance, setupPlugin } from './plugin/define-plugin.js'
export type { PluginDefinition, PluginInstance } from './plugin/define-plugin.js'
export { PLUGIN_API_VERSION, SUPPORTED_PLUGIN_API_VERSIONS } from './plugin/api-version.js'
export { assertPluginApiSupported, checkPlugin, isPluginFactory } from './plugin/define-plugin.js'
export type { PluginFactory } from './plugin/define-plugin.js'
export { coreCompatRange, coreVersion, isPluginApiSupported } from './plugin/api-version.js'
export { PLUGIN_KINDS } from './plugin/kinds.js'
export type {
  ArtifactKindName,
  ArtifactRecord,
  ArtifactStore,
  CallOptions,
  CommitRequest,
  ContentHash,
  DocumentRecord,
  DocumentWrite,
  DeployRequest,
  DeployResult,
  DeployTarget,
  DeploymentRef,
  DeploymentStatus,
  DriftColumnResult,
  DriftDetectionResult,
  DriftDetector,
  EventRecord,
  ExecutionNode,
  ExecutionRequest,
  Executor,
  HealthCheckable,
  HealthCheckResult,
  ListRunsQuery,
  LoadedModel,
  ModelSignature,
  Logger,
  MetadataStore,
  MetricRecord,
  NotificationEvent,
  Notifier,
  OutboxEnqueue,
  OutboxItem,
  OutboxSettlement,
  OutboxStatus,
  PluginContext,
  PluginKind,
  PluginProvides,
  PredictionLogStats,
  PredictionLogWriter,
  PredictionRecord,
  RunEnvironment,
  RunRecord,
  RunStatus,
  RunningServer,
  ServeRequest,
  ServingRuntime,
  SignatureColumn,
  StepCompletion,
  StepIoRecord,
  StepRecord,
  StepStatus,
  StoredObject,
  StoreScope,
  TrainRequest,
  TrainResult,
  Trainer,
} from './plugin/kinds.js'
export { formatPath, formatZodIssues } from './util/zod-issues.js'
export { createServingRuntime } from './serving/runtime.js'
export type { ServingRuntimeOptions } from './serving/runtime.js'
export { enqueueNotifications, deliverOutbox, dispatchNotifications, alertKey, DEFAULT_NOTIFY_EVENTS, NOTIFY_STATE } from './notify/dispatch.js'
export type { DeliveryReport, NotificationPass } from './notify/dispatch.js'
export { parseDuration } from './util/duration.js'
export { createPredictionLogWriter, readPredictionLog, iteratePredictionLog, appendLabels, readLabels, PREDICTION_BATCHES, LABEL_BATCHES } from './predictions/index.js'
export type { AppendLabelsOptions, LabelBatchDoc, LabelRecord, PredictionBatchDoc, PredictionLogQuery, PredictionLogWriterOptions, ReadLabelsOptions } from './predictions/index.js'
export { COMPLETION_STATUSES, encodeField, invalidInput, limitOf, MAX_KEY_CHAR, MAX_RECORD_JSON_BYTES, OUTBOX_STATUSES, RUN_STATUSES, STEP_STATUSES } from './plugin/field-encode.js'
export { assertNotificationEvent, keyFacts, summarizeEvent } from './notify/summary.js'

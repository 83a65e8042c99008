export { MlopsError, mlopsError, isMlopsError, serializeError, deserializeError, exitCodeFor } from './errors/mlops-error.js'
export type { ErrorData, ErrorLocation, ExitCode, SerializedError } from './errors/mlops-error.js'
export * as errors from './errors/catalogue.js'
export { definePlugin, isPluginInstance, setupPlugin } from './plugin/define-plugin.js'
export type { PluginDefinition, PluginInstance } from './plugin/define-plugin.js'
export { PLUGIN_API_VERSION, SUPPORTED_PLUGIN_API_VERSIONS } from './plugin/api-version.js'
export { PLUGIN_KINDS } from './plugin/kinds.js'
export type {
  ArtifactKindName,
  ArtifactRecord,
  ArtifactStore,
  CallOptions,
  ContentHash,
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
  ListRunsQuery,
  Logger,
  MetadataStore,
  MetricRecord,
  NotificationEvent,
  Notifier,
  PluginContext,
  PluginKind,
  PluginProvides,
  RunEnvironment,
  RunRecord,
  RunStatus,
  StepCompletion,
  StepIoRecord,
  StepRecord,
  StepStatus,
  StoredObject,
  TrainRequest,
  TrainResult,
  Trainer,
} from './plugin/kinds.js'
export { formatPath, formatZodIssues } from './util/zod-issues.js'

import type { ErrorData } from './mlops-error.js'

/**
 * Every user-facing error, in one place (like Astro's errors-data.ts). `message` says what happened,
 * `hint` what to do; `exit` is the CLI exit code: 1 a check failed, 2 usage/config/input, 70 a bug.
 */
export const ConfigNotFound = {
  code: 'MLOPS_CONFIG_NOT_FOUND',
  title: 'No mlops config found.',
  message: (cwd: string) => `No mlops.config.ts (or .mts/.js/.mjs) in ${cwd} or any folder above it.`,
  hint: 'Run `npx mlops init` to create one, or pass `--config PATH`.',
  exit: 2,
} satisfies ErrorData<[string]>

export const ConfigFileMissing = {
  code: 'MLOPS_CONFIG_FILE_MISSING',
  title: 'Config file does not exist.',
  message: (file: string) => `The config file ${file} does not exist.`,
  hint: 'Check the path given to --config.',
  exit: 2,
} satisfies ErrorData<[string]>

export const ConfigLoadFailed = {
  code: 'MLOPS_CONFIG_LOAD_FAILED',
  title: 'The config could not be loaded.',
  message: (file: string, reason: string) => `${file} could not be loaded: ${reason}`,
  hint: 'Fix the syntax or import error above; the file must `export default defineConfig({...})`.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const ConfigInvalid = {
  code: 'MLOPS_CONFIG_INVALID',
  title: 'The config is not valid.',
  message: (file: string, issues: string) => `${file} is not a valid mlops config:\n${issues}`,
  hint: 'Fix each listed path in the config; `defineConfig` in an editor shows the expected types.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const PluginOptionsInvalid = {
  code: 'MLOPS_PLUGIN_OPTIONS_INVALID',
  title: 'Plugin options are not valid.',
  message: (where: string, issues: string) => `${where}: ${issues}`,
  hint: "Fix the plugin's options in mlops.config.ts; the plugin's README lists them.",
  exit: 2,
} satisfies ErrorData<[string, string]>

/** What PluginApiUnsupported reports: the plugin, the API it implements, and what this core supports. */
export interface PluginApiMismatch {
  /** e.g. `mlops.config.ts: plugins[2]`. */
  where: string
  name: string
  version: string | undefined
  /** undefined when the plugin declares no `apiVersion`. */
  apiVersion: number | undefined
  /** e.g. `1` or `1 and 2`. */
  supported: string
  /** True when the plugin implements a newer API than this core supports. */
  pluginIsNewer: boolean
  coreVersion: string
  /** The @mlops/core range a compatible plugin release targets, e.g. `^0.1`. */
  coreRange: string
}

export const PluginApiUnsupported = {
  code: 'MLOPS_PLUGIN_API_UNSUPPORTED',
  title: 'Unsupported plugin API version.',
  message: (m: PluginApiMismatch) =>
    `${m.where}: ${m.name}${m.version ? `@${m.version}` : ''} ${m.apiVersion === undefined ? 'declares no plugin API version (apiVersion)' : `implements plugin API ${m.apiVersion}`}; this @mlops/core ${m.coreVersion} supports plugin API ${m.supported}.`,
  hint: (m: PluginApiMismatch) =>
    m.pluginIsNewer
      ? `Install a version of ${m.name} built for @mlops/core ${m.coreRange}, or upgrade @mlops/cli and @mlops/core together (npm install @mlops/cli@latest @mlops/core@latest).`
      : `Install a version of ${m.name} built for @mlops/core ${m.coreRange} (npm install ${m.name}@latest), or ask its author to implement plugin API ${m.supported}.`,
  exit: 2,
} satisfies ErrorData<[PluginApiMismatch]>

export const PluginInvalid = {
  code: 'MLOPS_PLUGIN_INVALID',
  title: 'Not an mlops plugin.',
  message: (where: string, reason: string) => `${where} is not an mlops plugin: ${reason}`,
  hint: 'Call the plugin factory exported by the package, e.g. `plugins: [notifyWebhook({ url })]`.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const PipelineUnknown = {
  code: 'MLOPS_PIPELINE_UNKNOWN',
  title: 'Unknown pipeline.',
  message: (name: string, known: string[]) =>
    `There is no pipeline "${name}" in the config. Known pipelines: ${known.length ? known.join(', ') : '(none)'}.`,
  hint: 'Run `npx mlops pipelines ls` to list them, or add it under `pipelines` in mlops.config.ts.',
  exit: 2,
} satisfies ErrorData<[string, string[]]>

export const PipelineInvalid = {
  code: 'MLOPS_PIPELINE_INVALID',
  title: 'The pipeline graph is not valid.',
  message: (path: string, reason: string) => `${path}: ${reason}`,
  hint: 'Each step input must come from an output of a step added before it in the same pipeline.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const ParamInvalid = {
  code: 'MLOPS_PARAM_INVALID',
  title: 'A parameter is not valid.',
  message: (path: string, reason: string) => `${path}: ${reason}`,
  hint: 'Pass parameters as --param name=value or --param step.name=value; values are parsed as JSON when they can be.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const ParamUnknown = {
  code: 'MLOPS_PARAM_UNKNOWN',
  title: 'Unknown parameter.',
  message: (name: string, pipeline: string, known: string[]) =>
    `No step of pipeline "${pipeline}" declares a parameter "${name}". Known: ${known.length ? known.join(', ') : '(none)'}.`,
  hint: 'Use one of the listed names, as --param name=value or --param step.name=value.',
  exit: 2,
} satisfies ErrorData<[string, string, string[]]>

export const RunNotFound = {
  code: 'MLOPS_RUN_NOT_FOUND',
  title: 'Run not found.',
  message: (id: string) => `No run with id "${id}" in the metadata store.`,
  hint: 'Run `npx mlops runs ls` to list runs; a unique id prefix is enough.',
  exit: 2,
} satisfies ErrorData<[string]>

export const RunNotResumable = {
  code: 'MLOPS_RUN_NOT_RESUMABLE',
  title: 'The run cannot be resumed.',
  message: (id: string, reason: string) => `Run ${id} cannot be resumed: ${reason}`,
  hint: 'Resume only a failed, cancelled or crashed run of the same pipeline; start a new run otherwise.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const RunActive = {
  code: 'MLOPS_RUN_ACTIVE',
  title: 'The run is still in progress.',
  message: (id: string, pid: number) => `Run ${id} is still being executed by process ${pid} on this machine.`,
  hint: 'Wait for it to finish, or stop that process first and then resume.',
  exit: 2,
} satisfies ErrorData<[string, number]>

export const ArtifactNotFound = {
  code: 'MLOPS_ARTIFACT_NOT_FOUND',
  title: 'Artifact not found.',
  message: (ref: string) => `No artifact or run matches "${ref}".`,
  hint: 'Pass an artifact hash (or a unique prefix of at least 6 characters) or a run id; `npx mlops runs show RUN_ID` lists artifacts.',
  exit: 2,
} satisfies ErrorData<[string]>

export const ArtifactCorrupted = {
  code: 'MLOPS_ARTIFACT_CORRUPTED',
  title: 'An artifact failed verification.',
  message: (hash: string, where: string, actual: string) =>
    `Artifact ${hash} at ${where} is corrupted: its content hashes to ${actual}.`,
  hint: 'Recompute it: `npx mlops run PIPELINE --no-cache` rewrites the artifact from its producing step.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const ArtifactNameInvalid = {
  code: 'MLOPS_ARTIFACT_NAME_INVALID',
  title: 'Invalid artifact key.',
  message: (key: string) => `"${key}" is not a valid artifact hash (64 lowercase hex characters).`,
  hint: 'Artifacts are addressed by their sha256; never by a path.',
  exit: 2,
} satisfies ErrorData<[string]>

export const StepFailed = {
  code: 'MLOPS_STEP_FAILED',
  title: 'A step failed.',
  message: (pipeline: string, step: string, attempts: number, reason: string) =>
    `Step "${step}" of pipeline "${pipeline}" failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
  hint: 'Fix the cause shown above, then `npx mlops run PIPELINE --resume RUN_ID` reuses the steps that finished.',
  exit: 1,
} satisfies ErrorData<[string, string, number, string]>

export const StepTimedOut = {
  code: 'MLOPS_STEP_TIMEOUT',
  title: 'A step timed out.',
  message: (step: string, timeoutMs: number) => `Step "${step}" did not finish within ${timeoutMs} ms.`,
  hint: 'Raise `timeoutMs` on the step, or make it faster.',
  exit: 1,
} satisfies ErrorData<[string, number]>

export const StepOutputInvalid = {
  code: 'MLOPS_STEP_OUTPUT_INVALID',
  title: 'A step returned invalid outputs.',
  message: (step: string, reason: string) => `Step "${step}" returned invalid outputs: ${reason}`,
  hint: "Return an object with exactly the outputs declared in the step's `outputs`.",
  exit: 2,
} satisfies ErrorData<[string, string]>

export const RunCancelled = {
  code: 'MLOPS_RUN_CANCELLED',
  title: 'The run was cancelled.',
  message: (runId: string) => `Run ${runId} was cancelled before it finished.`,
  hint: 'Finished steps are kept: `npx mlops run PIPELINE --resume RUN_ID` continues it.',
  exit: 2,
} satisfies ErrorData<[string]>

export const UsageInvalid = {
  code: 'MLOPS_USAGE',
  title: 'Invalid command line.',
  message: (reason: string) => reason,
  hint: 'Run `npx mlops --help` for the commands and options.',
  exit: 2,
} satisfies ErrorData<[string]>

export const InputInvalid = {
  code: 'MLOPS_INPUT_INVALID',
  title: 'Invalid input.',
  message: (where: string, reason: string) => `${where}: ${reason}`,
  hint: (_where: string, _reason: string) => 'Check the file or value named above.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const StoreInconsistent = {
  code: 'MLOPS_STORE_INCONSISTENT',
  title: 'The store failed its integrity check.',
  message: (what: string) => what,
  hint: 'Re-run the affected pipelines; report a bug if the store was never touched by hand.',
  exit: 70,
} satisfies ErrorData<[string]>

export const WorkerTaskFailed = {
  code: 'MLOPS_WORKER_TASK_FAILED',
  title: 'A worker-pool task failed.',
  message: (task: string, reason: string) => `Worker task ${task} failed: ${reason}`,
  hint: 'The cause is attached; a bug in a kernel should be reported.',
  exit: 70,
} satisfies ErrorData<[string, string]>

export const WriteConflict = {
  code: 'MLOPS_WRITE_CONFLICT',
  title: 'Another writer changed the same record first.',
  message: (what: string, detail: string) => `${what} was changed by another writer meanwhile: ${detail}. Nothing of this change was stored.`,
  hint: 'Read the current state (e.g. `mlops models show NAME`) and repeat the command if it still applies.',
  exit: 1,
} satisfies ErrorData<[string, string]>

const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none')

export const ModelRefInvalid = {
  code: 'MLOPS_MODEL_REF_INVALID',
  title: 'Not a model reference.',
  message: (text: string) => `"${text}" is not a model reference.`,
  hint: 'Write NAME, NAME@ALIAS (penguins@champion) or NAME:VERSION (penguins:3); names use letters, digits, "_", "-" and ".".',
  exit: 2,
} satisfies ErrorData<[string]>

export const ModelNotFound = {
  code: 'MLOPS_MODEL_NOT_FOUND',
  title: 'No such registered model.',
  message: (name: string, known: readonly string[]) => `No registered model is named "${name}". Registered models: ${list(known)}.`,
  hint: 'A model is registered when a run of its source pipeline succeeds (`models` in mlops.config.ts); `mlops models ls` lists them.',
  exit: 2,
} satisfies ErrorData<[string, readonly string[]]>

export const ModelVersionNotFound = {
  code: 'MLOPS_MODEL_VERSION_NOT_FOUND',
  title: 'No such model version.',
  message: (name: string, version: string, known: readonly string[]) => `Model "${name}" has no version ${version}. Versions: ${list(known)}.`,
  hint: '`mlops models show NAME` lists the versions and aliases.',
  exit: 2,
} satisfies ErrorData<[string, string, readonly string[]]>

export const AliasNotFound = {
  code: 'MLOPS_ALIAS_NOT_FOUND',
  title: 'No version holds this alias.',
  message: (name: string, alias: string, known: readonly string[]) => `No version of model "${name}" holds the alias "${alias}". Aliases in use: ${list(known)}.`,
  hint: 'Promote a version first: `mlops models promote NAME:VERSION --alias ALIAS --reason "…"`.',
  exit: 2,
} satisfies ErrorData<[string, string, readonly string[]]>

export const NoPreviousAliasHolder = {
  code: 'MLOPS_NO_PREVIOUS_ALIAS_HOLDER',
  title: 'Nothing to roll back to.',
  message: (name: string, alias: string, current: string) => `${name}@${alias} has only ever pointed at version ${current}; there is no previous holder to roll back to.`,
  hint: 'Promote another version explicitly with `mlops models promote NAME:VERSION --alias ALIAS`.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const ModelVersionInUse = {
  code: 'MLOPS_MODEL_VERSION_IN_USE',
  title: 'The version holds an alias.',
  message: (ref: string, aliases: readonly string[]) => `${ref} cannot be deleted: it holds the alias ${list(aliases)}.`,
  hint: 'Move the alias first (promote another version or roll back), then delete.',
  exit: 2,
} satisfies ErrorData<[string, readonly string[]]>

export const ApprovalNotPending = {
  code: 'MLOPS_APPROVAL_NOT_PENDING',
  title: 'Nothing waits for approval.',
  message: (what: string, status: string) => `${what} is not waiting for approval (its status is ${status}).`,
  hint: '`mlops models show NAME` shows each version’s status; only versions that passed every other gate wait for approval.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const GateFailed = {
  code: 'MLOPS_GATE_FAILED',
  title: 'A promotion gate was not met.',
  message: (ref: string, failed: string) => `${ref} was not promoted:\n${failed}`,
  hint: 'The version is recorded as rejected with these reasons (`mlops models show NAME`); the current holder keeps serving.',
  exit: 1,
} satisfies ErrorData<[string, string]>

export const ModelConfigInvalid = {
  code: 'MLOPS_MODEL_CONFIG_INVALID',
  title: 'A model in the config cannot be used.',
  message: (where: string, reason: string) => `${where}: ${reason}`,
  hint: 'Fix `models` in mlops.config.ts: `source.output` and `evaluation.output` name `step.output` of the source pipeline.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const StoresNotShared = {
  code: 'MLOPS_STORES_NOT_SHARED',
  title: 'A remote executor needs shared stores.',
  message: (executor: string, local: string[]) =>
    `The executor "${executor}" runs steps in other processes, but ${local
      .map((kind) => (kind === 'metadata' ? 'the metadata store (runs, lineage)' : 'the artifact store (storage)'))
      .join(' and ')} ${local.length === 1 ? 'is' : 'are'} local to this machine (scope "local"): workers elsewhere could not read or record what the steps need.`,
  hint: (_executor: string, local: string[]) =>
    `In mlops.config.ts add ${local.map((kind) => (kind === 'metadata' ? 'metadataPostgres({ url }) from @mlops/metadata-postgres' : 'storageS3({ bucket }) from @mlops/storage-s3')).join(' and ')} to plugins (the same for the submitting process and every worker), or remove the remote executor to run steps in this process.`,
  exit: 2,
} satisfies ErrorData<[string, string[]]>

export const WorkerNeedsRemoteExecutor = {
  code: 'MLOPS_WORKER_NEEDS_REMOTE_EXECUTOR',
  title: 'No remote executor to work for.',
  message: (executor: string) => `mlops worker takes steps from a remote executor, but the config's executor is "${executor}", which runs steps in the process that starts the run.`,
  hint: 'Add a distributed executor to plugins in mlops.config.ts, e.g. executorBullmq({ url }) from @mlops/executor-bullmq, then start workers with `npx mlops worker`.',
  exit: 2,
} satisfies ErrorData<[string]>

export const WorkerConfigMismatch = {
  code: 'MLOPS_WORKER_CONFIG_MISMATCH',
  title: "The worker's config differs from the run's.",
  message: (runId: string, stepId: string, reason: string) => `Worker cannot run step "${stepId}" of run ${runId}: ${reason}`,
  hint: 'Deploy the same mlops.config.ts and step code to every worker as to the process that starts runs, and restart the workers.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const RunNotRunning = {
  code: 'MLOPS_RUN_NOT_RUNNING',
  title: 'The run is not in progress.',
  message: (runId: string, status: string, stepId: string) => `Run ${runId} is ${status}: its step "${stepId}" is not run.`,
  hint: 'A step left in the queue of a finished run is dropped; `npx mlops run PIPELINE --resume RUN_ID` finishes a failed or cancelled run.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const ServiceUnreachable = {
  code: 'MLOPS_SERVICE_UNREACHABLE',
  title: 'A backend service could not be reached.',
  message: (service: string, where: string, reason: string, _fix?: string) => `${service} at ${where} could not be reached: ${reason}`,
  hint: (_service: string, _where: string, _reason: string, fix?: string) =>
    fix ?? 'Check that the service is running and that the URL (host, port, user, database) in the plugin options or its environment variable is right.',
  exit: 2,
} satisfies ErrorData<[string, string, string, string?]>

export const AddConfigUnsupported = {
  code: 'MLOPS_ADD_CONFIG_UNSUPPORTED',
  title: 'mlops add cannot edit this config.',
  message: (where: string, reason: string) => `${where}: ${reason}; nothing was changed.`,
  hint: 'Add the plugin by hand: `import x from "PACKAGE"` and `x({ ... })` in `plugins: [...]` of the object given to defineConfig. mlops add edits configs whose plugins array is written out in the file.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const AddPluginAlreadyAdded = {
  code: 'MLOPS_ADD_ALREADY_ADDED',
  title: 'The plugin is already in the config.',
  message: (where: string, packageName: string) => `${where} already imports ${packageName}; nothing was changed.`,
  hint: 'Edit its options in `plugins: [...]` by hand, or remove its import and entry to add it again.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const AddNotAPlugin = {
  code: 'MLOPS_ADD_NOT_A_PLUGIN',
  title: 'The package does not export an mlops plugin.',
  message: (packageName: string, got: string) => `${packageName} does not export an mlops plugin: its default export is ${got}. The config was not changed.`,
  hint: 'Check the package name (plugins are named like @mlops/notify-webhook). A plugin package default-exports the factory made by definePlugin from @mlops/core.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const AddPackageNotFound = {
  code: 'MLOPS_ADD_PACKAGE_NOT_FOUND',
  title: 'The package cannot be imported.',
  message: (packageName: string, root: string, reason: string) => `${packageName} cannot be imported from ${root}: ${reason}`,
  hint: 'Install it (run mlops add without --no-install, or npm install it yourself) in the folder of mlops.config.ts, then run mlops add again.',
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const AddInstallFailed = {
  code: 'MLOPS_ADD_INSTALL_FAILED',
  title: 'Installing the package failed.',
  message: (command: string, how: string) => `\`${command}\` ${how}; the config was not changed.`,
  hint: 'Fix what npm printed above (package name, version, registry access), or install the package yourself and run mlops add with --no-install.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const AddOptionsInvalid = {
  code: 'MLOPS_ADD_OPTIONS_INVALID',
  title: 'The plugin options are not valid.',
  message: (plugin: string, issues: string, _accepted: string) => `${plugin} rejects the --option values (the config was not changed):\n${issues}`,
  hint: (_plugin: string, _issues: string, accepted: string) =>
    `Pass each option as --option key=value (nested: --option parent.key=value; "quote" a value to keep it a string). ${accepted}`,
  exit: 2,
} satisfies ErrorData<[string, string, string]>

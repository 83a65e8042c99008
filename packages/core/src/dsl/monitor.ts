/** Monitors and triggers: what to watch after deployment, and what to do when it changes. */

export interface MonitorChecks {
  /**
   * Data quality of the current window against the reference: share of missing values per column, new
   * categories, numeric values outside the reference range.
   */
  quality?: { maxMissingShare?: number; newCategories?: boolean; outOfRange?: boolean; maxOutOfRangeShare?: number }
  /** Data drift per input column with the drift engine (tests as in `mlops drift --tests`). */
  drift?: { columns?: string[]; tests?: string[]; threshold?: number; driftShare?: number; correction?: 'none' | 'bonferroni' | 'bh' }
  /** Drift of the model's outputs between the reference (scored by the served version) and the window. */
  predictionDrift?: boolean | { test?: string; threshold?: number }
  /** Performance once labels arrive (joined by request id): a metric and the lowest acceptable value. */
  performance?: { metric: string; min?: number; max?: number; minLabels?: number }
  /** A streaming detector over the per-prediction error stream (0/1 for classifiers, |error| for regressors). */
  stream?: { detector: 'adwin' | 'ddm' | 'eddm' | 'page_hinkley' | 'kswin'; options?: Record<string, number> }
}

export interface MonitorConfig {
  description?: string
  /** The registered model whose prediction log is watched; the window is scored against its reference. */
  model?: string
  /** The alias whose version supplies the reference data (default `champion`). */
  alias?: string
  /**
   * The reference data: an output of the version's training run (`split.train`, the default being the
   * model's evaluation output) or a file path relative to the project root.
   */
  reference?: { output: string } | { path: string }
  /** Instead of the prediction log: a current dataset file (CSV, JSON Lines, Parquet). */
  current?: { path: string }
  /** Which predictions form the window: the last N, or those newer than a duration (`"1h"`, `"7d"`). */
  window?: { last?: number; since?: string }
  /** The fewest rows a window needs before its checks mean anything (default 30). */
  minRows?: number
  /** Cron expression for `mlops daemon` (five fields, UTC). */
  schedule?: string
  checks: MonitorChecks
}

const MONITOR_BRAND = Symbol.for('@mlops/core/monitor')
export interface MonitorDefinition {
  readonly [MONITOR_BRAND]: true
  readonly config: MonitorConfig
}
export function monitor(config: MonitorConfig): MonitorDefinition {
  return { [MONITOR_BRAND]: true, config }
}
export function isMonitorDefinition(value: unknown): value is MonitorDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MONITOR_BRAND] === true
}

/** What a trigger starts: a pipeline run (retraining), with params and the gate deciding promotion. */
export interface TriggerAction {
  /** The pipeline to run. */
  run: string
  /** `--param` style overrides, e.g. `{ 'load.path': 'data/new.csv' }`. */
  params?: Record<string, string | number | boolean>
  /** Minimum time between two firings of this trigger (`"30m"`, `"1d"`; default `"10m"`). */
  cooldown?: string
}

export type TriggerConfig =
  | ({ kind: 'drift'; monitor: string } & TriggerAction)
  | ({ kind: 'schedule'; cron: string } & TriggerAction)
  | ({ kind: 'newData'; path: string } & TriggerAction)
  | ({ kind: 'codeChange'; pipeline: string } & TriggerAction)
  | ({ kind: 'performanceDrop'; monitor: string } & TriggerAction)

const TRIGGER_BRAND = Symbol.for('@mlops/core/trigger')
export interface TriggerDefinition {
  readonly [TRIGGER_BRAND]: true
  readonly config: TriggerConfig
}
function trigger(config: TriggerConfig): TriggerDefinition {
  return { [TRIGGER_BRAND]: true, config }
}
export function isTriggerDefinition(value: unknown): value is TriggerDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TRIGGER_BRAND] === true
}

/** Retrain when a monitor finds data or prediction drift. */
export const onDrift = (o: { monitor: string } & TriggerAction): TriggerDefinition => trigger({ kind: 'drift', ...o })
/** Run on a cron schedule (five fields, UTC). */
export const onSchedule = (o: { cron: string } & TriggerAction): TriggerDefinition => trigger({ kind: 'schedule', ...o })
/** Run when a data file's content hash changes. */
export const onNewData = (o: { path: string } & TriggerAction): TriggerDefinition => trigger({ kind: 'newData', ...o })
/** Run when a pipeline's code version changes (a step's code, version or output kinds). */
export const onCodeChange = (o: { pipeline: string } & TriggerAction): TriggerDefinition => trigger({ kind: 'codeChange', ...o })
/** Retrain when a monitor's performance check fails. */
export const onPerformanceDrop = (o: { monitor: string } & TriggerAction): TriggerDefinition => trigger({ kind: 'performanceDrop', ...o })

export interface NotificationsConfig {
  /** Event types sent to every notifier (default: drift.detected, performance.dropped, model.promoted, model.rejected, model.rolled_back, run.failed, trigger.fired). */
  events?: string[]
  /** An alert with the same key (type + model/monitor) repeats only after this long (default `"1h"`). */
  cooldown?: string
}

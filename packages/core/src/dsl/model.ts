import type { z } from 'zod'

/** What a loaded model does; `load` in the model config builds one from the stored artifact value. */
export interface Predictor {
  /** One output per row: a label for a classifier, a number for a regressor. */
  predict(rows: Record<string, unknown>[]): unknown[] | Promise<unknown[]>
  /** Class scores per row (class label → score), for ROC AUC and for clients that want them. */
  predictProba?(rows: Record<string, unknown>[]): Record<string, number>[] | Promise<Record<string, number>[]>
}

/** A metric threshold of a promotion gate. */
export interface MetricGate {
  /** The candidate's value must be at least this. */
  min?: number
  /** The candidate's value must be at most this. */
  max?: number
  /**
   * The candidate must beat the current holder of the alias by at least this much, both scored on the
   * candidate run's evaluation data (in the metric's better direction: higher accuracy, lower rmse).
   * 0 means "not worse". Passes when there is no holder yet.
   */
  minImprovement?: number
}

export interface GateConfig {
  /**
   * Metric name → threshold. Names are the standard metrics computed on the evaluation data (accuracy,
   * f1_macro, precision_macro, recall_macro, roc_auc; mae, rmse, r2) or a metric the run recorded
   * (`evaluate.accuracy` or just `accuracy`).
   */
  metrics?: Record<string, MetricGate>
  /** Checks on the evaluation data: enough rows, and rows that fit the model's input schema. */
  data?: { minRows?: number; maxInvalidShare?: number }
  /** Promotion waits for `mlops approve RUN_ID` after the other gates pass. */
  approval?: boolean
}

export interface ModelConfig<Value = unknown, Row extends Record<string, unknown> = Record<string, unknown>> {
  description?: string
  task: 'classification' | 'regression' | 'other'
  /**
   * Where versions come from: each succeeded run of `pipeline` registers its `output` (`step.output`,
   * e.g. `train.model`) as a new version (an unchanged artifact is not registered twice).
   */
  source: { pipeline: string; output: string }
  /** One request row; recorded with every version (as a signature) and checked on every prediction. */
  input: z.ZodType<Row>
  /** The target column of the evaluation data. */
  label?: string
  /** A dataset output of the same run (`split.test`) the gates score the candidate and the champion on. */
  evaluation?: { output: string }
  /** Builds a predictor from the stored artifact value (the JSON a step returned, or bytes for `artifact.file`). */
  load: (value: Value) => Predictor | Promise<Predictor>
  gates?: GateConfig
  /** The alias a version gets when it passes its gates (default `champion`). */
  alias?: string
}

const MODEL_BRAND = Symbol.for('@mlops/core/model')

export interface ModelDefinition<Value = unknown, Row extends Record<string, unknown> = Record<string, unknown>> {
  readonly [MODEL_BRAND]: true
  readonly config: ModelConfig<Value, Row>
}

/** Declares a registered model: where its versions come from, its input schema, how to load it and its gates. */
export function model<Value = unknown, Row extends Record<string, unknown> = Record<string, unknown>>(config: ModelConfig<Value, Row>): ModelDefinition<Value, Row> {
  return { [MODEL_BRAND]: true, config }
}

export function isModelDefinition(value: unknown): value is ModelDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MODEL_BRAND] === true
}

import { StatsInputError } from '../errors.js'

/**
 * Model-performance metrics with scikit-learn's definitions (sklearn.metrics 1.x): accuracy_score,
 * f1_score/precision_score/recall_score with average='macro' and zero_division=0, roc_auc_score (binary,
 * and multi_class='ovr' average='macro'), mean_absolute_error, root_mean_squared_error, r2_score.
 */

export type Label = string | number | boolean

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw new StatsInputError(what, `y_true has ${a.length} values and y_pred ${b.length}; they must be the same length`)
  if (a.length === 0) throw new StatsInputError(what, 'no values')
}

/** Share of exact matches. */
export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  sameLength(yTrue, yPred, 'accuracy')
  let hits = 0
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++
  return hits / yTrue.length
}

export interface ClassScores {
  label: Label
  precision: number
  recall: number
  f1: number
  support: number
}

/** Per-class precision/recall/F1 over the sorted union of labels in y_true and y_pred (sklearn's label set). */
export function perClassScores(yTrue: readonly Label[], yPred: readonly Label[]): ClassScores[] {
  sameLength(yTrue, yPred, 'perClassScores')
  const labels = sortLabels([...new Set<Label>([...yTrue, ...yPred])])
  const index = new Map(labels.map((l, i) => [l, i]))
  const tp = new Float64Array(labels.length)
  const fp = new Float64Array(labels.length)
  const fn = new Float64Array(labels.length)
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!)!
    const p = index.get(yPred[i]!)!
    if (t === p) tp[t]!++
    else {
      fp[p]!++
      fn[t]!++
    }
  }
  return labels.map((label, k) => {
    const precision = tp[k]! + fp[k]! === 0 ? 0 : tp[k]! / (tp[k]! + fp[k]!)
    const recall = tp[k]! + fn[k]! === 0 ? 0 : tp[k]! / (tp[k]! + fn[k]!)
    const denom = 2 * tp[k]! + fp[k]! + fn[k]!
    return { label, precision, recall, f1: denom === 0 ? 0 : (2 * tp[k]!) / denom, support: tp[k]! + fn[k]! }
  })
}

function mean(values: readonly number[]): number {
  let s = 0
  for (const v of values) s += v
  return s / values.length
}

export function f1Macro(yTrue: readonly Label[], yPred: readonly Label[]): number {
  return mean(perClassScores(yTrue, yPred).map((c) => c.f1))
}
export function precisionMacro(yTrue: readonly Label[], yPred: readonly Label[]): number {
  return mean(perClassScores(yTrue, yPred).map((c) => c.precision))
}
export function recallMacro(yTrue: readonly Label[], yPred: readonly Label[]): number {
  return mean(perClassScores(yTrue, yPred).map((c) => c.recall))
}

/**
 * Binary ROC AUC: the Mann-Whitney form, ties between a positive and a negative score counting one half,
 * which equals the trapezoidal area under sklearn's ROC curve.
 */
export function rocAucBinary(isPositive: readonly boolean[], scores: ArrayLike<number>): number {
  sameLength(isPositive, scores as ArrayLike<unknown>, 'rocAuc')
  const n = isPositive.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  let nPos = 0
  let rankSumPos = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++
    const avgRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (isPositive[order[k]!]) {
        nPos++
        rankSumPos += avgRank
      }
    }
    i = j + 1
  }
  const nNeg = n - nPos
  if (nPos === 0 || nNeg === 0) {
    throw new StatsInputError('roc_auc', 'only one class is present in y_true; ROC AUC is not defined in that case')
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/**
 * ROC AUC from class scores: binary (two classes: the score of the greater label, as sklearn's
 * `y_score[:, 1]`) or one-vs-rest macro average for more classes.
 */
export function rocAuc(yTrue: readonly Label[], scores: readonly Record<string, number>[]): number {
  sameLength(yTrue, scores, 'rocAuc')
  const classes = sortLabels([...new Set<Label>(yTrue)])
  if (classes.length < 2) throw new StatsInputError('roc_auc', 'only one class is present in y_true; ROC AUC is not defined in that case')
  const scoreOf = (row: Record<string, number>, label: Label): number => {
    const v = row[String(label)]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new StatsInputError('roc_auc', `a score row has no finite score for class ${String(label)}`)
    return v
  }
  if (classes.length === 2) {
    const pos = classes[1]!
    return rocAucBinary(
      yTrue.map((y) => y === pos),
      scores.map((row) => scoreOf(row, pos)),
    )
  }
  return mean(
    classes.map((c) =>
      rocAucBinary(
        yTrue.map((y) => y === c),
        scores.map((row) => scoreOf(row, c)),
      ),
    ),
  )
}

function numeric(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, what: string): void {
  sameLength(yTrue as ArrayLike<unknown>, yPred as ArrayLike<unknown>, what)
  for (let i = 0; i < yTrue.length; i++) {
    if (!Number.isFinite(yTrue[i]) || !Number.isFinite(yPred[i])) throw new StatsInputError(what, `value ${i} is not a finite number`)
  }
}

export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  numeric(yTrue, yPred, 'meanAbsoluteError')
  let s = 0
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i]! - yPred[i]!)
  return s / yTrue.length
}

export function rootMeanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  numeric(yTrue, yPred, 'rootMeanSquaredError')
  let s = 0
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i]! - yPred[i]!) ** 2
  return Math.sqrt(s / yTrue.length)
}

/** sklearn's r2_score with force_finite=True: a constant y_true gives 1 for a perfect fit, else 0. */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  numeric(yTrue, yPred, 'r2Score')
  let m = 0
  for (let i = 0; i < yTrue.length; i++) m += yTrue[i]!
  m /= yTrue.length
  let ssRes = 0
  let ssTot = 0
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i]! - yPred[i]!) ** 2
    ssTot += (yTrue[i]! - m) ** 2
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0
  return 1 - ssRes / ssTot
}

/** numpy's sort order for a label array: numbers ascending, strings by code point. */
function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b
    const x = String(a)
    const y = String(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

export type ClassificationMetric = 'accuracy' | 'f1_macro' | 'precision_macro' | 'recall_macro' | 'roc_auc'
export type RegressionMetric = 'mae' | 'rmse' | 'r2'
export type PerformanceMetric = ClassificationMetric | RegressionMetric

/** Whether a larger value is better, for gates and performance-drop triggers. */
export const METRIC_DIRECTION: Record<PerformanceMetric, 'higher' | 'lower'> = {
  accuracy: 'higher',
  f1_macro: 'higher',
  precision_macro: 'higher',
  recall_macro: 'higher',
  roc_auc: 'higher',
  mae: 'lower',
  rmse: 'lower',
  r2: 'higher',
}

export function isPerformanceMetric(name: string): name is PerformanceMetric {
  return Object.hasOwn(METRIC_DIRECTION, name)
}

/** The standard metrics of a task: classification (roc_auc when scores are given) or regression. */
export function performanceMetrics(
  task: 'classification' | 'regression',
  yTrue: readonly unknown[],
  yPred: readonly unknown[],
  scores?: readonly Record<string, number>[],
): Partial<Record<PerformanceMetric, number>> {
  if (task === 'regression') {
    const t = yTrue.map(Number)
    const p = yPred.map(Number)
    return { mae: meanAbsoluteError(t, p), rmse: rootMeanSquaredError(t, p), r2: r2Score(t, p) }
  }
  const t = yTrue.map(asLabel)
  const p = yPred.map(asLabel)
  const classes = perClassScores(t, p)
  const out: Partial<Record<PerformanceMetric, number>> = {
    accuracy: accuracy(t, p),
    f1_macro: mean(classes.map((c) => c.f1)),
    precision_macro: mean(classes.map((c) => c.precision)),
    recall_macro: mean(classes.map((c) => c.recall)),
  }
  if (scores && new Set(t).size >= 2) out.roc_auc = rocAuc(t, scores)
  return out
}

function asLabel(value: unknown): Label {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (value === null || value === undefined) return 'null'
  return JSON.stringify(value)
}

import { isPerformanceMetric, METRIC_DIRECTION, performanceMetrics, type PerformanceMetric } from '@mlops/stats'
import type { GateConfig } from '../dsl/model.js'
import type { LoadedModel, ModelSignature } from '../plugin/kinds.js'
import { validateRows } from './signature.js'
import type { GateCheck, GateResult } from './types.js'

export interface GateCandidate {
  model: LoadedModel
  /** Metrics the run recorded, as `step.key`. */
  runMetrics: Record<string, number>
}

/** Scores a model on evaluation rows with the task's standard metrics. */
export async function scoreModel(
  model: LoadedModel,
  task: ModelSignature['task'],
  rows: Record<string, unknown>[],
  label: string,
): Promise<Record<string, number>> {
  if (task === 'other' || rows.length === 0) return {}
  const truth = rows.map((r) => r[label])
  const features = rows.map((r) => {
    const { [label]: _label, ...rest } = r
    return rest
  })
  const predictions = await model.predict(features)
  const scores = task === 'classification' && model.predictProba ? await model.predictProba(features) : undefined
  return performanceMetrics(task, truth, predictions, scores) as Record<string, number>
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4)
}

function lookup(metrics: Record<string, number>, runMetrics: Record<string, number>, name: string): number | undefined {
  if (metrics[name] !== undefined) return metrics[name]
  if (runMetrics[name] !== undefined) return runMetrics[name]
  const suffix = Object.keys(runMetrics).filter((k) => k.endsWith(`.${name}`))
  return suffix.length === 1 ? runMetrics[suffix[0]!] : undefined
}

/**
 * Evaluates a model's promotion gates: data checks on the evaluation rows, metric thresholds, and the
 * minimum improvement over the alias holder, both models scored on the same rows.
 */
export async function evaluateGates(options: {
  gates: GateConfig | undefined
  task: ModelSignature['task']
  label: string | undefined
  evaluationRows: Record<string, unknown>[] | undefined
  candidate: GateCandidate
  holder: (GateCandidate & { version: string }) | undefined
}): Promise<GateResult> {
  const { gates = {}, task, label, evaluationRows, candidate, holder } = options
  const checks: GateCheck[] = []
  let candidateMetrics: Record<string, number> = {}
  let holderMetrics: Record<string, number> | null = null
  if (evaluationRows && label) {
    candidateMetrics = await scoreModel(candidate.model, task, evaluationRows, label)
    if (holder) holderMetrics = await scoreModel(holder.model, task, evaluationRows, label)
  }

  if (gates.data) {
    const rows = evaluationRows ?? []
    if (gates.data.minRows !== undefined) {
      checks.push({ name: 'data.minRows', passed: rows.length >= gates.data.minRows, detail: `${rows.length} evaluation rows (need ≥ ${gates.data.minRows})` })
    }
    if (gates.data.maxInvalidShare !== undefined) {
      let invalid = 0
      for (const row of rows) if (!validateRows(candidate.model.signature, [row], 1).ok) invalid++
      const share = rows.length ? invalid / rows.length : 0
      checks.push({
        name: 'data.maxInvalidShare',
        passed: rows.length > 0 && share <= gates.data.maxInvalidShare,
        detail: rows.length ? `${invalid} of ${rows.length} rows do not fit the input schema (${fmt(share)}; allowed ≤ ${gates.data.maxInvalidShare})` : 'no evaluation rows',
      })
    }
  }

  for (const [name, gate] of Object.entries(gates.metrics ?? {})) {
    const value = lookup(candidateMetrics, candidate.runMetrics, name)
    if (value === undefined) {
      checks.push({ name: `metrics.${name}`, passed: false, detail: `the candidate has no metric "${name}" (computed: ${Object.keys(candidateMetrics).join(', ') || 'none'}; recorded by the run: ${Object.keys(candidate.runMetrics).join(', ') || 'none'})` })
      continue
    }
    if (gate.min !== undefined) checks.push({ name: `metrics.${name}.min`, passed: value >= gate.min, detail: `${fmt(value)} (need ≥ ${gate.min})` })
    if (gate.max !== undefined) checks.push({ name: `metrics.${name}.max`, passed: value <= gate.max, detail: `${fmt(value)} (need ≤ ${gate.max})` })
    if (gate.minImprovement !== undefined) {
      if (!holder) {
        checks.push({ name: `metrics.${name}.minImprovement`, passed: true, detail: `${fmt(value)}; no current holder to compare with` })
        continue
      }
      const held = holderMetrics?.[name] ?? (isPerformanceMetric(name) ? undefined : lookup({}, holder.runMetrics, name))
      if (held === undefined) {
        checks.push({ name: `metrics.${name}.minImprovement`, passed: false, detail: `version ${holder.version} has no "${name}" to compare with` })
        continue
      }
      const direction = isPerformanceMetric(name) ? METRIC_DIRECTION[name as PerformanceMetric] : 'higher'
      const improvement = direction === 'higher' ? value - held : held - value
      checks.push({
        name: `metrics.${name}.minImprovement`,
        passed: improvement >= gate.minImprovement,
        detail: `${fmt(value)} vs ${fmt(held)} for version ${holder.version}${holderMetrics?.[name] !== undefined ? ' on the same evaluation data' : ''}: ${improvement >= 0 ? '+' : ''}${fmt(improvement)} (need ≥ ${gate.minImprovement})`,
      })
    }
  }
  const passed = checks.every((c) => c.passed)
  return {
    passed,
    awaitingApproval: passed && gates.approval === true,
    checks,
    comparedWith: holder?.version ?? null,
    metrics: { candidate: candidateMetrics, holder: holderMetrics },
    evaluatedAt: new Date().toISOString(),
  }
}

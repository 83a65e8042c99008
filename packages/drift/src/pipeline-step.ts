import { artifact, definePlugin, errors, mlopsError, step, z, type DatasetRow, type DriftDetectionResult, type DriftDetector } from '@mlops/core'
import { columnFromCells, type Cell } from './load/cells.js'
import { loadDriftInputs } from './build-profile.js'
import { driftReportToJson } from './render/json.js'
import { computeDriftReport, type DriftReport } from './report.js'
import type { Table } from './table.js'

/** A dataset artifact (rows) as typed columns, with the same typing rules as a CSV file. */
export function tableFromRows(rows: readonly DatasetRow[], source: string): Table {
  const names: string[] = []
  const seen = new Set<string>()
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key)
        names.push(key)
      }
    }
  }
  const columns = names.map((name) => {
    const cells: Cell[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i]![name]
      if (value !== null && value !== undefined && typeof value === 'object') {
        throw mlopsError(errors.InputInvalid, [`${source} row ${i} column "${name}"`, 'drift tests take scalar cells (number, string, boolean or null), got an object'])
      }
      cells[i] = value as Cell
    }
    return columnFromCells(name, cells, false)
  })
  return { source, format: 'jsonl', rowCount: rows.length, columns }
}

export const DriftParamsSchema = z.object({
  /** 'auto': each column's automatic test; 'all': every applicable test; or Evidently test ids. */
  tests: z.union([z.enum(['auto', 'all']), z.array(z.string()).min(1)]).default('auto'),
  thresholds: z.record(z.string(), z.number()).default({}),
  driftShare: z.number().min(0).max(1).default(0.5),
  columns: z.array(z.string()).optional(),
  correction: z.enum(['none', 'bonferroni', 'bh']).default('none'),
  /** Fail the step (and the run) when the dataset drifts. */
  failOnDrift: z.boolean().default(false),
})

/** Records a report's numbers as run metrics: `drift.<column>.<test>.statistic|p_value`, `drift.share`, `drift.dataset`. */
function recordReport(report: DriftReport, logMetric: (key: string, value: number) => void): void {
  for (const column of report.columns) {
    for (const test of column.tests) {
      if ('error' in test) continue
      if (Number.isFinite(test.statistic)) logMetric(`drift.${column.name}.${test.test}.statistic`, test.statistic as number)
      if (typeof test.pValue === 'number' && Number.isFinite(test.pValue)) logMetric(`drift.${column.name}.${test.test}.p_value`, test.pValue)
    }
  }
  logMetric('drift.share', report.dataset.shareOfDriftedColumns)
  logMetric('drift.dataset', report.dataset.datasetDrift ? 1 : 0)
}

/**
 * The built-in drift step: reference vs current dataset, per-column tests as configured, the full report
 * as a JSON artifact, every statistic and p-value as a run metric, and a `drift.detected` event when the
 * dataset drifts (for triggers and notifiers).
 */
export const driftStep = step({
  name: 'drift',
  description: 'Data drift between a reference and a current dataset',
  params: DriftParamsSchema,
  inputs: { reference: artifact.dataset(), current: artifact.dataset() },
  outputs: { report: artifact.json() },
  async run({ inputs, params, pool, signal, logMetric, emitEvent }) {
    const report = await computeDriftReport(tableFromRows(inputs.reference, 'reference'), tableFromRows(inputs.current, 'current'), {
      tests: params.tests,
      thresholds: params.thresholds,
      driftShare: params.driftShare,
      correction: params.correction,
      ...(params.columns ? { columns: params.columns } : {}),
      pool,
      signal,
    })
    recordReport(report, logMetric)
    if (report.dataset.datasetDrift) {
      emitEvent('drift.detected', {
        share: report.dataset.shareOfDriftedColumns,
        columns: report.columns.filter((c) => c.drift).map((c) => ({ column: c.name, test: c.driftTest })),
      })
      if (params.failOnDrift) {
        throw new Error(`dataset drift: ${report.dataset.numberOfDriftedColumns} of ${report.dataset.numberOfColumns} columns drifted (share ${report.dataset.shareOfDriftedColumns.toFixed(3)} >= ${report.dataset.driftShare})`)
      }
    }
    return { report: driftReportToJson(report) }
  },
})

function toDetectionResult(report: DriftReport): DriftDetectionResult {
  return {
    datasetDrift: report.dataset.datasetDrift,
    shareOfDriftedColumns: report.dataset.shareOfDriftedColumns,
    columns: report.columns.flatMap((c) =>
      c.tests.map((t) =>
        'error' in t
          ? { column: c.name, type: c.type, test: t.test, statistic: null, pValue: null, threshold: NaN, drift: false, error: t.error }
          : { column: c.name, type: c.type, test: t.test, statistic: t.statistic, pValue: t.pValue, threshold: t.threshold, drift: t.drift },
      ),
    ),
  }
}

/** `driftDetector` plugin: files (CSV, JSON Lines, Parquet) or a reference profile vs current data. */
export const driftDetectorPlugin = definePlugin({
  name: '@mlops/drift',
  version: '0.1.0',
  apiVersion: 1,
  options: DriftParamsSchema.omit({ failOnDrift: true, columns: true }),
  setup(options): { driftDetector: DriftDetector } {
    return {
      driftDetector: {
        name: '@mlops/drift',
        async detect(reference, current, callOptions) {
          if (!reference.path || !current.path) {
            throw mlopsError(errors.InputInvalid, ['driftDetector.detect', 'this detector reads files: pass { path } for reference and current'])
          }
          const inputs = await loadDriftInputs(reference.path, current.path, { ...(callOptions.columns ? { columns: callOptions.columns } : {}), ...(callOptions.signal ? { signal: callOptions.signal } : {}) })
          const report = await computeDriftReport(inputs.reference, inputs.current, {
            tests: options.tests,
            thresholds: options.thresholds,
            driftShare: options.driftShare,
            correction: options.correction,
            ...(callOptions.columns ? { columns: callOptions.columns } : {}),
            ...(callOptions.signal ? { signal: callOptions.signal } : {}),
          })
          return toDetectionResult(report)
        },
      },
    }
  },
})

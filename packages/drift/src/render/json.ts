import type { DriftReport } from '../report.js'

/** A number for JSON: non-finite values as the strings check_drift.py reads ("NaN", "Infinity", "-Infinity"). */
export function jsonNumber(value: number | null | undefined): number | string | null {
  if (value === null || value === undefined) return null
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return 'Infinity'
  if (value === -Infinity) return '-Infinity'
  return value
}

/** The `--json` document: the shape documented at the top of the reference's check_drift.py, plus a few fields. */
export function driftReportToJson(report: DriftReport): unknown {
  return {
    reference: report.reference,
    current: report.current,
    columns: report.columns.map((c) => ({
      name: c.name,
      type: c.type,
      ...(c.autoTest !== undefined ? { autoTest: c.autoTest } : {}),
      driftTest: c.driftTest,
      drift: c.drift,
      rows: { reference: c.reference.rows, current: c.current.rows },
      missing: { reference: c.reference.missing, current: c.current.missing },
      tests: c.tests.map((t) =>
        'error' in t
          ? { test: t.test, error: t.error }
          : {
              test: t.test,
              statistic: jsonNumber(t.statistic),
              pValue: jsonNumber(t.pValue),
              threshold: t.threshold,
              drift: t.drift,
              ...(t.pValueAdjusted !== undefined ? { pValueAdjusted: jsonNumber(t.pValueAdjusted) } : {}),
            },
      ),
    })),
    dataset: report.dataset,
  }
}

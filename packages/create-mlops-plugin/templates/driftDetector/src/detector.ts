import { errors, mlopsError } from '@mlops/core'
import type { DriftColumnResult, DriftDetectionResult, DriftDetector, HealthCheckResult } from '@mlops/core'
import { alignCategoryCounts, chiSquare, countLabels, ksTest } from '@mlops/stats'
import { readCsv } from './csv.js'

export interface ColumnTestOptions {
  /** A column drifts when its test's p-value is below this. */
  threshold: number
  /** The dataset drifts when at least this share of the compared columns drifted. */
  driftShare: number
}

function numbers(cells: readonly (string | undefined)[]): Float64Array | undefined {
  const out: number[] = []
  for (const cell of cells) {
    if (cell === undefined) continue
    const value = Number(cell)
    if (!Number.isFinite(value)) return undefined
    out.push(value)
  }
  return Float64Array.from(out).sort()
}

/**
 * Compares two CSV files column by column: the two-sample Kolmogorov-Smirnov test for numeric columns
 * and Pearson's chi-square test on the label counts for the others (both from @mlops/stats, matching
 * scipy). A column whose test cannot run (no values) is reported with `error` instead of failing the
 * whole comparison.
 */
export class CsvDriftDetector implements DriftDetector {
  readonly name: string
  readonly options: ColumnTestOptions

  constructor(name: string, options: ColumnTestOptions) {
    this.name = name
    this.options = options
  }

  async detect(
    reference: { path?: string; hash?: string },
    current: { path?: string; hash?: string },
    options: { signal?: AbortSignal; columns?: string[] } = {},
  ): Promise<DriftDetectionResult> {
    options.signal?.throwIfAborted()
    if (!reference.path || !current.path) {
      throw mlopsError(errors.InputInvalid, [`${this.name} detect()`, 'this detector reads CSV files: pass { path } for both reference and current'])
    }
    const [ref, cur] = await Promise.all([readCsv(reference.path, options.signal), readCsv(current.path, options.signal)])
    options.signal?.throwIfAborted()
    const names = options.columns ?? ref.columns
    for (const name of names) {
      for (const table of [ref, cur]) {
        if (!table.cells.has(name)) {
          throw mlopsError(errors.InputInvalid, [table.path, `no column "${name}" (columns: ${table.columns.join(', ')})`], { loc: { file: table.path } })
        }
      }
    }
    const columns = names.map((name) => this.#compare(name, ref.cells.get(name)!, cur.cells.get(name)!))
    const drifted = columns.filter((c) => c.drift).length
    const shareOfDriftedColumns = columns.length === 0 ? 0 : drifted / columns.length
    return { columns, datasetDrift: columns.length > 0 && shareOfDriftedColumns >= this.options.driftShare, shareOfDriftedColumns }
  }

  #compare(column: string, refCells: (string | undefined)[], curCells: (string | undefined)[]): DriftColumnResult {
    const threshold = this.options.threshold
    const refNumbers = numbers(refCells)
    const curNumbers = refNumbers && numbers(curCells)
    const type = refNumbers && curNumbers ? 'numeric' : 'categorical'
    const test = type === 'numeric' ? 'ks' : 'chisquare'
    try {
      const result =
        refNumbers && curNumbers
          ? ksTest(refNumbers, curNumbers)
          : chiSquare(alignCategoryCounts(countLabels(refCells.filter((c) => c !== undefined)), countLabels(curCells.filter((c) => c !== undefined))))
      const pValue = result.pValue
      return { column, type, test, statistic: result.statistic, pValue, threshold, drift: pValue !== null && pValue < threshold }
    } catch (error) {
      return { column, type, test, statistic: null, pValue: null, threshold, drift: false, error: (error as Error).message }
    }
  }

  async check(): Promise<HealthCheckResult> {
    return { ok: true, detail: `in-process tests (ks, chisquare), p-value threshold ${this.options.threshold}` }
  }
}

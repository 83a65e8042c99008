import type { Table } from '@mlops/drift'
import type { MonitorChecks } from '@mlops/core'
import type { ColumnFacts } from './reference.js'

export interface QualityColumn {
  column: string
  missingShare: number
  newCategories?: string[]
  outOfRangeShare?: number
  problems: string[]
}

/**
 * Data quality of a window against the reference: the share of missing values per column, categories
 * the reference never had, and numeric values outside the reference's [min, max].
 */
export function qualityChecks(window: Table, facts: Record<string, ColumnFacts>, config: NonNullable<MonitorChecks['quality']>): QualityColumn[] {
  const maxMissing = config.maxMissingShare ?? 0.1
  const maxOutOfRange = config.maxOutOfRangeShare ?? 0.05
  const out: QualityColumn[] = []
  for (const column of window.columns) {
    if (column.name === '__prediction__') continue
    const ref = facts[column.name]
    const n = window.rowCount
    const result: QualityColumn = { column: column.name, missingShare: 0, problems: [] }
    if (column.kind === 'numeric') {
      let missing = 0
      let outside = 0
      for (const v of column.values) {
        if (Number.isNaN(v)) missing++
        else if (ref?.kind === 'numeric' && (v < ref.min || v > ref.max)) outside++
      }
      result.missingShare = n ? missing / n : 0
      if (ref?.kind === 'numeric' && config.outOfRange !== false) {
        result.outOfRangeShare = n - missing ? outside / (n - missing) : 0
        if (result.outOfRangeShare > maxOutOfRange) {
          result.problems.push(`${(result.outOfRangeShare * 100).toFixed(1)}% of values outside the reference range [${ref.min}, ${ref.max}] (allowed ${(maxOutOfRange * 100).toFixed(1)}%)`)
        }
      }
      if (ref?.kind === 'categorical') result.problems.push('numeric in the window but categorical in the reference')
    } else {
      let missing = 0
      for (const code of column.codes) if (code < 0) missing++
      result.missingShare = n ? missing / n : 0
      if (ref?.kind === 'categorical' && config.newCategories !== false) {
        const known = new Set(ref.categories)
        const seen = new Set<number>()
        for (const code of column.codes) if (code >= 0) seen.add(code)
        const fresh = [...seen].map((c) => column.labels[c]!).filter((l) => !known.has(l)).sort()
        if (fresh.length) {
          result.newCategories = fresh
          result.problems.push(`new categories not in the reference: ${fresh.slice(0, 10).join(', ')}${fresh.length > 10 ? ` (+${fresh.length - 10} more)` : ''}`)
        }
      }
      if (ref?.kind === 'numeric') result.problems.push('categorical in the window but numeric in the reference')
    }
    if (result.missingShare > maxMissing) result.problems.unshift(`${(result.missingShare * 100).toFixed(1)}% missing (allowed ${(maxMissing * 100).toFixed(1)}%)`)
    out.push(result)
  }
  for (const name of Object.keys(facts)) {
    if (name !== '__prediction__' && !window.columns.some((c) => c.name === name)) out.push({ column: name, missingShare: 1, problems: ['column missing from the window'] })
  }
  return out
}

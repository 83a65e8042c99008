import type { PreparedColumn } from '../prepared.js'
import type { TableColumn } from '../table.js'
import { sortedFinite } from './sort.js'

/** Drops missing and infinite values (per column, per file, as the reference rules say) and sorts numeric columns. */
export function prepareColumn(column: TableColumn, shared = false): PreparedColumn {
  if (column.kind === 'numeric') {
    const sorted = sortedFinite(column.values, shared)
    return {
      name: column.name,
      kind: 'numeric',
      sorted,
      isInteger: column.isInteger,
      rows: column.values.length,
      missing: column.values.length - sorted.length,
    }
  }
  const all = column.codes
  let present = 0
  for (let i = 0; i < all.length; i++) if (all[i]! >= 0) present++
  const codes = shared ? new Int32Array(new SharedArrayBuffer(present * 4)) : new Int32Array(present)
  let j = 0
  for (let i = 0; i < all.length; i++) {
    const code = all[i]!
    if (code >= 0) codes[j++] = code
  }
  return { name: column.name, kind: 'categorical', labels: column.labels, codes, rows: all.length, missing: all.length - present }
}

export function isPrepared(column: TableColumn | PreparedColumn): column is PreparedColumn {
  return 'rows' in column
}

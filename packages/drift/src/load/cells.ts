import type { TableColumn } from '../table.js'
import { isIntegerLiteral, parsePythonFloat } from './number-text.js'

/** A cell from a row-oriented source (JSON Lines, a text column of Parquet): null/undefined/'' is missing. */
export type Cell = string | number | boolean | null | undefined

/**
 * Types one column from its cells with the CSV rules: numeric when every non-empty cell is a number or text
 * Python's float() accepts; integer-typed when nothing is missing and every cell is an integer.
 */
export function columnFromCells(name: string, cells: readonly Cell[], forceText: boolean): TableColumn {
  const n = cells.length
  let numeric = !forceText
  if (numeric) {
    for (let i = 0; i < n; i++) {
      const cell = cells[i]
      if (cell === null || cell === undefined || cell === '' || typeof cell === 'number') continue
      if (typeof cell === 'boolean' || parsePythonFloat(cell) === undefined) {
        numeric = false
        break
      }
    }
  }
  if (numeric) {
    const values = new Float64Array(n)
    let isInteger = n > 0
    for (let i = 0; i < n; i++) {
      const cell = cells[i]
      if (cell === null || cell === undefined || cell === '') {
        values[i] = NaN
        isInteger = false
      } else if (typeof cell === 'number') {
        values[i] = cell
        if (!Number.isInteger(cell)) isInteger = false
      } else {
        values[i] = parsePythonFloat(cell as string)!
        if (!isIntegerLiteral(cell as string)) isInteger = false
      }
    }
    return { name, kind: 'numeric', values, isInteger }
  }
  const codes = new Int32Array(n)
  const labels: string[] = []
  const dict = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const text = cellText(cells[i])
    if (text === '') {
      codes[i] = -1
      continue
    }
    let code = dict.get(text)
    if (code === undefined) {
      code = labels.length
      dict.set(text, code)
      labels.push(text)
    }
    codes[i] = code
  }
  return { name, kind: 'categorical', codes, labels }
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return ''
  if (typeof cell === 'string') return cell
  if (typeof cell === 'boolean') return cell ? 'True' : 'False' // how pandas prints a bool cell as text
  return String(cell)
}

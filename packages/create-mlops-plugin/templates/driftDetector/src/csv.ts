import { readFile } from 'node:fs/promises'
import { errors, mlopsError } from '@mlops/core'

export interface CsvTable {
  path: string
  columns: string[]
  /** Cells by column name; an empty cell is a missing value (`undefined`). */
  cells: Map<string, (string | undefined)[]>
}

/**
 * Reads a plain CSV file: a header row, comma-separated cells, no quoting. Good enough for numeric and
 * label columns; a file with quotes is refused with a clear error rather than misread (use a CSV library
 * such as csv-parse here if your data needs quoting).
 */
export async function readCsv(path: string, signal?: AbortSignal): Promise<CsvTable> {
  let text: string
  try {
    text = await readFile(path, { encoding: 'utf8', ...(signal ? { signal } : {}) })
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') throw error
    const code = (error as { code?: string }).code
    const reason = code === 'ENOENT' ? 'no such file; check the path' : code === 'EISDIR' ? 'this is a folder, not a CSV file' : (error as Error).message
    throw mlopsError(errors.InputInvalid, [path, reason], { loc: { file: path }, cause: error })
  }
  const lines = text.split(/\r?\n/)
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  if (lines.length === 0) throw mlopsError(errors.InputInvalid, [path, 'the file is empty: a CSV file needs a header row naming its columns'], { loc: { file: path } })
  const columns = lines[0]!.split(',').map((c) => c.trim())
  const seen = new Set<string>()
  for (const name of columns) {
    if (!name) throw mlopsError(errors.InputInvalid, [`${path}:1`, 'the header has an empty column name'], { loc: { file: path, line: 1 } })
    if (seen.has(name)) throw mlopsError(errors.InputInvalid, [`${path}:1`, `the header names column "${name}" twice`], { loc: { file: path, line: 1 } })
    seen.add(name)
  }
  const cells = new Map(columns.map((c) => [c, [] as (string | undefined)[]]))
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.includes('"')) {
      throw mlopsError(errors.InputInvalid, [`${path}:${i + 1}`, 'quoted cells are not supported by this reader'], { loc: { file: path, line: i + 1 } })
    }
    const row = line.split(',')
    if (row.length !== columns.length) {
      throw mlopsError(errors.InputInvalid, [`${path}:${i + 1}`, `expected ${columns.length} cells (one per header column), got ${row.length}`], { loc: { file: path, line: i + 1 } })
    }
    row.forEach((cell, j) => cells.get(columns[j]!)!.push(cell.trim() === '' ? undefined : cell.trim()))
  }
  return { path, columns, cells }
}

import { extname } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { LoadTableOptions, Table, TableFormat } from '../table.js'
import { loadCsv } from './csv.js'
import { loadJsonLines } from './jsonl.js'

/** The data format a path names by its extension; CSV when the extension says nothing. */
export function formatForPath(path: string): TableFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  if (ext === '.parquet' || ext === '.pq') return 'parquet'
  return 'csv'
}

/**
 * Loads CSV, JSON Lines or Parquet into typed columns: numeric when every non-empty cell is a number
 * (Float64Array, NaN for missing), otherwise categorical (dictionary codes + labels).
 */
export async function loadTable(path: string, options: LoadTableOptions & { shared?: boolean } = {}): Promise<Table> {
  const format = options.format ?? formatForPath(path)
  const inner = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.textColumns ? { textColumns: options.textColumns } : {}),
  }
  if (format === 'csv') return loadCsv(path, { ...inner, shared: options.shared === true })
  if (format === 'jsonl') return loadJsonLines(path, inner)
  if (format === 'parquet') {
    const { loadParquet } = await import('./parquet.js')
    return loadParquet(path, inner)
  }
  throw mlopsError(errors.InputInvalid, [path, `unknown data format "${String(format)}"; use csv, jsonl or parquet`])
}

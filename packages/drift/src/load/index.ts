import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { LoadTableOptions, Table, TableFormat } from '../table.js'
import { loadCsv } from './csv.js'
import { loadJsonLines } from './jsonl.js'

/** Below this size a CSV file is parsed on one thread: splitting it costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0 // the loader reports the missing file
  }
}

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
  if (format === 'csv' && options.pool && (await fileSize(path)) >= PARALLEL_MIN_BYTES) {
    const { loadCsvParallel } = await import('./csv-parallel.js')
    return loadCsvParallel(path, options.pool, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.textColumns ? { textColumns: options.textColumns } : {}),
      ...(options.columns ? { columns: options.columns } : {}),
    })
  }
  const inner = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.textColumns ? { textColumns: options.textColumns } : {}),
  }
  if (format === 'csv') return loadCsv(path, { ...inner, shared: options.shared === true, ...(options.columns ? { columns: options.columns } : {}) })
  if (format === 'jsonl') return onlyColumns(await loadJsonLines(path, inner), options.columns)
  if (format === 'parquet') {
    const { loadParquet } = await import('./parquet.js')
    return onlyColumns(await loadParquet(path, inner), options.columns)
  }
  throw mlopsError(errors.InputInvalid, [path, `unknown data format "${String(format)}"; use csv, jsonl or parquet`])
}

function onlyColumns(table: Table, columns: readonly string[] | undefined): Table {
  if (!columns) return table
  const keep = new Set(columns)
  return { ...table, columns: table.columns.filter((c) => keep.has(c.name)) }
}

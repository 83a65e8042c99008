import { access } from 'node:fs/promises'
import { errors, mlopsError } from '@mlops/core'
import type { Table, TableColumn } from '../table.js'
import { columnFromCells, type Cell } from './cells.js'
import { describeOpenError } from './open-error.js'

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'])
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE'])

/**
 * Reads a Parquet file with DuckDB (imported here only, so the CLI starts without loading it). Integer and
 * floating-point columns become numeric (integer-typed when the file has no null in them); text columns
 * follow the CSV typing rules; anything else is read as text.
 */
export async function loadParquet(path: string, options: { signal?: AbortSignal; textColumns?: readonly string[] } = {}): Promise<Table> {
  options.signal?.throwIfAborted()
  try {
    await access(path)
  } catch (error) {
    throw mlopsError(errors.InputInvalid, [path, describeOpenError(error)], { loc: { file: path }, cause: error })
  }
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const literal = `'${path.replaceAll("'", "''")}'`
    let described
    try {
      described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal})`)
    } catch (error) {
      throw mlopsError(errors.InputInvalid, [path, `not a readable Parquet file: ${(error as Error).message}`], {
        loc: { file: path },
        cause: error,
      })
    }
    const schema = described.getRowObjectsJS().map((row) => ({ name: String(row['column_name']), type: String(row['column_type']) }))
    const forced = new Set(options.textColumns ?? [])
    const kinds = schema.map(({ name, type }) => {
      const base = type.replace(/\(.*$/, '')
      if (forced.has(name)) return 'text' as const
      if (INTEGER_TYPES.has(base)) return 'integer' as const
      if (FLOAT_TYPES.has(base) || base === 'DECIMAL') return 'float' as const
      return 'text' as const
    })
    const select = schema
      .map(({ name }, i) => {
        const id = `"${name.replaceAll('"', '""')}"`
        return kinds[i] === 'text' ? `CAST(${id} AS VARCHAR)` : `CAST(${id} AS DOUBLE)`
      })
      .join(', ')
    const count = Number(
      (await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${literal})`)).getRowObjectsJS()[0]?.['n'] ?? 0,
    )
    const numeric = kinds.map((k) => (k === 'text' ? undefined : new Float64Array(count)))
    const hasNull = kinds.map(() => false)
    const textCells = kinds.map((k) => (k === 'text' ? new Array<Cell>(count) : undefined))
    const result = await connection.stream(`SELECT ${select} FROM read_parquet(${literal})`)
    let row = 0
    for (;;) {
      options.signal?.throwIfAborted()
      const chunk = await result.fetchChunk()
      if (!chunk || chunk.rowCount === 0) break
      const n = chunk.rowCount
      for (let c = 0; c < schema.length; c++) {
        const vector = chunk.getColumnVector(c)
        const values = numeric[c]
        if (values) {
          for (let i = 0; i < n; i++) {
            const v = vector.getItem(i) as number | null
            if (v === null) {
              values[row + i] = NaN
              hasNull[c] = true
            } else values[row + i] = v
          }
        } else {
          const cells = textCells[c]!
          for (let i = 0; i < n; i++) cells[row + i] = vector.getItem(i) as string | null
        }
      }
      row += n
    }
    const columns: TableColumn[] = schema.map(({ name }, c) => {
      const values = numeric[c]
      if (values) return { name, kind: 'numeric', values: values.subarray(0, row), isInteger: kinds[c] === 'integer' && !hasNull[c] && row > 0 }
      return columnFromCells(name, textCells[c]!.slice(0, row), forced.has(name))
    })
    return { source: path, format: 'parquet', rowCount: row, columns }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

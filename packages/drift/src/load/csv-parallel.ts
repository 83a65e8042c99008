import { open } from 'node:fs/promises'
import type { WorkerPool } from '@mlops/core'
import { tasksModuleUrl } from '../internal/tasks-url.js'
import type { Table } from '../table.js'
import type { ParsedColumn } from './csv-parser.js'
import { CsvFormatError } from './csv-parser.js'
import { columnIndexes, loadCsv, parseCsvRange, readCsvLayout, tableFromParsed, type CsvLayout, type CsvRangeResult } from './csv.js'

const LF = 0x0a

/**
 * One CSV file parsed by all pool threads at once: the data is cut into byte ranges at line feeds, each
 * worker parses its range into shared memory, and the parts are joined in row order (categories renumbered
 * in first-seen order), which gives exactly the sequential result. A cut that falls inside a quoted field
 * makes the range before it end in an unclosed quote; then, and for any malformed input, the file is parsed
 * sequentially, which also reports the error with its line number. Used when one file is read on its own
 * (a monitor run against a profile, building a profile), where the second core would otherwise idle.
 */
export async function loadCsvParallel(
  path: string,
  pool: WorkerPool,
  options: { signal?: AbortSignal; textColumns?: readonly string[]; columns?: readonly string[] } = {},
): Promise<Table> {
  const { signal } = options
  const layout = await readCsvLayout(path, signal)
  const count = Math.max(1, pool.maxThreads)
  const forced = new Set(options.textColumns ?? [])
  const sequential = () =>
    loadCsv(path, {
      shared: true,
      ...(signal ? { signal } : {}),
      ...(forced.size ? { textColumns: [...forced] } : {}),
      ...(options.columns ? { columns: options.columns } : {}),
    })
  if (count < 2) return sequential()
  const module = tasksModuleUrl()
  for (let attempt = 0; attempt <= layout.names.length; attempt++) {
    const indexes = columnIndexes(layout, forced, options.columns)
    const parts = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        pool.run<CsvRangeResult | { error: string }>(
          { module, fn: 'parseCsvRangeTask', args: [path, layout, i, count, indexes.textColumns, indexes.skipColumns] },
          signal ? { signal } : {},
        ),
      ),
    )
    if (parts.some((p) => 'error' in p)) return sequential()
    const results = parts as CsvRangeResult[]
    const needsText = new Set(results.flatMap((r) => r.needsText))
    if (needsText.size === 0) {
      const { columns, rows } = joinRanges(results, layout.names.length)
      return tableFromParsed(path, layout.names, columns, rows)
    }
    for (const i of needsText) forced.add(layout.names[i]!)
  }
  return sequential()
}

/** Worker side: parse range `index` of `count` equal byte ranges, each starting at a record boundary. */
export async function parseCsvRangeTask(
  path: string,
  layout: CsvLayout,
  index: number,
  count: number,
  textColumns: number[],
  skipColumns: number[],
): Promise<CsvRangeResult | { error: string }> {
  const body = layout.size - layout.dataStart
  const nominal = (i: number) => layout.dataStart + Math.floor((body * i) / count)
  const start = index === 0 ? layout.dataStart : await recordStartAtOrAfter(path, nominal(index), layout)
  const end = index === count - 1 ? layout.size : await recordStartAtOrAfter(path, nominal(index + 1), layout)
  try {
    return await parseCsvRange(path, layout.names.length, start, Math.max(start, end), { textColumns, skipColumns, shared: true })
  } catch (error) {
    if (error instanceof CsvFormatError) return { error: error.message }
    throw error
  }
}

/** The offset just after the first line feed at or after `offset - 1` (so a record start maps to itself). */
async function recordStartAtOrAfter(path: string, offset: number, layout: CsvLayout): Promise<number> {
  if (offset <= layout.dataStart) return layout.dataStart
  const handle = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(64 * 1024)
    let at = offset - 1
    while (at < layout.size) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, at)
      if (bytesRead === 0) break
      const lf = buf.subarray(0, bytesRead).indexOf(LF)
      if (lf !== -1) return at + lf + 1
      at += bytesRead
    }
    return layout.size
  } finally {
    await handle.close()
  }
}

/** Concatenates range results in order into shared-memory columns. */
function joinRanges(results: CsvRangeResult[], columnCount: number): { columns: (ParsedColumn | undefined)[]; rows: number } {
  const rows = results.reduce((sum, r) => sum + r.rows, 0)
  const columns: (ParsedColumn | undefined)[] = []
  for (let c = 0; c < columnCount; c++) {
    const parts = results.map((r) => r.columns[c])
    const first = parts[0]
    if (!first) {
      columns.push(undefined)
      continue
    }
    if (first.kind === 'numeric') {
      const values = new Float64Array(new SharedArrayBuffer(rows * 8))
      let at = 0
      let isInteger = rows > 0
      results.forEach((r, i) => {
        const part = parts[i] as Extract<ParsedColumn, { kind: 'numeric' }>
        values.set(part.values, at)
        at += r.rows
        if (r.rows > 0 && !part.isInteger) isInteger = false
      })
      columns.push({ kind: 'numeric', values, isInteger })
    } else {
      const codes = new Int32Array(new SharedArrayBuffer(rows * 4))
      const labels: string[] = []
      const dictionary = new Map<string, number>()
      let at = 0
      results.forEach((r, i) => {
        const part = parts[i] as Extract<ParsedColumn, { kind: 'categorical' }>
        const remap = part.labels.map((label) => {
          let code = dictionary.get(label)
          if (code === undefined) {
            code = labels.length
            dictionary.set(label, code)
            labels.push(label)
          }
          return code
        })
        for (let k = 0; k < r.rows; k++) {
          const code = part.codes[k]!
          codes[at + k] = code < 0 ? -1 : remap[code]!
        }
        at += r.rows
      })
      columns.push({ kind: 'categorical', codes, labels })
    }
  }
  return { columns, rows }
}

import { open } from 'node:fs/promises'
import { errors, mlopsError } from '@mlops/core'
import type { Table, TableColumn } from '../table.js'
import { CsvColumnParser, CsvFormatError, parseHeader, type ParsedColumn } from './csv-parser.js'
import { describeOpenError } from './open-error.js'

const CHUNK_BYTES = 8 * 1024 * 1024
const LF = 0x0a

/**
 * Reads a CSV file (header row, RFC 4180 quoting, empty cell = missing) into typed columns, streaming it
 * through one fixed buffer so memory holds the columns, not the file.
 */
export async function loadCsv(
  path: string,
  options: { signal?: AbortSignal; textColumns?: readonly string[]; columns?: readonly string[]; shared?: boolean; chunkBytes?: number } = {},
): Promise<Table> {
  const forced = new Set(options.textColumns ?? [])
  // A column turns out to hold text only after some cells were parsed as numbers; parse again with it as
  // text. Decided on the first data row in practice, so this loop runs once or twice.
  for (let attempt = 0; ; attempt++) {
    const result = await parseCsvFile(path, forced, options.columns, options.signal, options.shared === true, options.chunkBytes ?? CHUNK_BYTES)
    if (result.needsText.length === 0) return result.table
    for (const name of result.needsText) forced.add(name)
    if (attempt > result.table.columns.length) throw new Error(`CSV column typing did not settle for ${path}`)
  }
}

/** Where the data of a CSV file starts, and its column names (validated: non-empty, unique). */
export interface CsvLayout {
  names: string[]
  /** Byte offset of the first data record. */
  dataStart: number
  size: number
}

export async function readCsvLayout(path: string, signal?: AbortSignal): Promise<CsvLayout> {
  signal?.throwIfAborted()
  const handle = await openOrThrow(path)
  try {
    const size = (await handle.stat()).size
    let buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 64 * 1024))
    let filled = 0
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled)
      filled += bytesRead
      const eof = bytesRead === 0 || filled >= size
      const bom = filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
      const header = findHeader(buf, bom, filled, eof)
      if (header || eof) {
        if (!header || header.names.length === 0 || (header.names.length === 1 && header.names[0] === '')) {
          throw mlopsError(errors.InputInvalid, [path, 'the file is empty: a CSV file needs a header row naming its columns'], {
            loc: { file: path, line: 1 },
          })
        }
        const seen = new Set<string>()
        for (const name of header.names) {
          if (seen.has(name)) {
            throw mlopsError(errors.InputInvalid, [`${path}:1`, `the header names column "${name}" twice; column names must be unique`], {
              loc: { file: path, line: 1 },
            })
          }
          seen.add(name)
        }
        return { names: header.names, dataStart: header.next, size }
      }
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, filled)
        buf = bigger
      }
    }
  } finally {
    await handle.close()
  }
}

async function openOrThrow(path: string) {
  try {
    return await open(path, 'r')
  } catch (error) {
    throw mlopsError(errors.InputInvalid, [path, describeOpenError(error)], { loc: { file: path }, cause: error })
  }
}

export interface CsvRangeOptions {
  /** Column indexes read as text, and column indexes not stored at all. */
  textColumns: readonly number[]
  skipColumns: readonly number[]
  shared: boolean
  chunkBytes?: number
  signal?: AbortSignal
  /** Line number of the range's first record, for error messages (known for the whole file only). */
  firstLine?: number
}

export interface CsvRangeResult {
  columns: (ParsedColumn | undefined)[]
  rows: number
  /** Column indexes holding a cell that is not a number (re-parse them as text). */
  needsText: number[]
  /** `"` bytes in the range: parallel parsing checks that every range starts outside quotes. */
  quoteBytes: number
}

/** Parses the records in bytes [start, end) of a file; `end` must be the end of a record (or of the file). */
export async function parseCsvRange(path: string, columnCount: number, start: number, end: number, options: CsvRangeOptions): Promise<CsvRangeResult> {
  const { signal } = options
  signal?.throwIfAborted()
  const handle = await openOrThrow(path)
  try {
    const chunkBytes = options.chunkBytes ?? CHUNK_BYTES
    let buf: Buffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, Math.max(end - start, 1024))))
    let filled = 0
    let fileOffset = start
    let eof = false
    const readMore = async (): Promise<void> => {
      if (filled === buf.length) {
        // a record longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, filled)
        buf = bigger
      }
      const want = Math.min(buf.length - filled, end - fileOffset)
      const { bytesRead } = want > 0 ? await handle.read(buf, filled, want, fileOffset) : { bytesRead: 0 }
      fileOffset += bytesRead
      filled += bytesRead
      if (bytesRead === 0 || fileOffset >= end) eof = true
    }
    await readMore()
    while (!eof && filled < buf.length) await readMore()
    let pos = 0
    const parser = new CsvColumnParser(
      columnCount,
      new Set(options.textColumns),
      estimateRows(buf, 0, filled, end - start, eof),
      options.firstLine ?? 0,
      options.shared,
      new Set(options.skipColumns),
    )
    for (;;) {
      signal?.throwIfAborted()
      // Parse up to the last line feed (the parser relies on one ending its input); at the end of the range,
      // add one if the last line has none.
      let stop: number
      if (eof) {
        if (filled > pos && buf[filled - 1] !== LF) {
          if (filled === buf.length) {
            const bigger = Buffer.allocUnsafe(buf.length + 1)
            buf.copy(bigger, 0, 0, filled)
            buf = bigger
          }
          buf[filled++] = LF
        }
        stop = filled
      } else {
        const lastLf = buf.lastIndexOf(LF, filled - 1)
        stop = lastLf >= pos ? lastLf + 1 : pos
      }
      const consumed = parser.parse(buf, pos, stop, eof)
      if (eof) break
      // keep the incomplete record, refill behind it
      buf.copy(buf, 0, consumed, filled)
      filled -= consumed
      pos = 0
      await readMore()
    }
    return { columns: parser.finish(), rows: parser.rows, needsText: [...parser.needsText], quoteBytes: parser.quoteBytes }
  } finally {
    await handle.close()
  }
}

function csvError(path: string, error: unknown): unknown {
  if (error instanceof CsvFormatError) {
    return mlopsError(errors.InputInvalid, [`${path}:${error.line}`, `line ${error.line} ${error.message}`], {
      loc: { file: path, line: error.line },
    })
  }
  return error
}

/** Column index sets for a layout: text columns by name, and the columns left out by `columns`. */
export function columnIndexes(layout: CsvLayout, textColumnNames: ReadonlySet<string>, onlyColumns: readonly string[] | undefined) {
  const keep = onlyColumns ? new Set(onlyColumns) : undefined
  const textColumns: number[] = []
  const skipColumns: number[] = []
  layout.names.forEach((name, i) => {
    if (textColumnNames.has(name)) textColumns.push(i)
    if (keep && !keep.has(name)) skipColumns.push(i)
  })
  return { textColumns, skipColumns }
}

export function tableFromParsed(path: string, names: readonly string[], columns: readonly (ParsedColumn | undefined)[], rows: number): Table {
  const out: TableColumn[] = []
  columns.forEach((column, i) => {
    if (column) out.push({ name: names[i]!, ...column })
  })
  return { source: path, format: 'csv', rowCount: rows, columns: out }
}

async function parseCsvFile(
  path: string,
  textColumnNames: ReadonlySet<string>,
  onlyColumns: readonly string[] | undefined,
  signal: AbortSignal | undefined,
  shared: boolean,
  chunkBytes: number,
): Promise<{ table: Table; needsText: string[] }> {
  const layout = await readCsvLayout(path, signal)
  const indexes = columnIndexes(layout, textColumnNames, onlyColumns)
  let result: CsvRangeResult
  try {
    result = await parseCsvRange(path, layout.names.length, layout.dataStart, layout.size, {
      ...indexes,
      shared,
      chunkBytes,
      firstLine: 2,
      ...(signal ? { signal } : {}),
    })
  } catch (error) {
    throw csvError(path, error)
  }
  return {
    table: tableFromParsed(path, layout.names, result.columns, result.rows),
    needsText: result.needsText.map((i) => layout.names[i]!),
  }
}

function findHeader(buf: Buffer, start: number, filled: number, eof: boolean): { names: string[]; next: number } | undefined {
  // the header is complete once a newline outside quotes follows it (or at end of file)
  const parsed = parseHeader(buf, start, filled)
  if (!parsed) return undefined
  if (parsed.next >= filled && !eof) return undefined
  return parsed
}

/** Rows in the file, from the bytes per line of the first chunk; slightly high so columns rarely grow. */
function estimateRows(buf: Buffer, start: number, filled: number, size: number, eof: boolean): number {
  let lines = 0
  let p = buf.indexOf(LF, start)
  while (p !== -1 && p < filled) {
    lines++
    p = buf.indexOf(LF, p + 1)
  }
  if (eof) return lines + 1
  if (lines === 0) return 1024
  const bytesPerLine = (filled - start) / lines
  return Math.ceil(((size - start) / bytesPerLine) * 1.01) + 64
}

import { open } from 'node:fs/promises'
import { errors, mlopsError } from '@mlops/core'
import type { Table, TableColumn } from '../table.js'
import { CsvColumnParser, CsvFormatError, parseHeader } from './csv-parser.js'
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

async function parseCsvFile(
  path: string,
  textColumnNames: ReadonlySet<string>,
  onlyColumns: readonly string[] | undefined,
  signal: AbortSignal | undefined,
  shared: boolean,
  chunkBytes: number,
): Promise<{ table: Table; needsText: string[] }> {
  signal?.throwIfAborted()
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw mlopsError(errors.InputInvalid, [path, describeOpenError(error)], { loc: { file: path }, cause: error })
  }
  try {
    const size = (await handle.stat()).size
    let buf: Buffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, Math.max(size, 1024))))
    let filled = 0
    let fileOffset = 0
    let eof = false
    const readMore = async (): Promise<void> => {
      if (filled === buf.length) {
        // a record longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, filled)
        buf = bigger
      }
      const { bytesRead } = await handle!.read(buf, filled, buf.length - filled, fileOffset)
      fileOffset += bytesRead
      filled += bytesRead
      if (bytesRead === 0) eof = true
    }
    await readMore()
    while (!eof && filled < buf.length) await readMore()
    let start = 0
    if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3 // UTF-8 BOM
    // the header must be complete in the buffer: read on until it is
    let header = findHeader(buf, start, filled, eof)
    while (!header && !eof) {
      await readMore()
      header = findHeader(buf, start, filled, eof)
    }
    if (!header || header.names.length === 0 || (header.names.length === 1 && header.names[0] === '')) {
      throw mlopsError(errors.InputInvalid, [path, 'the file is empty: a CSV file needs a header row naming its columns'], {
        loc: { file: path, line: 1 },
      })
    }
    const names = header.names
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name)) {
        throw mlopsError(errors.InputInvalid, [`${path}:1`, `the header names column "${name}" twice; column names must be unique`], {
          loc: { file: path, line: 1 },
        })
      }
      seen.add(name)
    }
    start = header.next
    const textColumns = new Set<number>()
    names.forEach((name, i) => {
      if (textColumnNames.has(name)) textColumns.add(i)
    })
    const keep = onlyColumns ? new Set(onlyColumns) : undefined
    const skip = new Set<number>()
    if (keep) names.forEach((name, i) => keep.has(name) || skip.add(i))
    const parser = new CsvColumnParser(names.length, textColumns, estimateRows(buf, start, filled, size, eof), 2, shared, skip)
    for (;;) {
      signal?.throwIfAborted()
      // Parse up to the last line feed (the parser relies on one ending its input); at the end of the file,
      // add one if the last line has none.
      let end: number
      if (eof) {
        if (filled > start && buf[filled - 1] !== LF) {
          if (filled === buf.length) {
            const bigger = Buffer.allocUnsafe(buf.length + 1)
            buf.copy(bigger, 0, 0, filled)
            buf = bigger
          }
          buf[filled++] = LF
        }
        end = filled
      } else {
        const lastLf = buf.lastIndexOf(LF, filled - 1)
        end = lastLf >= start ? lastLf + 1 : start
      }
      let consumed: number
      try {
        consumed = parser.parse(buf, start, end, eof)
      } catch (error) {
        if (error instanceof CsvFormatError) {
          throw mlopsError(errors.InputInvalid, [`${path}:${error.line}`, `line ${error.line} ${error.message}`], {
            loc: { file: path, line: error.line },
          })
        }
        throw error
      }
      if (eof) break
      // keep the incomplete record, refill behind it
      buf.copy(buf, 0, consumed, filled)
      filled -= consumed
      start = 0
      await readMore()
    }
    const parsed = parser.finish()
    const needsText = [...parser.needsText].map((i) => names[i]!)
    const columns: TableColumn[] = []
    parsed.forEach((column, i) => {
      if (column) columns.push({ name: names[i]!, ...column })
    })
    return { table: { source: path, format: 'csv', rowCount: parser.rows, columns }, needsText }
  } finally {
    await handle.close()
  }
}

function findHeader(buf: Buffer, start: number, filled: number, eof: boolean): { names: string[]; next: number } | undefined {
  // the header is complete once a newline outside quotes follows it (or at end of file)
  const parsed = parseHeader(buf, start, filled)
  if (!parsed) return eof ? undefined : undefined
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

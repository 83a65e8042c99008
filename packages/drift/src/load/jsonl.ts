import { open } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import { errors, mlopsError } from '@mlops/core'
import type { Table } from '../table.js'
import { columnFromCells, type Cell } from './cells.js'
import { describeOpenError } from './open-error.js'

/**
 * Reads JSON Lines: one object per line, keys are columns (in first-seen order), a missing key or null is
 * a missing cell. Numbers stay numbers; strings follow the CSV typing rules. JSON cannot tell `1` from
 * `1.0`, so a column is integer-typed when every value is a whole number.
 */
export async function loadJsonLines(path: string, options: { signal?: AbortSignal; textColumns?: readonly string[] } = {}): Promise<Table> {
  options.signal?.throwIfAborted()
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw mlopsError(errors.InputInvalid, [path, describeOpenError(error)], { loc: { file: path }, cause: error })
  }
  const columns = new Map<string, Cell[]>()
  let rows = 0
  let line = 0
  const addRecord = (text: string): void => {
    line++
    const trimmed = text.trim()
    if (trimmed === '') return
    let record: unknown
    try {
      record = JSON.parse(trimmed)
    } catch (error) {
      throw mlopsError(errors.InputInvalid, [`${path}:${line}`, `line ${line} is not valid JSON (${(error as Error).message})`], {
        loc: { file: path, line },
      })
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw mlopsError(errors.InputInvalid, [`${path}:${line}`, `line ${line} is not a JSON object; JSON Lines data needs one object per line`], {
        loc: { file: path, line },
      })
    }
    for (const [key, value] of Object.entries(record)) {
      let cells = columns.get(key)
      if (!cells) {
        cells = new Array<Cell>(rows).fill(null)
        columns.set(key, cells)
      }
      cells.length = rows
      cells.push(
        value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : JSON.stringify(value),
      )
    }
    rows++
    for (const cells of columns.values()) if (cells.length < rows) cells.length = rows
  }
  try {
    const decoder = new StringDecoder('utf8')
    const buf = Buffer.allocUnsafe(1 << 20)
    let pending = ''
    for (;;) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await handle.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      pending += decoder.write(buf.subarray(0, bytesRead))
      let nl = pending.indexOf('\n')
      let from = 0
      while (nl !== -1) {
        addRecord(pending.slice(from, nl))
        from = nl + 1
        nl = pending.indexOf('\n', from)
      }
      pending = pending.slice(from)
    }
    pending += decoder.end()
    if (pending.trim() !== '') addRecord(pending)
  } finally {
    await handle.close()
  }
  if (columns.size === 0) {
    throw mlopsError(errors.InputInvalid, [path, 'no records: a JSON Lines file needs at least one object with the column names as keys'], {
      loc: { file: path },
    })
  }
  const forced = new Set(options.textColumns ?? [])
  const out = [...columns].map(([name, cells]) => {
    // holes left by `length =` are missing cells
    const dense = Array.from({ length: rows }, (_, i) => cells[i] ?? null)
    return columnFromCells(name, dense, forced.has(name))
  })
  return { source: path, format: 'jsonl', rowCount: rows, columns: out }
}

import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { errors, mlopsError } from '@mlops/core'
import type { PreparedColumn } from './prepared.js'

/**
 * A reference dataset prepared once (sorted numeric values, category codes, row counts), so each monitor
 * run only reads and prepares the current data. Byte layout (little-endian, sections 8-byte aligned):
 *
 *   0   8 bytes  magic "MLPROFIL"
 *   8   u32      format version (1)
 *   12  u32      byte length L of the JSON header
 *   16  L bytes  UTF-8 JSON: { source, rowCount, columns: [{ name, kind, rows, missing, offset, length, ... }] }
 *   ..  padding to 8, then each column's section at its `offset` from the start of the data area:
 *       numeric: `length` float64 values (sorted); categorical: `length` codes as u8/u16/u32 (by `codeBytes`)
 */
export interface DriftProfile {
  formatVersion: 1
  /** The file the profile was built from (informational: results never depend on it). */
  source: string
  rowCount: number
  columns: PreparedColumn[]
}

const MAGIC = 'MLPROFIL'
export const PROFILE_FORMAT_VERSION = 1

interface HeaderColumn {
  name: string
  kind: 'numeric' | 'categorical'
  rows: number
  missing: number
  offset: number
  length: number
  isInteger?: boolean
  labels?: string[]
  codeBytes?: 1 | 2 | 4
}

interface Header {
  source: string
  rowCount: number
  columns: HeaderColumn[]
}

const align8 = (n: number) => (n + 7) & ~7

function assertLittleEndian(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('reference profiles are little-endian; this host is big-endian')
}

/** Header bytes (magic, version, JSON, padding) and where each column's section goes. */
function layoutProfile(profile: DriftProfile): { head: Uint8Array<ArrayBuffer>; columns: HeaderColumn[]; dataStart: number; total: number } {
  assertLittleEndian()
  const columns: HeaderColumn[] = []
  let dataBytes = 0
  for (const column of profile.columns) {
    if (column.kind === 'numeric') {
      columns.push({ name: column.name, kind: 'numeric', rows: column.rows, missing: column.missing, offset: dataBytes, length: column.sorted.length, isInteger: column.isInteger })
      dataBytes = align8(dataBytes + column.sorted.byteLength)
    } else {
      const codeBytes = column.labels.length <= 0xff ? 1 : column.labels.length <= 0xffff ? 2 : 4
      columns.push({ name: column.name, kind: 'categorical', rows: column.rows, missing: column.missing, offset: dataBytes, length: column.codes.length, labels: column.labels, codeBytes })
      dataBytes = align8(dataBytes + column.codes.length * codeBytes)
    }
  }
  const header: Header = { source: profile.source, rowCount: profile.rowCount, columns }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const dataStart = align8(16 + json.length)
  const head = new Uint8Array(dataStart)
  head.set(new TextEncoder().encode(MAGIC), 0)
  const view = new DataView(head.buffer)
  view.setUint32(8, PROFILE_FORMAT_VERSION, true)
  view.setUint32(12, json.length, true)
  head.set(json, 16)
  return { head, columns, dataStart, total: dataStart + dataBytes }
}

/** One column's section, padded to 8 bytes (a view of the sorted values where no conversion is needed). */
function columnSection(column: PreparedColumn, header: HeaderColumn): Uint8Array {
  if (column.kind === 'numeric') {
    const bytes = new Uint8Array(column.sorted.buffer, column.sorted.byteOffset, column.sorted.byteLength)
    if (bytes.length % 8 === 0) return bytes
    const padded = new Uint8Array(align8(bytes.length))
    padded.set(bytes)
    return padded
  }
  const width = header.codeBytes!
  const out = new Uint8Array(align8(column.codes.length * width))
  const target = width === 1 ? out.subarray(0, column.codes.length) : width === 2 ? new Uint16Array(out.buffer, 0, column.codes.length) : new Uint32Array(out.buffer, 0, column.codes.length)
  target.set(column.codes)
  return out
}

/** Serialises a profile to its binary form (store it as a content-addressed artifact, or a .mlprofile file). */
export function writeProfile(profile: DriftProfile): Uint8Array<ArrayBuffer> {
  const { head, columns, dataStart, total } = layoutProfile(profile)
  const out = new Uint8Array(total)
  out.set(head, 0)
  profile.columns.forEach((column, i) => out.set(columnSection(column, columns[i]!), dataStart + columns[i]!.offset))
  return out
}

/**
 * Writes the same bytes as `writeProfile` to a file, section by section, without assembling them in memory
 * (a million-row column is 8 MB; a whole profile can be hundreds). Returns the size and the sha256.
 */
export async function saveProfile(path: string, profile: DriftProfile): Promise<{ bytes: number; sha256: string }> {
  const { head, columns, total } = layoutProfile(profile)
  const hash = createHash('sha256')
  const handle = await open(path, 'w')
  try {
    const write = async (chunk: Uint8Array) => {
      hash.update(chunk)
      let done = 0
      while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten
    }
    await write(head)
    for (let i = 0; i < profile.columns.length; i++) await write(columnSection(profile.columns[i]!, columns[i]!))
  } finally {
    await handle.close()
  }
  return { bytes: total, sha256: hash.digest('hex') }
}

/** Reads the binary form written by `writeProfile`; `where` names the file or artifact in error messages. */
export function readProfile(bytes: Uint8Array, where = 'reference profile'): DriftProfile {
  assertLittleEndian()
  const fail = (reason: string) =>
    mlopsError(errors.InputInvalid, [where, `${reason}; rebuild it with \`mlops drift profile REFERENCE.csv -o FILE.mlprofile\``], { loc: { file: where } })
  if (!isProfileBytes(bytes)) throw fail('not an mlops reference profile (the file does not start with "MLPROFIL")')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(8, true)
  if (version !== PROFILE_FORMAT_VERSION) throw fail(`profile format version ${version} is not supported (this mlops reads version ${PROFILE_FORMAT_VERSION})`)
  const jsonLength = view.getUint32(12, true)
  if (16 + jsonLength > bytes.length) throw fail('the profile is truncated (header)')
  let header: Header
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength))) as Header
  } catch {
    throw fail('the profile header is not valid JSON')
  }
  const dataStart = align8(16 + jsonLength)
  const columns: PreparedColumn[] = header.columns.map((c) => {
    const at = dataStart + c.offset
    if (c.kind === 'numeric') {
      const end = at + c.length * 8
      if (end > bytes.length) throw fail(`the profile is truncated (column "${c.name}")`)
      // Shared memory (loadProfile) is used in place: views are shared with pool workers without copying.
      // Otherwise copy into an aligned buffer of its own: the caller's bytes may sit at any offset and be reused,
      // and a view into one big ArrayBuffer would clone the whole buffer when sent to a worker.
      const offset = bytes.byteOffset + at
      let sorted: Float64Array
      if (bytes.buffer instanceof SharedArrayBuffer && offset % 8 === 0) {
        sorted = new Float64Array(bytes.buffer, offset, c.length)
      } else {
        sorted = new Float64Array(c.length)
        new Uint8Array(sorted.buffer).set(bytes.subarray(at, end))
      }
      return { name: c.name, kind: 'numeric', sorted, isInteger: c.isInteger === true, rows: c.rows, missing: c.missing }
    }
    const width = c.codeBytes ?? 4
    const end = at + c.length * width
    if (end > bytes.length || !Array.isArray(c.labels)) throw fail(`the profile is truncated (column "${c.name}")`)
    const raw = new Uint8Array(c.length * width)
    raw.set(bytes.subarray(at, end))
    const source = width === 1 ? raw : width === 2 ? new Uint16Array(raw.buffer) : new Uint32Array(raw.buffer)
    const codes = Int32Array.from(source)
    for (let i = 0; i < codes.length; i++) {
      if (codes[i]! >= c.labels.length) throw fail(`column "${c.name}" has a category code outside its ${c.labels.length} labels`)
    }
    return { name: c.name, kind: 'categorical', labels: c.labels, codes, rows: c.rows, missing: c.missing }
  })
  return { formatVersion: 1, source: header.source, rowCount: header.rowCount, columns }
}

/** Whether bytes start like a profile (the CLI accepts a profile wherever a reference file goes). */
export function isProfileBytes(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false
  return true
}

import { open } from 'node:fs/promises'
import { errors, mlopsError, type WorkerPool } from '@mlops/core'
import { prepareColumn } from './internal/prepare.js'
import { loadTable } from './load/index.js'
import { describeOpenError } from './load/open-error.js'
import type { PreparedColumn } from './prepared.js'
import { scopedSignal } from './internal/scoped-signal.js'
import { tasksModuleUrl } from './internal/tasks-url.js'
import { isProfileBytes, readProfile, type DriftProfile } from './profile.js'
import type { Table, TableColumn } from './table.js'

const POOL_MIN_VALUES = 200_000
const POOL_MIN_FILE_BYTES = 4 * 1024 * 1024

/** Prepares every column of a table (sorted numeric values, category codes) into a reference profile. */
export async function buildProfile(table: Table, options: { signal?: AbortSignal; pool?: WorkerPool } = {}): Promise<DriftProfile> {
  const { signal, pool } = options
  const values = table.rowCount * table.columns.length
  let columns: PreparedColumn[]
  if (pool && values >= POOL_MIN_VALUES) {
    const module = tasksModuleUrl()
    const scoped = scopedSignal(signal)
    try {
      columns = await Promise.all(
        table.columns.map((column: TableColumn) =>
          pool.run<PreparedColumn>({ module, fn: 'prepareColumnTask', args: [column, true] }, scoped.signal ? { signal: scoped.signal } : {}),
        ),
      )
    } finally {
      scoped.dispose()
    }
  } else {
    columns = []
    for (const column of table.columns) {
      signal?.throwIfAborted()
      columns.push(prepareColumn(column))
    }
  }
  return { formatVersion: 1, source: table.source, rowCount: table.rowCount, columns }
}

/** Whether the file starts with the profile magic bytes (any extension). */
export async function isProfileFile(path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch {
    return false
  }
  try {
    const head = Buffer.alloc(16)
    const { bytesRead } = await handle.read(head, 0, 16, 0)
    return isProfileBytes(head.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
}

/** Reads a .mlprofile file into shared memory, so its sorted columns go to pool workers without a copy. */
export async function loadProfile(path: string): Promise<DriftProfile> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw mlopsError(errors.InputInvalid, [path, describeOpenError(error)], { loc: { file: path }, cause: error })
  }
  try {
    const size = (await handle.stat()).size
    const bytes = new Uint8Array(new SharedArrayBuffer(size))
    let filled = 0
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return readProfile(bytes.subarray(0, filled), path)
  } finally {
    await handle.close()
  }
}

export interface DriftInputs {
  reference: Table | DriftProfile
  current: Table
}

/**
 * Loads a reference (data file or reference profile, recognised by its magic bytes) and a current data file.
 * With a pool and large files, both files are parsed at once in workers (their columns come back in shared
 * memory, not copied). `columns` limits parsing to those columns.
 */
export async function loadDriftInputs(
  referencePath: string,
  currentPath: string,
  options: { signal?: AbortSignal; pool?: WorkerPool; columns?: readonly string[] } = {},
): Promise<DriftInputs> {
  const { signal, pool } = options
  const only = options.columns ? { columns: options.columns } : {}
  const referenceIsProfile = await isProfileFile(referencePath)
  if (await isProfileFile(currentPath)) {
    throw mlopsError(errors.InputInvalid, [
      currentPath,
      'is a reference profile; profiles stand for reference data only, so pass the current data file itself',
    ])
  }
  const load = async (path: string): Promise<Table> => {
    if (pool && (await fileSize(path)) >= POOL_MIN_FILE_BYTES) {
      const module = tasksModuleUrl()
      return pool.run<Table>({ module, fn: 'loadTableTask', args: [path, only] }, signal ? { signal } : {})
    }
    return loadTable(path, { ...only, ...(signal ? { signal } : {}) })
  }
  if (referenceIsProfile) {
    // one file to parse: let every pool thread take a share of it
    const [reference, current] = await Promise.all([
      loadProfile(referencePath),
      loadTable(currentPath, { ...only, ...(signal ? { signal } : {}), ...(pool ? { pool } : {}) }),
    ])
    return { reference, current }
  }
  const [reference, current] = await Promise.all([load(referencePath), load(currentPath)])
  return { reference, current }
}

async function fileSize(path: string): Promise<number> {
  try {
    const { stat } = await import('node:fs/promises')
    return (await stat(path)).size
  } catch {
    return 0 // let the loader report the missing file
  }
}

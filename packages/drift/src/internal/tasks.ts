/**
 * Entry points the worker pool calls by name (module URL + export). Kept in one small module so a worker
 * loads only the loader and the kernels.
 */
import { loadTable } from '../load/index.js'
import type { LoadTableOptions, Table } from '../table.js'

export { runColumnTask, prepareColumnTask } from './column-task.js'
export { parseCsvRangeTask } from '../load/csv-parallel.js'

/** Loads a file inside a worker into SharedArrayBuffers, so the reply does not copy the columns. */
export async function loadTableTask(path: string, options: Omit<LoadTableOptions, 'signal'>): Promise<Table> {
  return loadTable(path, { ...options, shared: true })
}

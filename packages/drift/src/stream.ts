import { errors, mlopsError } from '@mlops/core'
import { detectChanges, isStreamDetectorId, STREAM_DETECTOR_IDS, StatsInputError, type StreamDetectorId, type StreamDetectorOptions } from '@mlops/stats'
import { loadTable } from './load/index.js'
import type { Table } from './table.js'

export interface StreamDetectionOptions {
  /** The column holding the stream; may be left out when the file has one column. */
  column?: string
  detectors: readonly string[]
  detectorOptions?: StreamDetectorOptions
  signal?: AbortSignal
}

export interface StreamDetectionResult {
  source: string
  column: string
  length: number
  detectors: { detector: StreamDetectorId; detections: number[] }[]
}

/**
 * Runs River-compatible concept-drift detectors (adwin, ddm, eddm, page_hinkley, kswin) over one column of a
 * file or table, in row order; each detection is the 0-based index of the element whose update flagged it.
 */
export async function runStreamDetection(input: string | Table, options: StreamDetectionOptions): Promise<StreamDetectionResult> {
  const detectors: StreamDetectorId[] = []
  if (options.detectors.length === 0) throw mlopsError(errors.InputInvalid, ['--detectors', `no detector given; choose among ${STREAM_DETECTOR_IDS.join(', ')}`])
  for (const id of options.detectors) {
    if (!isStreamDetectorId(id)) throw mlopsError(errors.InputInvalid, ['--detectors', `unknown detector "${id}"; choose among ${STREAM_DETECTOR_IDS.join(', ')}`])
    if (!detectors.includes(id)) detectors.push(id)
  }
  const table = typeof input === 'string' ? await loadTable(input, options.signal ? { signal: options.signal } : {}) : input
  let name = options.column
  if (name === undefined) {
    if (table.columns.length !== 1) {
      throw mlopsError(errors.InputInvalid, [table.source, `has ${table.columns.length} columns (${table.columns.map((c) => c.name).join(', ')}); name the stream with --column`])
    }
    name = table.columns[0]!.name
  }
  const column = table.columns.find((c) => c.name === name)
  if (!column) throw mlopsError(errors.InputInvalid, [table.source, `no column "${name}"; columns: ${table.columns.map((c) => c.name).join(', ')}`])
  if (column.kind !== 'numeric') {
    throw mlopsError(errors.InputInvalid, [`${table.source}: column "${name}"`, `holds text ("${column.labels[0] ?? ''}"...); a drift stream needs numbers (errors as 0/1, or metric values)`])
  }
  for (let i = 0; i < column.values.length; i++) {
    const v = column.values[i]!
    if (!Number.isFinite(v)) {
      throw mlopsError(errors.InputInvalid, [`${table.source}: column "${name}", row ${i + 1}`, `value ${Number.isNaN(v) ? 'is missing' : String(v)}; streams must hold a finite number in every row`])
    }
  }
  options.signal?.throwIfAborted()
  let results
  try {
    results = detectChanges(column.values, detectors, options.detectorOptions ?? {})
  } catch (error) {
    if (error instanceof StatsInputError) {
      throw mlopsError(errors.InputInvalid, [`${table.source}: column "${name}"`, error.message], { cause: error })
    }
    throw error
  }
  return { source: table.source, column: name, length: column.values.length, detectors: results.map((r) => ({ detector: r.detector, detections: [...r.detections] })) }
}

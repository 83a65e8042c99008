import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  isMlopsError,
  loadModelVersion,
  mlopsError,
  parseDuration,
  readLabels,
  readPredictionLog,
  Registry,
  type ArtifactStore,
  type LoadedConfig,
  type Logger,
  type MetadataStore,
  type MonitorConfig,
  type PredictionRecord,
  type WorkerPool,
} from '@mlops/core'
import { buildProfile, computeDriftReport, loadTable, runStreamDetection, tableFromRows, type DriftReport, type Table } from '@mlops/drift'
import { isPerformanceMetric, METRIC_DIRECTION, performanceMetrics, type PerformanceMetric } from '@mlops/stats'
import { MonitorInputInvalid, MonitorUnknown } from './errors.js'
import { qualityChecks, type QualityColumn } from './quality.js'
import { columnFacts, modelReference, predictionCell, type ReferenceData } from './reference.js'

export const MONITOR_RESULTS = 'monitor-results'

export interface MonitorServices {
  config: LoadedConfig
  metadata: MetadataStore
  storage: ArtifactStore
  pool?: WorkerPool
  logger: Logger
}

export type CheckStatus = 'ok' | 'alert' | 'skipped'

export interface MonitorCheck {
  name: 'quality' | 'drift' | 'predictionDrift' | 'performance' | 'stream'
  status: CheckStatus
  detail: string
  data?: unknown
}

export interface MonitorResult {
  id: string
  monitor: string
  at: string
  model: string | null
  /** The version whose reference the window was compared with. */
  version: string | null
  window: { source: string; rows: number; from: string | null; to: string | null; versions: string[] }
  reference: { source: string; rows: number } | null
  checks: MonitorCheck[]
  /** Data or prediction drift, or a change found by the streaming detector. */
  drift: boolean
  performanceDrop: boolean
  qualityFailed: boolean
}

interface Window {
  source: string
  table: Table
  records: PredictionRecord[]
}

function summarizeDrift(report: DriftReport): string {
  const drifted = report.columns.filter((c) => c.drift).map((c) => c.name)
  return `${report.dataset.numberOfDriftedColumns} of ${report.dataset.numberOfColumns} columns drifted (share ${report.dataset.shareOfDriftedColumns.toFixed(2)}, dataset drift at ≥ ${report.dataset.driftShare})${drifted.length ? `: ${drifted.join(', ')}` : ''}`
}

function compactDrift(report: DriftReport) {
  return {
    dataset: report.dataset,
    columns: report.columns.map((c) => ({ name: c.name, type: c.type, test: c.driftTest, drift: c.drift, tests: c.tests })),
  }
}

/**
 * One pass of a monitor: reads the window (the model's prediction log, or a current dataset), compares it
 * with the reference (the alias holder's reference data, prepared once per version), runs the configured
 * checks, records the result and its events (`monitor.completed`, and `drift.detected`,
 * `performance.dropped`, `data_quality.failed` when they apply) in one commit.
 */
export async function runMonitor(services: MonitorServices, name: string, options: { now?: Date; signal?: AbortSignal } = {}): Promise<MonitorResult> {
  const { config, metadata, storage, pool, logger } = services
  const def = config.monitors.get(name)
  if (!def) throw mlopsError(MonitorUnknown, [name, [...config.monitors.keys()]])
  const c: MonitorConfig = def.config
  const now = options.now ?? new Date()
  const fail = (reason: string) => mlopsError(MonitorInputInvalid, [name, reason])

  // --- reference --------------------------------------------------------------------------------
  let reference: ReferenceData | null = null
  let version: string | null = null
  let inputColumns: string[] | undefined
  if (c.model !== undefined) {
    const definition = config.models.get(c.model)!
    const registry = new Registry(metadata)
    const { version: v } = await registry.resolve({ name: c.model, alias: c.alias ?? 'champion' })
    version = v.version
    inputColumns = v.signature.inputs.map((col) => col.name)
    if (c.reference && 'path' in c.reference) {
      reference = await fileReference(name, config.root, c.reference.path, pool, options.signal)
    } else {
      const output = c.reference && 'output' in c.reference ? c.reference.output : definition.config.evaluation?.output
      if (!output) throw fail(`set reference: { output: 'step.output' } (or the model's evaluation output) so the window has something to be compared with`)
      reference = await modelReference({ monitor: name, metadata, storage, ...(pool ? { pool } : {}), version: v, output, loadModel: () => loadModelVersion(storage, definition, v) })
    }
  } else if (c.reference && 'path' in c.reference) {
    reference = await fileReference(name, config.root, c.reference.path, pool, options.signal)
  } else {
    throw fail('a monitor of a current dataset needs reference: { path }')
  }

  // --- window -----------------------------------------------------------------------------------
  let window: Window
  if (c.current) {
    const table = await loadMonitorTable(name, 'current.path', config.root, c.current.path, pool, options.signal)
    window = { source: c.current.path, table, records: [] }
  } else {
    const sinceMs = c.window?.since !== undefined ? parseDuration(c.window.since) : undefined
    if (c.window?.since !== undefined && sinceMs === undefined) throw fail(`window.since "${c.window.since}" is not a duration like "1h"`)
    let records = (await readPredictionLog({ metadata, storage, model: c.model!, ...(sinceMs !== undefined ? { since: new Date(now.getTime() - sinceMs).toISOString() } : {}) })).filter(
      (r) => r.variant !== 'shadow',
    )
    if (c.window?.last !== undefined) records = records.slice(-c.window.last)
    const rows = records.map((r) => ({ ...Object.fromEntries((inputColumns ?? Object.keys(r.inputs)).map((k) => [k, (r.inputs[k] ?? null) as never])), __prediction__: predictionCell(r.output) }))
    window = { source: `prediction log of ${c.model}`, table: tableFromRows(rows, `prediction log of ${c.model}`), records }
  }

  const shared = window.table.columns.filter((col) => col.name !== '__prediction__' && reference!.facts[col.name] !== undefined)
  if (shared.length === 0 && window.table.rowCount > 0) {
    const names = (cols: string[]) => cols.filter((n) => n !== '__prediction__').join(', ') || 'none'
    throw fail(
      `the window (${window.source}: ${names(window.table.columns.map((col) => col.name))}) and the reference (${reference.source}: ${names(Object.keys(reference.facts))}) share no column; point both at data with the same columns`,
    )
  }

  const checks: MonitorCheck[] = []
  const minRows = c.minRows ?? 30
  const enough = window.table.rowCount >= minRows
  const skip = (checkName: MonitorCheck['name'], detail: string) => checks.push({ name: checkName, status: 'skipped', detail })
  const inputsInWindow = window.table.columns.map((col) => col.name).filter((n) => n !== '__prediction__' && (inputColumns === undefined || inputColumns.includes(n)))

  if (c.checks.quality) {
    if (!enough) skip('quality', `${window.table.rowCount} rows in the window; needs ${minRows}`)
    else {
      const columns: QualityColumn[] = qualityChecks(window.table, reference.facts, c.checks.quality)
      const bad = columns.filter((col) => col.problems.length)
      checks.push({
        name: 'quality',
        status: bad.length ? 'alert' : 'ok',
        detail: bad.length ? bad.map((col) => `${col.column}: ${col.problems.join('; ')}`).join(' | ') : `${columns.length} columns: missing values, categories and ranges as in the reference`,
        data: columns,
      })
    }
  }

  if (c.checks.drift) {
    if (!enough) skip('drift', `${window.table.rowCount} rows in the window; needs ${minRows}`)
    else {
      const d = c.checks.drift
      const columns = (d.columns ?? inputsInWindow).filter((n) => reference!.facts[n] !== undefined)
      if (columns.length === 0) throw fail('the window and the reference share no input column')
      const report = await computeDriftReport(reference.profile, window.table, {
        columns,
        ...(d.tests ? { tests: d.tests } : {}),
        ...(d.threshold !== undefined && d.tests ? { thresholds: Object.fromEntries(d.tests.map((t) => [t, d.threshold!])) } : {}),
        ...(d.driftShare !== undefined ? { driftShare: d.driftShare } : {}),
        ...(d.correction ? { correction: d.correction } : {}),
        ...(pool ? { pool } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      checks.push({ name: 'drift', status: report.dataset.datasetDrift ? 'alert' : 'ok', detail: summarizeDrift(report), data: compactDrift(report) })
    }
  }

  if (c.checks.predictionDrift) {
    const hasPredictions = window.table.columns.some((col) => col.name === '__prediction__') && reference.facts.__prediction__ !== undefined
    if (!enough) skip('predictionDrift', `${window.table.rowCount} rows in the window; needs ${minRows}`)
    else if (!hasPredictions) skip('predictionDrift', 'needs a model monitor reading the prediction log')
    else {
      const p = typeof c.checks.predictionDrift === 'object' ? c.checks.predictionDrift : {}
      const report = await computeDriftReport(reference.profile, window.table, {
        columns: ['__prediction__'],
        ...(p.test ? { tests: [p.test] } : {}),
        ...(p.threshold !== undefined && p.test ? { thresholds: { [p.test]: p.threshold } } : {}),
        driftShare: 1,
        ...(pool ? { pool } : {}),
      })
      const col = report.columns[0]!
      const verdict = col.tests.find((t) => t.test === col.driftTest)
      checks.push({
        name: 'predictionDrift',
        status: col.drift ? 'alert' : 'ok',
        detail: `${col.driftTest}${verdict && 'pValue' in verdict && verdict.pValue !== null && verdict.pValue !== undefined ? ` p=${Number(verdict.pValue).toPrecision(3)}` : ''}: ${col.drift ? 'the model’s outputs drifted' : 'outputs as in the reference'}`,
        data: compactDrift(report),
      })
    }
  }

  if (c.checks.performance || c.checks.stream) {
    const task = c.model !== undefined ? config.models.get(c.model)!.config.task : 'other'
    const labels = c.model !== undefined ? await readLabels({ metadata, storage, model: c.model }) : new Map<string, unknown>()
    const joined = window.records.filter((r) => labels.has(r.requestId)).map((r) => ({ record: r, label: labels.get(r.requestId) }))
    if (c.checks.performance) {
      const perf = c.checks.performance
      const needed = perf.minLabels ?? minRows
      if (task === 'other') skip('performance', 'needs a classification or regression model')
      else if (joined.length < needed) skip('performance', `${joined.length} predictions have labels; needs ${needed}`)
      else {
        const metrics = performanceMetrics(
          task,
          joined.map((j) => j.label),
          joined.map((j) => j.record.output),
        ) as Record<string, number>
        const value = metrics[perf.metric]
        if (value === undefined) throw fail(`performance.metric "${perf.metric}" is not computed for a ${task} model (metrics: ${Object.keys(metrics).join(', ')})`)
        const direction = isPerformanceMetric(perf.metric) ? METRIC_DIRECTION[perf.metric as PerformanceMetric] : 'higher'
        const low = perf.min !== undefined && value < perf.min
        const high = perf.max !== undefined && value > perf.max
        checks.push({
          name: 'performance',
          status: low || high ? 'alert' : 'ok',
          detail: `${perf.metric} ${value.toPrecision(4)} on ${joined.length} labelled predictions (${perf.min !== undefined ? `min ${perf.min}` : ''}${perf.max !== undefined ? ` max ${perf.max}` : ''}; ${direction} is better)`,
          data: { metrics, labelled: joined.length },
        })
      }
    }
    if (c.checks.stream) {
      if (task === 'other' || joined.length === 0) skip('stream', `${joined.length} labelled predictions`)
      else {
        const errorsStream = Float64Array.from(joined, (j) => (task === 'classification' ? (j.record.output === j.label ? 0 : 1) : Math.abs(Number(j.record.output) - Number(j.label))))
        const table: Table = { source: 'error stream', format: 'jsonl', rowCount: errorsStream.length, columns: [{ name: 'error', kind: 'numeric', values: errorsStream, isInteger: false }] }
        const result = await runStreamDetection(table, { detectors: [c.checks.stream.detector], ...(c.checks.stream.options ? { detectorOptions: c.checks.stream.options as never } : {}) })
        const detections = result.detectors[0]!.detections
        checks.push({
          name: 'stream',
          status: detections.length ? 'alert' : 'ok',
          detail: `${c.checks.stream.detector} over ${errorsStream.length} labelled predictions: ${detections.length ? `change detected at ${detections.slice(0, 5).join(', ')}` : 'no change'}`,
          data: { detections, length: errorsStream.length },
        })
      }
    }
  }

  const alert = (n: MonitorCheck['name']) => checks.some((ch) => ch.name === n && ch.status === 'alert')
  const result: MonitorResult = {
    id: randomUUID(),
    monitor: name,
    at: now.toISOString(),
    model: c.model ?? null,
    version,
    window: {
      source: window.source,
      rows: window.table.rowCount,
      from: window.records[0]?.ts ?? null,
      to: window.records.at(-1)?.ts ?? null,
      versions: [...new Set(window.records.map((r) => r.version))],
    },
    reference: { source: reference.source, rows: reference.rows },
    checks,
    drift: alert('drift') || alert('predictionDrift') || alert('stream'),
    performanceDrop: alert('performance'),
    qualityFailed: alert('quality'),
  }
  const base = { monitor: name, model: result.model, version, resultId: result.id }
  const events = [{ id: `monitor.completed:${result.id}`, type: 'monitor.completed', payload: { ...base, checks: checks.map(({ name: n, status, detail }) => ({ name: n, status, detail })) }, createdAt: result.at }]
  if (result.drift) events.push({ id: `drift.detected:${result.id}`, type: 'drift.detected', payload: { ...base, checks: checks.filter((ch) => ch.status === 'alert').map(({ name: n, status, detail }) => ({ name: n, status, detail })) }, createdAt: result.at })
  if (result.performanceDrop) events.push({ id: `performance.dropped:${result.id}`, type: 'performance.dropped', payload: { ...base, checks: checks.filter((ch) => ch.name === 'performance').map(({ name: n, status, detail }) => ({ name: n, status, detail })) }, createdAt: result.at })
  if (result.qualityFailed) events.push({ id: `data_quality.failed:${result.id}`, type: 'data_quality.failed', payload: { ...base, checks: checks.filter((ch) => ch.name === 'quality').map(({ name: n, status, detail }) => ({ name: n, status, detail })) }, createdAt: result.at })
  await metadata.commit({ writes: [{ collection: MONITOR_RESULTS, key: `${name}/${result.at}/${result.id}`, value: result, expectedRevision: 0 }], events })
  logger.debug(`monitor ${name}: ${checks.map((ch) => `${ch.name}=${ch.status}`).join(' ')}`)
  return result
}

async function fileReference(monitor: string, root: string, path: string, pool: WorkerPool | undefined, signal: AbortSignal | undefined): Promise<ReferenceData> {
  const table = await loadMonitorTable(monitor, 'reference.path', root, path, pool, signal)
  if (table.rowCount === 0) throw mlopsError(MonitorInputInvalid, [monitor, `reference.path ${path} has no rows; the reference needs the data the model was trained or validated on`])
  return { source: path, rows: table.rowCount, facts: columnFacts(table), profile: await buildProfile(table, pool ? { pool } : {}) }
}

/** Reads a monitor's data file; a file that cannot be read is the monitor's config problem, named as such. */
async function loadMonitorTable(monitor: string, setting: string, root: string, path: string, pool: WorkerPool | undefined, signal: AbortSignal | undefined): Promise<Table> {
  const absolute = resolve(root, path)
  try {
    return await loadTable(absolute, { ...(signal ? { signal } : {}), ...(pool ? { pool } : {}) })
  } catch (error) {
    if (!isMlopsError(error) || error.code !== 'MLOPS_INPUT_INVALID') throw error
    const reason = existsSync(absolute) ? error.message : 'no such file'
    throw mlopsError(MonitorInputInvalid, [monitor, `${setting} ${path} (${absolute}): ${reason}; paths are relative to the project root (the folder of mlops.config.ts)`], { cause: error })
  }
}

/** The most recent results of a monitor, newest first. */
export async function monitorHistory(metadata: MetadataStore, name: string, limit = 20): Promise<MonitorResult[]> {
  const docs = await metadata.listDocuments(MONITOR_RESULTS, { prefix: `${name}/` })
  return docs
    .slice(-limit)
    .reverse()
    .map((d) => d.value as MonitorResult)
}

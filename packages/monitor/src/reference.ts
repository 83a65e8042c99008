import type { DatasetRow, LoadedModel, ModelVersion } from '@mlops/core'
import { mlopsError, outputHash, parseOutputRef, readArtifactValue, type ArtifactStore, type MetadataStore, type WorkerPool } from '@mlops/core'
import { buildProfile, readProfile, tableFromRows, writeProfile, type DriftProfile, type Table } from '@mlops/drift'
import { MonitorInputInvalid } from './errors.js'

export const MONITOR_REFERENCES = 'monitor-references'

/** Per-column facts the quality checks compare a window with. */
export type ColumnFacts = { kind: 'numeric'; min: number; max: number } | { kind: 'categorical'; categories: string[] }

export interface ReferenceData {
  source: string
  rows: number
  /** Drift reference over the model's input columns (and `__prediction__`), prepared once per version. */
  profile: DriftProfile
  facts: Record<string, ColumnFacts>
}

export function columnFacts(table: Table): Record<string, ColumnFacts> {
  const facts: Record<string, ColumnFacts> = {}
  for (const c of table.columns) {
    if (c.kind === 'numeric') {
      let min = Infinity
      let max = -Infinity
      for (const v of c.values) {
        if (Number.isNaN(v)) continue
        if (v < min) min = v
        if (v > max) max = v
      }
      facts[c.name] = { kind: 'numeric', min, max }
    } else {
      facts[c.name] = { kind: 'categorical', categories: [...c.labels].sort() }
    }
  }
  return facts
}

/** Output of a model as a drift column: labels stay labels, numbers stay numbers. */
export function predictionCell(value: unknown): string | number | null {
  if (typeof value === 'number') return value
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * The reference of a model version: its run's `output` dataset restricted to the input columns, plus the
 * version's own predictions on it (for prediction drift). Prepared once per version and output and
 * kept in the artifact store (a drift profile) with an index document, so later monitor passes only
 * read the window.
 */
export async function modelReference(options: {
  monitor: string
  metadata: MetadataStore
  storage: ArtifactStore
  pool?: WorkerPool
  version: ModelVersion
  output: string
  /** Loads the version (only when its reference is prepared for the first time: it scores the reference rows). */
  loadModel: () => Promise<LoadedModel>
}): Promise<ReferenceData> {
  const { monitor, metadata, storage, version, output } = options
  const key = `${version.name}/${version.version}/${output}`
  const cached = await metadata.getDocument(MONITOR_REFERENCES, key)
  if (cached) {
    const v = cached.value as { profileHash: string; facts: Record<string, ColumnFacts>; rows: number; source: string }
    return { source: v.source, rows: v.rows, facts: v.facts, profile: readProfile(await storage.get(v.profileHash), `reference profile of ${key}`) }
  }
  const io = await metadata.listStepIo(version.runId)
  const ref = parseOutputRef(output)
  const hash = ref && outputHash(io, ref)
  if (!hash) throw mlopsError(MonitorInputInvalid, [monitor, `run ${version.runId} of ${version.name}:${version.version} has no output "${output}" to use as the reference`])
  const rows = (await readArtifactValue(storage, hash, 'dataset')) as DatasetRow[]
  if (!Array.isArray(rows) || rows.length === 0) throw mlopsError(MonitorInputInvalid, [monitor, `reference "${output}" of run ${version.runId} is not a non-empty dataset`])
  const inputs = version.signature.inputs.map((c) => c.name)
  const restricted = rows.map((r) => Object.fromEntries(inputs.map((name) => [name, r[name] ?? null])))
  const predictions = await (await options.loadModel()).predict(restricted)
  const table = tableFromRows(
    restricted.map((r, i) => ({ ...r, __prediction__: predictionCell(predictions[i]) })),
    `${version.name}:${version.version} ${output}`,
  )
  const facts = columnFacts(table)
  const profile = await buildProfile(table, options.pool ? { pool: options.pool } : {})
  const stored = await storage.put(writeProfile(profile))
  const source = `${version.name}:${version.version} ${output} (${hash.slice(0, 12)})`
  await metadata.commit({ writes: [{ collection: MONITOR_REFERENCES, key, value: { profileHash: stored.hash, facts, rows: rows.length, source } }] })
  return { source, rows: rows.length, facts, profile }
}

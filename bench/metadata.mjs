#!/usr/bin/env node
// Metadata store write throughput, SQLite (embedded, as the CLI opens it: synchronous 'normal') vs
// PostgreSQL (@mlops/metadata-postgres on loopback, a fresh schema each, dropped afterwards: default durable
// commits, and synchronousCommit false, the counterpart of SQLite's 'normal'), one run side by side.
// The workload of a 1,000-step run: createRun; per step upsertStep(running) then completeStep with
// 1 artifact, 1 input and 1 output edge and 1 metric; updateRun(end). Every call is one transaction.
// Usage: node bench/metadata.mjs [--steps 1000]   (build first: npm run build)
// PostgreSQL URL: MLOPS_BENCH_POSTGRES_URL, else MLOPS_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openPostgresMetadataStore } from '../plugins/metadata-postgres/dist/index.js'
import { openSqliteMetadataStore } from '../plugins/metadata-sqlite/dist/index.js'

const { values } = parseArgs({ options: { steps: { type: 'string', default: '1000' } } })
const steps = Number(values.steps)
const postgresUrl = process.env.MLOPS_BENCH_POSTGRES_URL ?? process.env.MLOPS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const sha256 = (text) => createHash('sha256').update(text).digest('hex')
const iso = (ms) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString()

const environment = {
  nodeVersion: process.version,
  platform: process.platform,
  arch: process.arch,
  osRelease: 'bench',
  hostname: 'bench',
  user: null,
  gitCommit: null,
  gitDirty: null,
  lockfileHash: null,
  packages: {},
}

/** The run's calls against `store`; returns the number of store writes (transactions) made. */
async function workload(store, runId) {
  let writes = 0
  await store.createRun({
    id: runId,
    pipeline: 'bench',
    status: 'running',
    params: { fit: { lr: 0.01 } },
    codeVersion: sha256('code'),
    environment,
    pid: process.pid,
    hostname: 'bench',
    startedAt: iso(0),
    finishedAt: null,
    error: null,
    resumeCount: 0,
  })
  writes++
  let previous = null
  for (let i = 0; i < steps; i++) {
    const stepId = `n${i}`
    await store.upsertStep({
      runId,
      stepId,
      stepName: 'noop',
      status: 'running',
      cacheKey: sha256(`key:${runId}:${i}`),
      codeVersion: sha256('code'),
      params: { i },
      attempts: 1,
      startedAt: iso(i * 10),
      finishedAt: null,
      durationMs: null,
      cachedFromRunId: null,
      error: null,
    })
    const hash = sha256(`${runId}:${i}`)
    await store.completeStep(runId, stepId, {
      status: 'succeeded',
      finishedAt: iso(i * 10 + 5),
      durationMs: 5,
      attempts: 1,
      artifacts: [{ hash, kind: 'json', size: 8, mediaType: 'application/json', createdAt: iso(i * 10 + 5), meta: {} }],
      // The input is the previous step's output (the first step reads its own, already recorded in this call).
      inputs: [{ name: 'in', hash: previous ?? hash }],
      outputs: [{ name: 'out', hash }],
      metrics: [{ key: 'loss', value: 1 / (i + 1) }],
    })
    writes += 2
    previous = hash
  }
  await store.updateRun(runId, { status: 'succeeded', finishedAt: iso(steps * 10) })
  writes++
  const recorded = (await store.listSteps(runId)).length
  if (recorded !== steps) throw new Error(`expected ${steps} steps recorded, found ${recorded}`)
  return writes
}

async function measure(label, open, cleanup) {
  const store = await open()
  try {
    const t0 = process.hrtime.bigint()
    const writes = await workload(store, `bench-${randomBytes(4).toString('hex')}`)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    return { store: label, writes, totalMs: ms, writesPerSecond: (writes / ms) * 1000, msPerStep: ms / steps }
  } finally {
    await store.close()
    await cleanup?.()
  }
}

const results = []
const dir = mkdtempSync(join(tmpdir(), 'mlops-bench-metadata-'))
try {
  results.push(await measure("SQLite (synchronous 'normal')", () => openSqliteMetadataStore(join(dir, 'metadata.sqlite'), { synchronous: 'normal' })))
} finally {
  rmSync(dir, { recursive: true, force: true })
}

async function dropSchema(name) {
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
  } finally {
    await client.end()
  }
}

const schema = `mlops_bench_${process.pid}_${randomBytes(3).toString('hex')}`
try {
  results.push(
    await measure(
      'PostgreSQL (default, durable)',
      () => openPostgresMetadataStore({ url: postgresUrl, schema, poolSize: 10 }),
      () => dropSchema(schema),
    ),
  )
  results.push(
    await measure(
      'PostgreSQL (synchronousCommit false)',
      () => openPostgresMetadataStore({ url: postgresUrl, schema: `${schema}_async`, poolSize: 10, synchronousCommit: false }),
      () => dropSchema(`${schema}_async`),
    ),
  )
} catch (error) {
  console.error(`PostgreSQL skipped: ${error instanceof Error ? error.message : String(error)}`)
}

console.log(`metadata writes: ${steps}-step run (${2 * steps + 2} transactions), ${cpus().length} cores, Node ${process.version}`)
console.log('store'.padEnd(38) + 'total ms'.padStart(10) + 'writes/s'.padStart(11) + 'ms/step'.padStart(10))
for (const r of results) {
  console.log(r.store.padEnd(38) + r.totalMs.toFixed(0).padStart(10) + r.writesPerSecond.toFixed(0).padStart(11) + r.msPerStep.toFixed(3).padStart(10))
}

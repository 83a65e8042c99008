#!/usr/bin/env node
// Distributed execution on one machine: a pipeline of 64 independent CPU-bound steps (~150 ms of real
// CPU work each, calibrated here) run by the local executor, then by @mlops/executor-bullmq with 1, 2
// and 4 local `mlops worker` processes (concurrency 1 each). One run per setup; workers are started and
// ready before the run (their start-up is not timed). Stores: SQLite + files declared shared (one
// machine), the same for every setup. Needs Redis (MLOPS_REDIS_URL, default redis://127.0.0.1:6379).
// Usage: node bench/distributed.mjs [--steps 64] [--step-ms 150] [--workers 1,2,4]
import { spawn, spawnSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { steps: { type: 'string', default: '64' }, 'step-ms': { type: 'string', default: '150' }, workers: { type: 'string', default: '1,2,4' } } })
const steps = Number(values.steps)
const stepMs = Number(values['step-ms'])
const workerCounts = values.workers.split(',').map(Number)
const redisUrl = process.env.MLOPS_REDIS_URL || 'redis://127.0.0.1:6379'
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const bin = join(repoRoot, 'packages/cli/bin/mlops.js')
mkdirSync(join(repoRoot, 'test/.tmp'), { recursive: true })
const dir = mkdtempSync(join(repoRoot, 'test/.tmp/bench-distributed-'))
const queue = `mlops-bench-${process.pid}`

// The CPU work, shared by the steps and the calibration below: xorshift32, no allocation.
writeFileSync(
  join(dir, 'kernel.mjs'),
  `export function burn(iterations, seed) {
  let x = (seed * 2654435761) >>> 0 || 1
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    acc += (x >>> 0) / 4294967296
  }
  return acc
}
`,
)
writeFileSync(
  join(dir, 'mlops.config.ts'),
  `import { join } from 'node:path'
import { artifact, defineConfig, definePlugin, pipeline, step, z } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { createFsArtifactStore } from '@mlops/storage-fs'
import { executorBullmq } from '@mlops/executor-bullmq'
import { burn } from './kernel.mjs'

// SQLite and a folder are shared by the processes of one machine: declared so for the workers.
const shared = <T extends object>(store: T): T =>
  new Proxy(store, { get: (t, p) => (p === 'scope' ? 'shared' : typeof (t as any)[p] === 'function' ? (t as any)[p].bind(t) : (t as any)[p]) })
const sharedStores = definePlugin({
  name: 'bench-shared-stores',
  apiVersion: 1,
  options: z.object({}),
  setup: async (_o, ctx) => ({
    metadata: shared(await openSqliteMetadataStore(join(ctx.dataDir, 'metadata.sqlite'))),
    storage: shared(await createFsArtifactStore(join(ctx.dataDir, 'artifacts'))),
  }),
})

const spin = step({
  name: 'spin',
  params: z.object({ seed: z.number().int(), iterations: z.number().int() }),
  outputs: { value: artifact.json<number>() },
  run: ({ params }) => ({ value: burn(params.iterations, params.seed) }),
})

export default defineConfig(({ env }) => ({
  plugins: [
    sharedStores(),
    ...(env.MLOPS_BENCH_EXECUTOR === 'bullmq' ? [executorBullmq({ url: env.MLOPS_REDIS_URL || 'redis://127.0.0.1:6379', queue: env.MLOPS_BENCH_QUEUE })] : []),
  ],
  execution: { concurrency: 8 },
  pipelines: {
    spin: pipeline({
      steps() {
        const iterations = Number(env.MLOPS_BENCH_ITERATIONS)
        for (let i = 0; i < ${steps}; i++) spin({}, { id: 'spin' + i, params: { seed: i + 1, iterations } })
      },
    }),
  },
}))
`,
)

// Calibrate: iterations giving ~stepMs of CPU on this machine (median of a few timings).
const { burn } = await import(pathToFileURL(join(dir, 'kernel.mjs')).href)
burn(2_000_000, 1)
const rates = []
for (let i = 0; i < 5; i++) {
  const t0 = process.hrtime.bigint()
  burn(5_000_000, i + 1)
  rates.push(5_000_000 / (Number(process.hrtime.bigint() - t0) / 1e6))
}
const perMs = rates.sort((a, b) => a - b)[2]
const iterations = Math.round(perMs * stepMs)
const env = { ...process.env, CI: '1', NO_COLOR: '1', MLOPS_REDIS_URL: redisUrl, MLOPS_BENCH_QUEUE: queue, MLOPS_BENCH_ITERATIONS: String(iterations) }

function runPipeline(extraEnv) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, 'run', 'spin', '--no-cache', '--json'], { cwd: dir, encoding: 'utf8', env: { ...env, ...extraEnv } })
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`mlops run spin failed (${r.status}):\n${r.stderr}`)
  const data = JSON.parse(r.stdout)
  if (data.steps.length !== steps || data.steps.some((s) => s.status !== 'succeeded')) throw new Error('not every step succeeded')
  // How many steps ran at once (from the recorded step times), and how long one took: with more busy
  // processes than free cores, each step's CPU work is spread over more wall time.
  const edges = data.steps.flatMap((s) => [[Date.parse(s.startedAt), 1], [Date.parse(s.finishedAt), -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let running = 0
  let maxParallel = 0
  for (const [, d] of edges) maxParallel = Math.max(maxParallel, (running += d))
  const meanStepMs = data.steps.reduce((sum, s) => sum + s.durationMs, 0) / data.steps.length
  return { wallMs, runMs: Date.parse(data.run.finishedAt) - Date.parse(data.run.startedAt), maxParallel, meanStepMs }
}

function startWorkers(count) {
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [bin, 'worker', '--concurrency', '1'], { cwd: dir, env: { ...env, MLOPS_BENCH_EXECUTOR: 'bullmq' }, stdio: ['ignore', 'ignore', 'pipe'] })
      let log = ''
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker not ready in 60 s:\n${log}`)), 60_000)
        child.stderr.on('data', (d) => {
          log += d.toString()
          if (log.includes('ready: queue')) {
            clearTimeout(timer)
            resolve(child)
          }
        })
        child.on('exit', (code) => reject(new Error(`worker exited with ${code}:\n${log}`)))
      })
    }),
  )
}

async function stopWorkers(children) {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', resolve)
          child.kill('SIGTERM')
        }),
    ),
  )
}

const results = []
const loadBefore = loadavg()
let workers = []
try {
  runPipeline({}) // warm jiti's cache and create the stores
  results.push({ setup: 'local executor (in-process)', ...runPipeline({}) })
  for (const count of workerCounts) {
    workers = await startWorkers(count)
    results.push({ setup: `bullmq, ${count} worker${count === 1 ? '' : 's'}`, ...runPipeline({ MLOPS_BENCH_EXECUTOR: 'bullmq' }) })
    await stopWorkers(workers)
    workers = []
  }
} finally {
  await stopWorkers(workers)
  try {
    const { Queue } = await import('bullmq')
    const q = new Queue(queue, { connection: { url: redisUrl, maxRetriesPerRequest: null } })
    await q.obliterate({ force: true })
    await q.close()
  } catch (error) {
    console.error(`could not remove queue ${queue}: ${error.message}`)
  }
  rmSync(dir, { recursive: true, force: true })
}

const base = results[0].runMs
console.log(`${steps} independent steps of ~${stepMs} ms CPU (${iterations} xorshift iterations), ${cpus().length} CPUs, one run each`)
console.log(`setup                          run (ms)   wall (ms)   speed-up   steps at once   mean step (ms)`)
for (const r of results) {
  console.log(
    `${r.setup.padEnd(30)} ${String(Math.round(r.runMs)).padStart(8)}   ${String(Math.round(r.wallMs)).padStart(9)}   ${(base / r.runMs).toFixed(2).padStart(7)}x   ${String(r.maxParallel).padStart(13)}   ${String(Math.round(r.meanStepMs)).padStart(14)}`,
  )
}
console.log(`load average before/after: ${loadBefore.map((l) => l.toFixed(1)).join(' ')} / ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes on the cores skew every number)`)
console.log(`ideal serial CPU time: ${Math.round(steps * stepMs)} ms; run = the run record's start to finish, wall = the mlops run process (includes loading the config)`)

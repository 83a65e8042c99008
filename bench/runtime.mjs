#!/usr/bin/env node
// Runtime overhead of the local executor with metadata recording on (embedded SQLite + files):
// a 100-step and a 1,000-step no-op DAG, per-step overhead = (wall time - a run of 1 step) / steps.
// Plus cold start of `mlops --help` and `mlops runs ls` (median of N spawns).
// Usage: node bench/runtime.mjs [--repeats 5]
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } })
const repeats = Number(values.repeats)
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const bin = join(repoRoot, 'packages/cli/bin/mlops.js')
mkdirSync(join(repoRoot, 'test/.tmp'), { recursive: true })
const dir = mkdtempSync(join(repoRoot, 'test/.tmp/bench-runtime-'))

// Layers of `width` steps; each step takes the outputs of two steps of the previous layer.
writeFileSync(
  join(dir, 'mlops.config.ts'),
  `import { artifact, defineConfig, pipeline, step } from '@mlops/core'
const seed = step({ name: 'seed', outputs: { out: artifact.json<number>() }, run: () => ({ out: 0 }) })
const noop = step({
  name: 'noop',
  inputs: { a: artifact.json<number>(), b: artifact.json<number>() },
  outputs: { out: artifact.json<number>() },
  run: ({ inputs }) => ({ out: inputs.a + inputs.b }),
})
function dag(steps: number, width: number) {
  return pipeline({
    steps() {
      let prev = [seed().out]
      for (let i = 1; i < steps; ) {
        const layer = []
        for (let j = 0; j < width && i < steps; j++, i++) {
          layer.push(noop({ a: prev[j % prev.length]!, b: prev[(j + 1) % prev.length]! }, { id: 'n' + i }).out)
        }
        prev = layer
      }
    },
  })
}
export default defineConfig({
  execution: { concurrency: 8 },
  pipelines: { one: dag(1, 1), dag100: dag(100, 10), dag1000: dag(1000, 10) },
})
`,
)

function time(args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`mlops ${args.join(' ')} failed (${r.status}):\n${r.stderr}`)
  return { ms, json: args.includes('--json') ? JSON.parse(r.stdout) : undefined }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const runMs = (r) => Date.parse(r.json.run.finishedAt) - Date.parse(r.json.run.startedAt)

try {
  time(['run', 'one', '--json']) // warm jiti's cache and create the stores
  const results = {}
  for (const [name, steps] of [['one', 1], ['dag100', 100], ['dag1000', 1000]]) {
    const cold = []
    const cached = []
    for (let i = 0; i < (steps === 1000 ? Math.min(repeats, 3) : repeats); i++) {
      cold.push(runMs(time(['run', name, '--no-cache', '--json'])))
      cached.push(runMs(time(['run', name, '--json'])))
    }
    results[name] = { steps, runMs: median(cold), cachedRunMs: median(cached) }
  }
  const base = results.one.runMs
  for (const r of Object.values(results)) {
    r.perStepMs = r.steps > 1 ? (r.runMs - base) / (r.steps - 1) : null
    r.perCachedStepMs = r.steps > 1 ? (r.cachedRunMs - results.one.cachedRunMs) / (r.steps - 1) : null
  }
  const help = median(Array.from({ length: repeats }, () => time(['--help']).ms))
  const runsLs = median(Array.from({ length: repeats }, () => time(['runs', 'ls']).ms))
  const version = median(Array.from({ length: repeats }, () => time(['--version']).ms))
  const node = median(Array.from({ length: repeats }, () => {
    const t0 = process.hrtime.bigint()
    spawnSync(process.execPath, ['-e', '0'])
    return Number(process.hrtime.bigint() - t0) / 1e6
  }))
  console.log('runtime overhead (local executor, SQLite metadata + file artifacts, median of runs):')
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(8)} ${String(r.steps).padStart(5)} steps  run ${r.runMs.toFixed(0).padStart(6)} ms  per step ${r.perStepMs === null ? '   -' : r.perStepMs.toFixed(3)} ms  | all cached: run ${r.cachedRunMs.toFixed(0)} ms, per step ${r.perCachedStepMs === null ? '-' : r.perCachedStepMs.toFixed(3)} ms`)
  }
  console.log('cold start (median wall time of a new process):')
  console.log(`  node -e 0        ${node.toFixed(0)} ms`)
  console.log(`  mlops --version  ${version.toFixed(0)} ms`)
  console.log(`  mlops --help     ${help.toFixed(0)} ms`)
  console.log(`  mlops runs ls    ${runsLs.toFixed(0)} ms`)
  console.log(JSON.stringify({ results, coldStartMs: { node, version, help, runsLs } }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}

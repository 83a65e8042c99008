#!/usr/bin/env node
// Drift benchmark: the Python baseline (numpy/pandas CSV loading + scipy ks_2samp, wasserstein_distance and
// Evidently's PSI) and `mlops drift` with the same three tests on the same files, in one run.
//
//   node bench/drift.mjs [--rows 1000000] [--cols 20] [--repeats 2] [--skip-baseline]
//
// Needs the packages built (npm run build) and python3 with numpy + scipy; pandas is timed with Debian's
// /usr/bin/python3 (apt-get install -y python3-pandas). Data goes to os.tmpdir(), never into the repository.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '..')
const shared = process.env.MLOPS_SHARED_DIR ?? resolve(repoRoot, '../shared')
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    cols: { type: 'string', default: '20' },
    seed: { type: 'string', default: '7' },
    repeats: { type: 'string', default: '2' },
    'skip-baseline': { type: 'boolean', default: false },
  },
})
const rows = Number(opts.rows)
const cols = Number(opts.cols)
const dataDir = join(tmpdir(), 'mlops-drift-bench')
await mkdir(dataDir, { recursive: true })
const stem = `${rows}x${cols}_s${opts.seed}.csv`
const refPath = join(dataDir, `reference_${stem}`)
const curPath = join(dataDir, `current_${stem}`)
const log = (s) => process.stderr.write(`${s}\n`)

function spawnCollect(cmd, args, { echo = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (echo) process.stderr.write(d)
    })
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

// 1. the Python baseline (also generates the files, once)
let baseline
const baselineScript = join(shared, 'bench', 'drift_baseline.py')
if (!opts['skip-baseline']) {
  if (!existsSync(baselineScript)) throw new Error(`baseline script not found at ${baselineScript} (set MLOPS_SHARED_DIR)`)
  log(`== python baseline: ${baselineScript}`)
  const r = await spawnCollect('python3', [baselineScript, '--rows', String(rows), '--cols', String(cols), '--seed', opts.seed, '--dir', dataDir, '--repeats', opts.repeats, '--skip-genfromtxt'])
  if (r.code !== 0) throw new Error(`baseline failed (exit ${r.code})`)
  baseline = JSON.parse(r.stdout.trim().split('\n').at(-1))
  await writeFile(join(dataDir, `baseline_${stem}.json`), JSON.stringify(baseline))
} else {
  baseline = JSON.parse(await readFile(join(dataDir, `baseline_${stem}.json`), 'utf8'))
}

// 2. mlops: statistics alone, in memory (columns loaded first, not timed), best of --repeats
const { createWorkerPool } = await import('../packages/core/dist/index.js')
const drift = await import('../packages/drift/dist/index.js')
const tests = ['ks', 'wasserstein', 'psi']
const pool = createWorkerPool()
const statsRuns = []
let statsReport
try {
  const { reference, current } = await drift.loadDriftInputs(refPath, curPath, { pool })
  for (let i = 0; i < Math.max(1, Number(opts.repeats)); i++) {
    const t0 = performance.now()
    statsReport = await drift.computeDriftReport(reference, current, { tests, pool })
    statsRuns.push((performance.now() - t0) / 1000)
    log(`mlops stats run ${i + 1}: ${statsRuns.at(-1).toFixed(3)} s`)
  }
} finally {
  await pool.close()
}

// 3. mlops end to end: a fresh process per run (node start, CLI, loading both CSV files, tests, output)
async function cliRun(args) {
  const t0 = performance.now()
  const r = await spawnCollect(process.execPath, [join(here, 'drift-child.mjs'), ...args], { echo: false })
  const wall = (performance.now() - t0) / 1000
  const line = r.stderr.split('\n').find((l) => l.startsWith('@@bench '))
  if (!line || r.code !== 0) throw new Error(`mlops ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}`)
  const info = JSON.parse(line.slice(8))
  return { wallS: wall, peakRssMB: info.maxRssKB / 1024, stdout: info.stdout }
}
const e2eArgs = ['drift', '--reference', refPath, '--current', curPath, '--tests', tests.join(','), '--json']
const e2eRuns = []
for (let i = 0; i < Math.max(1, Number(opts.repeats)); i++) {
  e2eRuns.push(await cliRun(e2eArgs))
  log(`mlops drift end to end run ${i + 1}: ${e2eRuns.at(-1).wallS.toFixed(3)} s, peak RSS ${e2eRuns.at(-1).peakRssMB.toFixed(0)} MB`)
}
const e2e = e2eRuns.reduce((a, b) => (b.wallS < a.wallS ? b : a))
const e2eJson = JSON.parse(e2e.stdout)

// 4. reference profile: built once, then each monitor run reads it instead of the reference CSV
const profilePath = join(dataDir, `reference_${stem}.mlprofile`)
const profileBuild = await cliRun(['drift', 'profile', refPath, '-o', profilePath])
const monitorRuns = []
for (let i = 0; i < Math.max(1, Number(opts.repeats)); i++) monitorRuns.push(await cliRun(['drift', '--reference', profilePath, '--current', curPath, '--tests', tests.join(','), '--json']))
const monitor = monitorRuns.reduce((a, b) => (b.wallS < a.wallS ? b : a))
const monitorJson = JSON.parse(monitor.stdout)

// 5. the numbers, checked against scipy's on the first columns
const col = (report, name) => report.columns.find((c) => c.name === name)
const test = (c, id) => c.tests.find((t) => t.test === id)
const check = baseline.check_values
const ours = {
  ks_c00: [test(col(e2eJson, 'c00'), 'ks').statistic, test(col(e2eJson, 'c00'), 'ks').pValue],
  ks_c01: [test(col(e2eJson, 'c01'), 'ks').statistic, test(col(e2eJson, 'c01'), 'ks').pValue],
  wasserstein_c00: test(col(e2eJson, 'c00'), 'wasserstein').statistic,
  psi_c00: test(col(e2eJson, 'c00'), 'psi').statistic,
  psi_c12: test(col(e2eJson, 'c12'), 'psi').statistic,
}
const rel = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)))
const agreement = {
  ks_c00_stat: rel(ours.ks_c00[0], check.ks_c00[0]),
  ks_c00_p: rel(ours.ks_c00[1], check.ks_c00[1]),
  wasserstein_c00: rel(ours.wasserstein_c00, check.wasserstein_c00),
  psi_c00: rel(ours.psi_c00, check.psi_c00),
  psi_c12: rel(ours.psi_c12, check.psi_c12),
}
const profileSame = JSON.stringify(monitorJson.columns) === JSON.stringify(e2eJson.columns)

const scipyStats = baseline.stats_all_columns_best.total
const pandas = baseline.load_both.pandas_read_csv
const pandasRead = pandas && typeof pandas.read_s === 'number' ? pandas.read_s : undefined
const statsBest = Math.min(...statsRuns)
const columnBytes = 2 * rows * cols * 8
const fileBytes = (await stat(refPath)).size + (await stat(curPath)).size
const result = {
  rows,
  cols,
  fileMB: fileBytes / 1e6,
  columnDataMB: columnBytes / 2 ** 20,
  python: {
    scipy_stats_s: scipyStats,
    scipy_per_test_s: { ks: baseline.stats_all_columns_best.ks, wasserstein: baseline.stats_all_columns_best.wasserstein, psi: baseline.stats_all_columns_best.psi },
    pandas_read_csv_s: pandasRead ?? null,
    numpy_loadtxt_s: baseline.load_both.numpy_loadtxt_s,
    pandas_plus_scipy_s: pandasRead !== undefined ? pandasRead + scipyStats : null,
    env: baseline.env,
  },
  mlops: {
    stats_s: statsBest,
    end_to_end_s: e2e.wallS,
    peak_rss_mb: e2e.peakRssMB,
    profile_build_s: profileBuild.wallS,
    monitor_run_with_profile_s: monitor.wallS,
    monitor_run_peak_rss_mb: monitor.peakRssMB,
    threads: (await import('node:os')).availableParallelism(),
  },
  ratios: {
    stats_vs_scipy: scipyStats / statsBest,
    end_to_end_vs_pandas_scipy: pandasRead !== undefined ? (pandasRead + scipyStats) / e2e.wallS : null,
    end_to_end_vs_loadtxt_scipy: (baseline.load_both.numpy_loadtxt_s + scipyStats) / e2e.wallS,
    peak_rss_vs_column_data: (e2e.peakRssMB * 2 ** 20) / columnBytes,
    profile_time_saved_per_monitor_run_s: e2e.wallS - monitor.wallS,
  },
  agreementWithScipy_relErr: agreement,
  profileResultsIdentical: profileSame,
  targets: { stats_vs_scipy: '>= 5', end_to_end_vs_pandas_scipy: '>= 3', peak_rss_vs_column_data: '< 2' },
}
void statsReport
const f = (x, d = 2) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(d))
log('')
log(`data: 2 files x ${rows} rows x ${cols} numeric columns (${f(result.fileMB, 0)} MB of CSV, ${f(result.columnDataMB, 0)} MiB of float64 columns)`)
log(`statistics alone (ks + wasserstein + psi, all columns): scipy ${f(scipyStats)} s, mlops ${f(statsBest)} s  -> ${f(result.ratios.stats_vs_scipy, 1)}x (target >= 5x)`)
log(`end to end: pandas.read_csv + scipy ${f(result.python.pandas_plus_scipy_s)} s, mlops drift ${f(e2e.wallS)} s  -> ${f(result.ratios.end_to_end_vs_pandas_scipy, 1)}x (target >= 3x)`)
log(`peak RSS of mlops drift: ${f(e2e.peakRssMB, 0)} MB = ${f(result.ratios.peak_rss_vs_column_data)}x the column data (target < 2x)`)
log(`reference profile: built in ${f(profileBuild.wallS)} s; a monitor run takes ${f(monitor.wallS)} s instead of ${f(e2e.wallS)} s (saves ${f(result.ratios.profile_time_saved_per_monitor_run_s)} s), identical results: ${profileSame}`)
log(`agreement with scipy (relative error): ${Object.entries(agreement).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`)
console.log(JSON.stringify(result))

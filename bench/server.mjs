// Model server throughput: requests per second and p50/p99 latency of the http deploy target at 1, 16 and 64
// concurrent connections, measured by a separate load-generator process (autocannon), side by side with
// (a) the same server with prediction logging off and (b) a minimal node:http handler calling the same
// model (the physical limit). Run: npm run bench:server [-- --duration 5 --rounds 3]
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startModelServer } from '@mlops/deploy-http'
import { openStores, penguinRuntime, quietLogger, registerPenguins, WEIGHTS_V1 } from '../plugins/deploy-http/test/fixtures/penguins.mjs'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback)
const durationS = option('--duration', 5)
const rounds = option('--rounds', 3)
const CONNECTIONS = [1, 16, 64]
const autocannon = createRequire(new URL('../plugins/deploy-http/package.json', import.meta.url)).resolve('autocannon/autocannon.js')

const row = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, island: 'Torgersen' }
const body = JSON.stringify({
  inputs: Object.entries(row).map(([name, v]) => ({ name, shape: [1], datatype: typeof v === 'number' ? 'FP64' : 'BYTES', data: [v] })),
})

/** One autocannon run in its own process; returns rps and latency percentiles (ms). */
function load(url, connections, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [autocannon, '--json', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`))
      const r = JSON.parse(out)
      if (r.non2xx || r.errors) return reject(new Error(`${url}: ${r.non2xx} non-2xx responses, ${r.errors} errors`))
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total })
    })
  })
}

const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-server-'))
const { metadata, storage } = await openStores(dir)
await registerPenguins(metadata, storage, WEIGHTS_V1, 'champion')

async function modelServer(logPredictions) {
  const runtime = await penguinRuntime({ metadata, storage, pollMs: 1000, deployment: `bench-${logPredictions ? 'log' : 'nolog'}`, logOptions: { flushIntervalMs: 1000 } })
  const controller = new AbortController()
  const server = await startModelServer(
    { runtime, settings: { port: '0', ...(logPredictions ? {} : { predictionLog: 'off' }) }, signal: controller.signal, logger: quietLogger },
    { env: {} },
  )
  return {
    url: `${server.url}/v2/models/penguins/infer`,
    stats: () => runtime.predictionLog.stats(),
    async close() {
      controller.abort()
      await server.closed
    },
  }
}

// The physical limit: node:http, JSON in and out, the same loaded model; no validation, metrics or logging.
async function plainServer() {
  const runtime = await penguinRuntime({ metadata, storage, pollMs: 0 })
  const model = runtime.current().primary
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const { inputs } = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const r = {}
      for (const t of inputs) r[t.name] = t.data[0]
      const outputs = await model.predict([r])
      const text = JSON.stringify({ model_name: 'penguins', model_version: model.version, outputs: [{ name: 'predict', shape: [1], datatype: 'BYTES', data: outputs }] })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/v2/models/penguins/infer`,
    stats: () => undefined,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await runtime.close()
    },
  }
}

const variants = [
  { name: 'deploy-http, logging on', start: () => modelServer(true) },
  { name: 'deploy-http, logging off', start: () => modelServer(false) },
  { name: 'plain node:http + model', start: plainServer },
]

console.log(`model server benchmark: ${rounds} interleaved rounds of ${durationS} s per server and concurrency (medians), autocannon in a separate process, node ${process.version}, one-row v2 infer requests`)
const servers = []
for (const variant of variants) servers.push({ ...variant, server: await variant.start() })
for (const s of servers) await load(s.server.url, 16, 1) // warm-up (JIT, connections)
const samples = new Map()
for (const c of CONNECTIONS) {
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so a neighbour's load on this shared machine hits every server alike.
    for (const s of servers) {
      const cpu0 = process.cpuUsage()
      const r = await load(s.server.url, c, durationS)
      const cpu = process.cpuUsage(cpu0)
      // This process only runs the servers while autocannon (another process) loads them: its CPU time
      // per request is the server's cost, which a neighbour's load on a shared machine barely changes.
      r.cpuUs = (cpu.user + cpu.system) / r.total
      const key = `${s.name}@${c}`
      samples.set(key, [...(samples.get(key) ?? []), r])
      process.stderr.write(`  ${s.name} @ ${c} (round ${round + 1}): ${Math.round(r.rps)} req/s\n`)
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = []
for (const c of CONNECTIONS) {
  for (const s of servers) {
    const rs = samples.get(`${s.name}@${c}`)
    results.push({ variant: s.name, connections: c, rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), cpuUs: median(rs.map((r) => r.cpuUs)) })
  }
}
const logStats = servers[0].server.stats()
for (const s of servers) await s.server.close()
const closedStats = servers[0].server.stats()
await metadata.close()
await storage.close()
await rm(dir, { recursive: true, force: true })

const pad = (s, n) => String(s).padEnd(n)
const lpad = (s, n) => String(s).padStart(n)
console.log()
console.log(`${pad('server', 28)}${lpad('conns', 6)}${lpad('req/s', 10)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('CPU µs/req', 12)}${lpad('vs off', 9)}${lpad('vs plain', 10)}`)
for (const r of results) {
  const off = results.find((x) => x.variant === variants[1].name && x.connections === r.connections)
  const plain = results.find((x) => x.variant === variants[2].name && x.connections === r.connections)
  console.log(
    `${pad(r.variant, 28)}${lpad(r.connections, 6)}${lpad(Math.round(r.rps), 10)}${lpad(r.p50, 9)}${lpad(r.p99, 9)}${lpad(r.cpuUs.toFixed(0), 12)}${lpad(`${((r.rps / off.rps) * 100).toFixed(0)}%`, 9)}${lpad(`${((r.rps / plain.rps) * 100).toFixed(0)}%`, 10)}`,
  )
}
console.log()
for (const c of CONNECTIONS) {
  const on = results.find((x) => x.variant === variants[0].name && x.connections === c)
  const off = results.find((x) => x.variant === variants[1].name && x.connections === c)
  const cost = (1 - on.rps / off.rps) * 100
  const cpuCost = (on.cpuUs / off.cpuUs - 1) * 100
  console.log(`prediction logging cost at ${c} connection(s): ${cost.toFixed(1)}% of throughput, ${cpuCost.toFixed(1)}% more CPU per request (target < 10%)`)
}
console.log(`prediction log of the logging server: ${closedStats.logged} logged, ${logStats.written} written during the runs and ${closedStats.written} after close, ${closedStats.dropped} dropped, ${closedStats.batches} batches, ${closedStats.failures} failures`)

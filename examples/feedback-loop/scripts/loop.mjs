#!/usr/bin/env node
// Plays the closed loop end to end through the real CLI and the real HTTP endpoint, printing what
// happens at each stage; exits 1 when a stage does not do what it should.
//
//   npm run demo                 (in examples/feedback-loop; `MLOPS_LOOP_DIR=DIR` plays it in a copy)
//
// 1. train the champion on Seattle 2012-2013          5. labels arrive for the New York days
// 2. deploy it with the built-in HTTP server           6. the monitor finds drift; onDrift retrains on the new
// 3. replay Seattle 2014 traffic (MLflow /invocations)    labelled data; the gate compares challenger and champion
// 4. replay New York 2014 traffic (KServe v2 /infer)    7. the server picks up the new champion without a restart
//                                                       8. the webhook got the notifications; the audit trail
import { spawn } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = resolve(process.env.MLOPS_LOOP_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind']
const SECRET = 'feedback-loop-demo-secret'

function findCli(from) {
  for (let d = from; ; d = dirname(d)) {
    const bin = join(d, 'node_modules', '@mlops', 'cli', 'bin', 'mlops.js')
    if (existsSync(bin)) return bin
    if (dirname(d) === d) throw new Error(`@mlops/cli is not installed above ${from}: run npm install`)
  }
}
const cliBin = findCli(dir)

let stageNo = 0
const stage = (title) => console.log(`\n== ${++stageNo}. ${title}`)
const say = (line) => console.log(`   ${line}`)
function check(ok, message) {
  if (!ok) {
    console.error(`\nFAILED: ${message}`)
    process.exitCode = 1
    throw new Error(message)
  }
  say(`ok: ${message}`)
}

/** Runs `mlops ARGS --json` in the project; returns exit code and parsed output. */
function mlops(args, env = {}) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliBin, ...args, '--json'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => {
      let data
      try {
        data = JSON.parse(out)
      } catch {}
      done({ code, data, out, err })
    })
  })
}

/** mlops with human output, printed indented (for the audit trail). */
function mlopsHuman(args, env = {}) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('close', (code) => done({ code, out }))
  })
}

function readCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/)
  const names = header.split(',')
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])))
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createNetServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

/** The team's webhook receiver: verifies each signature and keeps each event once (by id). */
async function startReceiver() {
  const events = new Map()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const ts = String(req.headers['x-mlops-timestamp'])
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`
      const got = String(req.headers['x-mlops-signature'] ?? '')
      if (got.length !== expected.length || !timingSafeEqual(Buffer.from(got), Buffer.from(expected))) {
        res.writeHead(401).end()
        return
      }
      const event = JSON.parse(body)
      if (!events.has(event.id)) events.set(event.id, event)
      res.writeHead(204).end()
    })
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  return { url: `http://127.0.0.1:${server.address().port}/hooks/ml-team`, events, close: () => new Promise((ok) => server.close(ok)) }
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`)
  return { json: JSON.parse(text), headers: res.headers }
}

async function main() {
  const days = readCsv(join(dir, 'data/weather.csv'))
  for (const f of ['.mlops', 'data/feedback.csv', 'data/labels.csv']) rmSync(join(dir, f), { recursive: true, force: true })
  const receiver = await startReceiver()
  const env = { FEEDBACK_WEBHOOK_URL: receiver.url, FEEDBACK_WEBHOOK_SECRET: SECRET, MLOPS_ACTOR: 'feedback-loop-demo' }
  let deployment
  try {
    stage('Train the champion on Seattle 2012-2013')
    const first = await mlops(['run', 'train'], env)
    check(first.code === 0, `mlops run train exited ${first.code}${first.code ? `: ${first.err}` : ''}`)
    const v1 = first.data.models[0]
    say(`accuracy on its test split ${first.data.metrics.find((m) => m.key === 'accuracy').value.toFixed(3)}`)
    check(v1.outcome === 'promoted' && v1.version.version === '1', `weather:1 passed its gates and is weather@champion`)

    stage('Deploy weather@champion with the built-in HTTP model server')
    const port = await freePort()
    const deploy = await mlops(['deploy', 'weather@champion', '--target', 'http', '--port', String(port)], env)
    check(deploy.code === 0, `mlops deploy exited ${deploy.code}${deploy.code ? `: ${deploy.err}` : ''}`)
    deployment = deploy.data.id
    const base = deploy.data.url
    say(`${deployment} at ${base} (pid ${deploy.data.pid})`)
    const meta = await (await fetch(`${base}/v2/models/weather`)).json()
    check(meta.versions?.includes('1'), `GET /v2/models/weather serves version ${meta.versions}`)

    stage('Replay Seattle 2014 traffic through MLflow /invocations')
    const seattle = days.filter((d) => d.location === 'Seattle' && d.date >= '2014-01-01' && d.date < '2014-05-01')
    const labels = []
    let served = 0
    for (let i = 0; i < seattle.length; i += 10) {
      const batch = seattle.slice(i, i + 10)
      const id = `sea-${batch[0].date}`
      const { json, headers } = await post(`${base}/invocations`, { dataframe_split: { columns: FEATURES, data: batch.map((d) => FEATURES.map((f) => Number(d[f]))) } }, { 'x-request-id': id })
      check(json.predictions.length === batch.length || served > 0, `/invocations answered ${json.predictions.length} predictions (request ${headers.get('x-request-id')})`)
      served += batch.length
      // A batch request logs one prediction per row, with the request id suffixed by the row.
      batch.forEach((d, k) => labels.push({ id: batch.length > 1 ? `${id}/${k}` : id, weather: d.weather }))
    }
    say(`${served} Seattle days scored`)

    stage('Replay New York 2014 traffic through the Open Inference Protocol (KServe v2)')
    const newYork = days.filter((d) => d.location === 'New York' && d.date >= '2014-01-01' && d.date < '2015-01-01')
    for (const d of newYork) {
      const id = `nyc-${d.date}`
      const { json } = await post(`${base}/v2/models/weather/infer`, {
        id,
        inputs: FEATURES.map((f) => ({ name: f, shape: [1], datatype: 'FP64', data: [Number(d[f])] })),
      })
      if (json.id !== id) throw new Error(`v2 infer answered id ${json.id} for ${id}`)
      labels.push({ id, weather: d.weather })
    }
    say(`${newYork.length} New York days scored`)

    stage('Labels arrive: the true weather of every scored day')
    writeFileSync(join(dir, 'data/labels.csv'), `request_id,weather\n${labels.map((l) => `${l.id},${l.weather}`).join('\n')}\n`)
    const imported = await mlops(['labels', 'import', 'weather', '--file', 'data/labels.csv', '--label-column', 'weather'], env)
    check(imported.code === 0, `mlops labels import: ${imported.data?.count ?? imported.err} labels joined to the prediction log by request id`)
    // The labelled New York days are new training data for the next model.
    writeFileSync(join(dir, 'data/feedback.csv'), `location,date,${FEATURES.join(',')},weather\n${newYork.map((d) => ['New York', d.date, ...FEATURES.map((f) => d[f]), d.weather].join(',')).join('\n')}\n`)
    say(`data/feedback.csv: ${newYork.length} labelled New York days`)

    stage('The monitor reads the prediction log: drift detected, onDrift retrains, the gate decides')
    const pass = await mlops(['monitor', 'run', 'weather-live'], env)
    check(pass.code === 0, `mlops monitor run exited ${pass.code}${pass.code ? `: ${pass.err}` : ''}`)
    for (const c of pass.data.result.checks) say(`${c.status === 'alert' ? 'ALERT' : c.status}  ${c.name}: ${c.detail}`)
    check(pass.data.result.drift, 'the monitor found drift in the New York traffic')
    const firing = pass.data.firings.find((f) => f.kind === 'drift')
    check(firing?.status === 'succeeded', `onDrift fired and retrained: run ${firing?.runId} ${firing?.status}`)
    const challenger = firing.models[0]
    for (const c of challenger.gate.checks) say(`gate ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`)
    check(challenger.outcome === 'promoted', `weather:${challenger.version.version} beat the champion on the same evaluation data and was promoted (@champion ${challenger.previous} → ${challenger.version.version})`)

    stage('The running server follows the alias: the new champion answers without a restart')
    let served2
    for (let i = 0; i < 50; i++) {
      served2 = await (await fetch(`${base}/v2/models/weather`)).json()
      if (served2.versions?.includes(challenger.version.version)) break
      await new Promise((r) => setTimeout(r, 200))
    }
    check(served2.versions.includes(challenger.version.version), `GET /v2/models/weather now serves version ${served2.versions} (same server, pid ${deploy.data.pid})`)
    const after = await post(`${base}/invocations`, { dataframe_records: [{ precipitation: 0, temp_max: 31, temp_min: 22, wind: 3 }] })
    say(`a hot dry day: ${after.json.predictions[0]}`)

    stage('Notifications reached the team webhook (signed, deduplicated by event id)')
    const types = [...receiver.events.values()].map((e) => e.type)
    for (const [type, n] of Object.entries(types.reduce((acc, t) => ({ ...acc, [t]: (acc[t] ?? 0) + 1 }), {}))) say(`${type} ×${n}`)
    check(types.includes('drift.detected') && types.includes('trigger.fired') && types.includes('model.promoted'), 'drift.detected, trigger.fired and model.promoted were delivered')

    stage('The audit trail: mlops models show weather')
    const show = await mlopsHuman(['models', 'show', 'weather'], env)
    console.log(show.out.replace(/^/gm, '   '))
    check(show.code === 0, 'every registration, promotion and its reason is recorded')
  } finally {
    if (deployment) {
      const stop = await mlops(['deployments', 'stop', deployment], env)
      say(stop.code === 0 ? `stopped ${deployment}: the server drained its requests and prediction log` : `could not stop ${deployment}: ${stop.err}`)
    }
    await receiver.close()
  }
  console.log('\nThe loop closed: drift was noticed, a better model was trained, gated, promoted and served without a restart.')
}

main().catch((error) => {
  if (!process.exitCode) console.error(error)
  process.exitCode = 1
})

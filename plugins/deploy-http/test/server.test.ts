import { request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError, readPredictionLog, Registry, type ArtifactStore, type MetadataStore, type RunningServer, type ServingRuntime } from '@mlops/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startModelServer, trafficShare } from '../src/index.js'
import { openStores, penguinRuntime, quietLogger, registerPenguins, WEIGHTS_V1, WEIGHTS_V2 } from './fixtures/penguins.mjs'

let dir: string
let metadata: MetadataStore
let storage: ArtifactStore
const registry = () => new Registry(metadata)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-deploy-http-server-'))
  ;({ metadata, storage } = await openStores(dir))
  await registerPenguins(metadata, storage, WEIGHTS_V1, 'champion') // version 1
  await registerPenguins(metadata, storage, WEIGHTS_V2, 'challenger') // version 2
  await registerPenguins(metadata, storage, { ...WEIGHTS_V1, delayMs: 300 }, 'slow') // version 3
})
afterAll(async () => {
  await metadata.close()
  await storage.close()
  await rm(dir, { recursive: true, force: true })
})

interface Started {
  url: string
  runtime: ServingRuntime
  server: RunningServer
  controller: AbortController
  deployment: string
}
const running: Started[] = []
let deployments = 0

async function start(options: { settings?: Record<string, string>; challenger?: string; selector?: string; env?: Record<string, string> } = {}): Promise<Started> {
  const deployment = `test-${deployments++}`
  const runtime = await penguinRuntime({ metadata, storage, deployment, ...(options.challenger ? { challenger: options.challenger } : {}), ...(options.selector ? { selector: options.selector } : {}) })
  const controller = new AbortController()
  const server = await startModelServer(
    { runtime, settings: { port: '0', deployment, ...options.settings }, signal: controller.signal, logger: quietLogger },
    { env: options.env ?? {} },
  )
  const s = { url: server.url, runtime, server, controller, deployment }
  running.push(s)
  return s
}
async function stop(s: Started): Promise<void> {
  s.controller.abort()
  await s.server.closed
}
afterEach(async () => {
  await Promise.all(running.splice(0).map(stop))
})

async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(url, init)
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

const adelie = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, island: 'Torgersen' }
const gentoo = { bill_length_mm: 46.1, bill_depth_mm: 13.2, flipper_length_mm: 211, body_mass_g: 4500, island: 'Biscoe' }
const chinstrap = { bill_length_mm: 49.9, bill_depth_mm: 19.1, flipper_length_mm: 200, body_mass_g: 3800, island: 'Dream' }

/** A v2 request in MLServer's pandas-codec layout: one tensor per column. */
function v2Columns(rows: Record<string, unknown>[], id?: string) {
  const col = (name: string, datatype: string) => ({ name, shape: [rows.length, 1], datatype, data: rows.map((r) => r[name]) })
  return {
    ...(id ? { id } : {}),
    parameters: { content_type: 'pd' },
    inputs: [col('bill_length_mm', 'FP32'), col('bill_depth_mm', 'FP32'), col('flipper_length_mm', 'FP32'), col('body_mass_g', 'FP32'), { ...col('island', 'BYTES'), parameters: { content_type: 'str' } }],
  }
}

describe('Open Inference Protocol (KServe v2)', () => {
  it('answers health, server and model metadata, and readiness', async () => {
    const { url } = await start()
    expect((await call(`${url}/v2/health/live`, 'GET')).status).toBe(200)
    expect((await call(`${url}/v2/health/ready`, 'GET')).status).toBe(200)
    expect((await call(`${url}/v2`, 'GET')).json).toMatchObject({ name: 'mlops' })
    const meta = await call(`${url}/v2/models/penguins`, 'GET')
    expect(meta.status).toBe(200)
    expect(meta.json).toMatchObject({ name: 'penguins', versions: ['1'], platform: 'mlops' })
    expect(meta.json.inputs).toEqual([
      { name: 'bill_length_mm', datatype: 'FP64', shape: [-1] },
      { name: 'bill_depth_mm', datatype: 'FP64', shape: [-1] },
      { name: 'flipper_length_mm', datatype: 'FP64', shape: [-1] },
      { name: 'body_mass_g', datatype: 'FP64', shape: [-1] },
      { name: 'island', datatype: 'BYTES', shape: [-1], parameters: { values: ['Biscoe', 'Dream', 'Torgersen'], optional: true, nullable: false } },
    ])
    expect(meta.json.outputs.map((o: { name: string }) => o.name)).toEqual(['predict', 'predict_proba'])
    expect((await call(`${url}/v2/models/penguins/ready`, 'GET')).status).toBe(200)
    expect((await call(`${url}/v2/models/penguins/versions/1/ready`, 'GET')).status).toBe(200)
    const missing = await call(`${url}/v2/models/iris/ready`, 'GET')
    expect(missing.status).toBe(404)
    expect(missing.json.error).toContain('"iris"')
    expect((await call(`${url}/v2/models/penguins/versions/9`, 'GET')).status).toBe(404)
  })

  it('scores one tensor per column (MLServer pandas codec), echoes the id and logs every row', async () => {
    const { url, runtime, deployment } = await start()
    const res = await call(`${url}/v2/models/penguins/infer`, 'POST', v2Columns([adelie, gentoo, chinstrap], 'req-v2-1'))
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      model_name: 'penguins',
      model_version: '1',
      id: 'req-v2-1',
      parameters: { variant: 'primary' },
      outputs: [{ name: 'predict', shape: [3], datatype: 'BYTES', data: ['Adelie', 'Gentoo', 'Chinstrap'] }],
    })
    expect(res.headers.get('x-request-id')).toBe('req-v2-1')
    await runtime.predictionLog.flush()
    const logged = await readPredictionLog({ metadata, storage, model: 'penguins', deployment })
    expect(logged.map((r) => [r.requestId, r.version, r.variant, r.output])).toEqual([
      ['req-v2-1:0', '1', 'primary', 'Adelie'],
      ['req-v2-1:1', '1', 'primary', 'Gentoo'],
      ['req-v2-1:2', '1', 'primary', 'Chinstrap'],
    ])
    expect(logged[0]!.inputs).toEqual(adelie)
    expect(logged[0]!.latencyMs).toBeGreaterThan(0)
  })

  it('scores a 2-D tensor (the KServe docs sample layout) with columns named in parameters, or in signature order', async () => {
    const { url } = await start()
    const named = await call(`${url}/v2/models/penguins/infer`, 'POST', {
      inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', parameters: { columns: ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] }, data: [[39.1, 18.7, 181, 3750], [46.1, 13.2, 211, 4500]] }],
    })
    expect(named.status).toBe(200)
    expect(named.json.outputs[0].data).toEqual(['Adelie', 'Gentoo'])
    const positional = await call(`${url}/v2/models/penguins/infer`, 'POST', { inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', data: [39.1, 18.7, 181, 3750, 46.1, 13.2, 211, 4500] }] })
    expect(positional.json.outputs[0].data).toEqual(['Adelie', 'Gentoo'])
    // The request id comes from X-Request-Id when the body has none, and is generated otherwise.
    const withHeader = await call(`${url}/v2/models/penguins/infer`, 'POST', v2Columns([adelie]), { 'x-request-id': 'from-header-7' })
    expect(withHeader.json.id).toBe('from-header-7')
    const generated = await call(`${url}/v2/models/penguins/infer`, 'POST', v2Columns([adelie]))
    expect(generated.json.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(generated.headers.get('x-request-id')).toBe(generated.json.id)
  })

  it('returns class scores when predict_proba is asked for, and serves a pinned version route', async () => {
    const { url } = await start()
    const res = await call(`${url}/v2/models/penguins/versions/1/infer`, 'POST', { ...v2Columns([adelie, gentoo]), outputs: [{ name: 'predict' }, { name: 'predict_proba' }] })
    expect(res.status).toBe(200)
    const [predict, proba] = res.json.outputs
    expect(predict.data).toEqual(['Adelie', 'Gentoo'])
    expect(proba).toMatchObject({ name: 'predict_proba', shape: [2, 3], datatype: 'FP64', parameters: { classes: ['Adelie', 'Chinstrap', 'Gentoo'] } })
    expect(proba.data[0]).toBeGreaterThan(0.5)
    expect(proba.data[0] + proba.data[1] + proba.data[2]).toBeCloseTo(1, 9)
    expect(proba.data[5]).toBeGreaterThan(0.5)
    const other = await call(`${url}/v2/models/penguins/versions/2/infer`, 'POST', v2Columns([adelie]))
    expect(other.status).toBe(404)
    expect(other.json.error).toContain('version 2 is not served')
  })

  it('rejects bad requests with 400/413/415 and a reason, and keeps serving', async () => {
    const { url, runtime } = await start({ settings: { maxBodyBytes: '4096' } })
    const infer = `${url}/v2/models/penguins/infer`
    const cases: [unknown, number, string][] = [
      ['{"inputs": [', 400, 'not valid JSON'],
      [{ inputs: [] }, 400, 'inputs: expected a non-empty array'],
      [{ inputs: [{ name: 'bill_length_mm', shape: [2], datatype: 'FP32', data: [1] }] }, 400, 'holds 2 values but data has 1'],
      [{ inputs: [{ name: 'bill_length_mm', shape: [1], datatype: 'FP32', data: ['long'] }] }, 400, 'datatype FP32 needs numbers'],
      [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP99', data: [1] }] }, 400, 'datatype: expected one of'],
      [{ ...v2Columns([{ ...adelie, island: 'Atlantis' }]) }, 400, 'rows[0].island: expected one of "Biscoe", "Dream", "Torgersen"'],
      [{ inputs: [{ name: 'bill_length_mm', shape: [1], datatype: 'FP64', data: [40] }] }, 400, 'rows[0].bill_depth_mm: required column is missing'],
      [{ ...v2Columns([adelie]), outputs: [{ name: 'explain' }] }, 400, 'unknown output "explain"'],
    ]
    for (const [body, status, message] of cases) {
      const res = await call(infer, 'POST', body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.json.error).toContain(message)
    }
    const wrongType = await call(infer, 'POST', JSON.stringify(v2Columns([adelie])), { 'content-type': 'text/plain' })
    expect(wrongType.status).toBe(415)
    expect(wrongType.json.error).toContain('application/json')
    const big = await call(infer, 'POST', { inputs: [{ name: 'bill_length_mm', shape: [2000], datatype: 'FP64', data: Array(2000).fill(40.5) }] })
    expect(big.status).toBe(413)
    expect(big.json.error).toContain('limit')
    expect((await call(infer, 'GET')).status).toBe(405)
    expect((await call(`${url}/v2/nothing`, 'GET')).status).toBe(404)
    expect((await call(infer, 'POST', v2Columns([adelie]))).status).toBe(200)
    await runtime.predictionLog.flush()
    expect(runtime.predictionLog.stats().logged).toBe(1)
  })
})

describe('MLflow scoring protocol', () => {
  it('accepts dataframe_split, dataframe_records, instances and inputs like MLflow 2.x', async () => {
    const { url } = await start()
    const columns = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'island']
    const bodies = [
      { dataframe_split: { columns, data: [columns.map((c) => adelie[c as keyof typeof adelie]), columns.map((c) => gentoo[c as keyof typeof gentoo])] } },
      { dataframe_records: [adelie, gentoo] },
      { instances: [adelie, gentoo] },
      { inputs: { bill_length_mm: [39.1, 46.1], bill_depth_mm: [18.7, 13.2], flipper_length_mm: [181, 211], body_mass_g: [3750, 4500] } },
      // The docs' curl example: a list of rows in the signature's column order.
      { inputs: [[39.1, 18.7, 181, 3750], [46.1, 13.2, 211, 4500]] },
    ]
    for (const body of bodies) {
      const res = await call(`${url}/invocations`, 'POST', body)
      expect(res.status, JSON.stringify(body)).toBe(200)
      expect(res.json).toEqual({ predictions: ['Adelie', 'Gentoo'] })
      expect(res.headers.get('x-model-version')).toBe('1')
    }
    const ping = await call(`${url}/ping`, 'GET')
    expect(ping.status).toBe(200)
    expect((await call(`${url}/health`, 'GET')).status).toBe(200)
  })

  it('answers bad input with MLflow error bodies', async () => {
    const { url } = await start()
    const cases: [unknown, number, string][] = [
      [{ dataframe_records: [adelie], instances: [adelie] }, 400, 'exactly one of'],
      [{ rows: [adelie] }, 400, 'exactly one of'],
      ['[1, 2', 400, 'not valid JSON'],
      [{ dataframe_split: { columns: ['bill_length_mm'], data: [[1, 2]] } }, 400, 'expected an array of 1 values'],
      [{ dataframe_records: [{ ...adelie, body_mass_g: '3750' }] }, 400, 'rows[0].body_mass_g: expected number, got string "3750"'],
      [{ inputs: [[1, 2, 3, 4, 'Dream', 6]] }, 400, 'has 6 values but the model has 5 input columns'],
      [{ instances: [] }, 400, 'no rows'],
    ]
    for (const [body, status, message] of cases) {
      const res = await call(`${url}/invocations`, 'POST', body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.json.error_code).toBe('BAD_REQUEST')
      expect(res.json.message).toContain(message)
    }
    const csv = await call(`${url}/invocations`, 'POST', 'bill_length_mm\n39.1\n', { 'content-type': 'text/csv' })
    expect(csv.status).toBe(415)
    expect(csv.json.error_code).toBe('BAD_REQUEST')
  })
})

describe('metrics', () => {
  it('exports request counts, latency and prediction-log counters in the Prometheus text format', async () => {
    const { url, runtime } = await start()
    await call(`${url}/invocations`, 'POST', { dataframe_records: [adelie, gentoo] })
    await call(`${url}/v2/models/penguins/infer`, 'POST', v2Columns([chinstrap]))
    await call(`${url}/invocations`, 'POST', { nope: 1 })
    await runtime.predictionLog.flush()
    const res = await fetch(`${url}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toContain('mlops_http_requests_total{route="/invocations",status="200",model="penguins",version="1",variant="primary"} 1')
    expect(text).toContain('mlops_http_requests_total{route="/v2/models/:name/infer",status="200",model="penguins",version="1",variant="primary"} 1')
    expect(text).toContain('mlops_http_requests_total{route="/invocations",status="400",model="penguins",version="",variant=""} 1')
    expect(text).toMatch(/mlops_http_request_duration_seconds_count\{route="\/invocations",variant="primary"\} 1/)
    expect(text).toContain('mlops_predictions_total{model="penguins",version="1",variant="primary"} 3')
    expect(text).toContain('mlops_prediction_log_logged_total 3')
    expect(text).toContain('mlops_prediction_log_written_total 3')
    expect(text).toContain('mlops_prediction_log_dropped_total 0')
    expect(text).toContain('mlops_prediction_log_queued 0')
    expect(text).toContain('mlops_model_info{model="penguins",version="1",variant="primary"} 1')
  })
})

describe('management endpoints', () => {
  it('are disabled (403) without a configured token', async () => {
    const { url } = await start()
    const res = await call(`${url}/admin/status`, 'GET')
    expect(res.status).toBe(403)
    expect(res.json.error).toContain('MLOPS_SERVE_TOKEN')
  })

  it('need the bearer token (401 otherwise); reload follows a promotion, traffic switches modes', async () => {
    const { url } = await start({ env: { MLOPS_SERVE_TOKEN: 's3cret' }, challenger: 'challenger' })
    const auth = { authorization: 'Bearer s3cret' }
    expect((await call(`${url}/admin/status`, 'GET')).status).toBe(401)
    const wrong = await call(`${url}/admin/status`, 'GET', undefined, { authorization: 'Bearer guess' })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer')
    const status = await call(`${url}/admin/status`, 'GET', undefined, auth)
    expect(status.json).toMatchObject({ model: 'penguins', selector: 'champion', challengerSelector: 'challenger', mode: 'single', primary: { version: '1' }, challenger: { version: '2' } })

    await registry().promote('penguins', '2', 'champion', { actor: 'test' })
    try {
      const reload = await call(`${url}/admin/reload`, 'POST', undefined, auth)
      expect(reload.json).toMatchObject({ changed: true, primary: { version: '2' } })
      expect((await call(`${url}/invocations`, 'POST', { dataframe_records: [adelie] })).headers.get('x-model-version')).toBe('2')
    } finally {
      await registry().rollback('penguins', 'champion', { actor: 'test' })
    }
    expect((await call(`${url}/admin/reload`, 'POST', undefined, auth)).json).toMatchObject({ changed: true, primary: { version: '1' } })

    const bad = await call(`${url}/admin/traffic`, 'POST', { mode: 'blue' }, auth)
    expect(bad.status).toBe(400)
    const switched = await call(`${url}/admin/traffic`, 'POST', { mode: 'canary', canaryShare: 1 }, auth)
    expect(switched.json).toMatchObject({ mode: 'canary', canaryShare: 1 })
    const res = await call(`${url}/invocations`, 'POST', { dataframe_records: [adelie] })
    expect([res.headers.get('x-model-version'), res.headers.get('x-model-variant')]).toEqual(['2', 'canary'])
  })

  it('a server without a challenger refuses canary and shadow modes', async () => {
    const { url } = await start({ settings: { token: 't' } })
    const res = await call(`${url}/admin/traffic`, 'POST', { mode: 'shadow' }, { authorization: 'Bearer t' })
    expect(res.status).toBe(409)
    expect(res.json.error).toContain('--shadow ALIAS')
  })
})

describe('canary and shadow traffic', () => {
  it('canary: a share of requests, chosen by request id hash, goes to the challenger; replays take the same route', async () => {
    const { url, runtime, deployment } = await start({ challenger: 'challenger', settings: { mode: 'canary', canaryShare: '0.3' } })
    const ids = Array.from({ length: 40 }, (_, i) => `order-${i}`)
    const seen = new Map<string, string>()
    for (const id of ids) {
      const res = await call(`${url}/v2/models/penguins/infer`, 'POST', v2Columns([adelie], id))
      seen.set(id, res.json.model_version)
      expect(res.json.parameters.variant).toBe(trafficShare(id) < 0.3 ? 'canary' : 'primary')
      expect(res.json.model_version).toBe(trafficShare(id) < 0.3 ? '2' : '1')
    }
    const canaries = [...seen.values()].filter((v) => v === '2').length
    expect(canaries).toBeGreaterThan(3)
    expect(canaries).toBeLessThan(25)
    for (const id of ids.slice(0, 10)) {
      const again = await call(`${url}/invocations`, 'POST', { dataframe_records: [adelie] }, { 'x-request-id': id })
      expect(again.headers.get('x-model-version')).toBe(seen.get(id))
    }
    await runtime.predictionLog.flush()
    const logged = await readPredictionLog({ metadata, storage, model: 'penguins', deployment, variant: 'canary' })
    expect(logged.every((r) => r.version === '2')).toBe(true)
    const replayedCanaries = ids.slice(0, 10).filter((id) => seen.get(id) === '2').length
    expect(logged.filter((r) => ids.includes(r.requestId))).toHaveLength(canaries + replayedCanaries)
  })

  it('shadow: only the primary answers; the challenger scores every request off the response path and is logged as shadow', async () => {
    const { url, runtime, deployment } = await start({ challenger: 'challenger', settings: { mode: 'shadow' } })
    // A borderline bird: version 2 leans to Gentoo, so the two versions disagree on it.
    const borderline = { bill_length_mm: 44, bill_depth_mm: 17, flipper_length_mm: 200, body_mass_g: 4200 }
    for (let i = 0; i < 5; i++) {
      const res = await call(`${url}/invocations`, 'POST', { dataframe_records: [borderline] }, { 'x-request-id': `shadowed-${i}` })
      expect(res.headers.get('x-model-version')).toBe('1')
      expect(res.json.predictions).toEqual(['Chinstrap'])
    }
    await stop(running.pop()!)
    const logged = await readPredictionLog({ metadata, storage, model: 'penguins', deployment })
    const primary = logged.filter((r) => r.variant === 'primary')
    const shadow = logged.filter((r) => r.variant === 'shadow')
    expect(primary.map((r) => r.requestId).sort()).toEqual(shadow.map((r) => r.requestId).sort())
    expect(shadow).toHaveLength(5)
    expect(shadow.every((r) => r.version === '2' && r.output === 'Gentoo')).toBe(true)
    expect(runtime.predictionLog.stats().written).toBe(10)
  })
})

describe('lifecycle', () => {
  it('follows the alias without a restart (the runtime polls the registry)', async () => {
    const deployment = `test-${deployments++}`
    const runtime = await penguinRuntime({ metadata, storage, deployment, pollMs: 50 })
    const controller = new AbortController()
    const server = await startModelServer({ runtime, settings: { port: '0' }, signal: controller.signal, logger: quietLogger }, { env: {} })
    running.push({ url: server.url, runtime, server, controller, deployment })
    await registry().promote('penguins', '2', 'champion', { actor: 'test' })
    try {
      let version = ''
      for (let i = 0; i < 100 && version !== '2'; i++) {
        await new Promise((r) => setTimeout(r, 20))
        version = (await call(`${server.url}/v2/models/penguins`, 'GET')).json.versions[0]
      }
      expect(version).toBe('2')
    } finally {
      await registry().rollback('penguins', 'champion', { actor: 'test' })
    }
  })

  it('shuts down gracefully: in-flight requests finish, new connections are refused, the log is drained', async () => {
    const s = await start({ selector: 'slow' })
    const inflight = call(`${s.url}/invocations`, 'POST', { dataframe_records: [adelie] }, { 'x-request-id': 'last-one' })
    await new Promise((r) => setTimeout(r, 100))
    s.controller.abort()
    let closed = false
    void s.server.closed.then(() => (closed = true))
    const res = await inflight
    expect(res.status).toBe(200)
    expect(res.json.predictions).toEqual(['Adelie'])
    await expect(fetch(`${s.url}/v2/health/live`)).rejects.toThrow()
    await s.server.closed
    expect(closed).toBe(true)
    running.splice(running.indexOf(s), 1)
    const logged = await readPredictionLog({ metadata, storage, model: 'penguins', deployment: s.deployment })
    expect(logged.map((r) => [r.requestId, r.version])).toEqual([['last-one', '3']])
    expect(s.runtime.predictionLog.stats()).toMatchObject({ written: 1, queued: 0 })
  })

  it('refuses bad settings and a taken port with an MlopsError', async () => {
    const runtime = await penguinRuntime({ metadata, storage })
    try {
      const signal = new AbortController().signal
      for (const [settings, text] of [
        [{ mode: 'blue' }, 'mode'],
        [{ mode: 'canary' }, '--canary ALIAS'],
        [{ canaryShare: '2' }, 'canaryShare'],
        [{ port: 'http' }, 'port'],
        [{ colour: 'red' }, 'colour'],
      ] as const) {
        const error = await startModelServer({ runtime, settings: { port: '0', ...settings }, signal, logger: quietLogger }, { env: {} }).catch((e: unknown) => e)
        expect(isMlopsError(error) && error.exit === 2 && error.message.includes(text), String(error)).toBe(true)
      }
      const s = await start()
      const port = new URL(s.url).port
      const error = await startModelServer({ runtime, settings: { port }, signal, logger: quietLogger }, { env: {} }).catch((e: unknown) => e)
      expect(isMlopsError(error) && error.code).toBe('MLOPS_SERVE_PORT_UNAVAILABLE')
    } finally {
      await runtime.close()
    }
  })

  it('a malformed HTTP request gets 400 without disturbing the server', async () => {
    const { url } = await start()
    const { port } = new URL(url)
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/invocations', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 'abc' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end('{}')
    })
    expect(status).toBe(400)
    expect((await call(`${url}/v2/health/live`, 'GET')).status).toBe(200)
  })
})

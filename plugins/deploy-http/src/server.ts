import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import { rename, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { mlopsError, type LoadedModel, type Logger, type RunningServer, type ServeRequest, type ServingRuntime } from '@mlops/core'
import { ServePortUnavailable, ServeSettingsInvalid } from './errors.js'
import { ServerMetrics, type Variant } from './metrics.js'
import { parseMlflowInvocation, parseV2Infer, predictTensor, probaTensor, v2Datatype, type V2Tensor } from './protocols.js'

export type TrafficMode = 'single' | 'canary' | 'shadow'

export interface ServerSettings {
  host: string
  port: number
  mode: TrafficMode
  canaryShare: number
  /** Bearer token of the management endpoints; undefined disables them. */
  token: string | undefined
  maxBodyBytes: number
  /** False: predictions are not logged (`--set predictionLog=off`). */
  logPredictions: boolean
  deployment: string | undefined
  /** Shadow predictions running at once at most; past that a request is not shadowed (and counted). */
  maxShadowInFlight: number
  /** How long a shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number
}

export interface ServeEnvironment {
  env: Readonly<Record<string, string | undefined>>
}

const SETTING_KEYS = new Set(['host', 'port', 'mode', 'canaryShare', 'token', 'maxBodyBytes', 'predictionLog', 'deployment', 'maxShadowInFlight', 'shutdownTimeoutMs'])

function integerSetting(key: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < min || n > max) throw mlopsError(ServeSettingsInvalid, [key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`])
  return n
}

/** Reads and checks the server's settings (strings from the command line; env for secrets and the port of background deployments). */
export function parseServerSettings(settings: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>, runtime: Pick<ServingRuntime, 'challengerSelector'>): ServerSettings {
  const unknown = Object.keys(settings).filter((k) => !SETTING_KEYS.has(k))
  if (unknown.length) throw mlopsError(ServeSettingsInvalid, [unknown[0]!, `is not a setting of the http target; settings: ${[...SETTING_KEYS].join(', ')}`])
  const mode = (settings.mode ?? 'single') as TrafficMode
  if (mode !== 'single' && mode !== 'canary' && mode !== 'shadow') throw mlopsError(ServeSettingsInvalid, ['mode', `expected single, canary or shadow, got ${JSON.stringify(settings.mode)}`])
  if (mode !== 'single' && runtime.challengerSelector === undefined) throw mlopsError(ServeSettingsInvalid, ['mode', `${mode} needs a challenger: pass --${mode} ALIAS`])
  const shareText = settings.canaryShare ?? '0.1'
  const canaryShare = Number(shareText)
  if (shareText.trim() === '' || !(canaryShare >= 0 && canaryShare <= 1)) throw mlopsError(ServeSettingsInvalid, ['canaryShare', `expected a number from 0 to 1, got ${JSON.stringify(shareText)}`])
  const log = settings.predictionLog ?? 'on'
  if (log !== 'on' && log !== 'off') throw mlopsError(ServeSettingsInvalid, ['predictionLog', `expected on or off, got ${JSON.stringify(log)}`])
  const token = settings.token ?? env.MLOPS_SERVE_TOKEN
  return {
    host: settings.host ?? env.MLOPS_SERVE_HOST ?? '127.0.0.1',
    port: integerSetting('port', settings.port ?? env.MLOPS_SERVE_PORT ?? '8080', 0, 65535),
    mode,
    canaryShare,
    token: token === undefined || token === '' ? undefined : token,
    maxBodyBytes: integerSetting('maxBodyBytes', settings.maxBodyBytes ?? String(8 * 1024 * 1024), 1, 2 ** 31),
    logPredictions: log === 'on',
    deployment: settings.deployment,
    maxShadowInFlight: integerSetting('maxShadowInFlight', settings.maxShadowInFlight ?? '64', 0, 100_000),
    shutdownTimeoutMs: integerSetting('shutdownTimeoutMs', settings.shutdownTimeoutMs ?? '10000', 0, 600_000),
  }
}

/** A number in [0, 1) from the request id (FNV-1a, then mixed): the same id always takes the same route. */
export function trafficShare(requestId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < requestId.length; i++) {
    h ^= requestId.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // murmur3's finalizer: ids that differ only in their last characters still spread evenly.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/

class HttpProblem {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

type Protocol = 'v2' | 'mlflow' | 'plain'

interface Scored {
  model: LoadedModel
  variant: 'primary' | 'canary'
  outputs: unknown[]
  proba: Record<string, number>[] | undefined
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/**
 * Starts the model server: Open Inference Protocol (KServe v2) and MLflow's scoring protocol on one
 * port, Prometheus metrics, token-protected management endpoints, canary/shadow traffic, and a
 * graceful shutdown when `request.signal` aborts (stop accepting, finish in-flight requests, then close
 * the runtime, which drains the prediction log).
 */
export async function startModelServer(request: ServeRequest, environment: ServeEnvironment): Promise<RunningServer> {
  const { runtime, logger } = request
  const settings = parseServerSettings(request.settings, environment.env, runtime)
  if (request.signal.aborted) throw mlopsError(ServeSettingsInvalid, ['signal', 'was already aborted; the server was not started'])
  const log = runtime.predictionLog
  let mode = settings.mode
  let canaryShare = settings.canaryShare
  let inFlight = 0
  let stopping = false
  const startedAt = Date.now()
  const shadowTasks = new Set<Promise<void>>()
  const tokenDigest = settings.token === undefined ? undefined : createHash('sha256').update(settings.token).digest()

  const metrics = new ServerMetrics(
    log,
    () => {
      const { primary, challenger } = runtime.current()
      const versions = [{ version: primary.version, variant: 'primary' }]
      if (challenger && mode !== 'single') versions.push({ version: challenger.version, variant: mode })
      return { model: runtime.model, versions }
    },
    () => inFlight,
  )

  // ---- responses --------------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = JSON_HEADERS): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    if (stopping) res.setHeader('connection', 'close')
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  function sendError(res: ServerResponse, protocol: Protocol, status: number, message: string): void {
    if (protocol === 'mlflow') {
      send(res, status, { error_code: status === 500 ? 'INTERNAL_ERROR' : status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'BAD_REQUEST', message })
    } else send(res, status, { error: message })
  }

  // ---- request bodies ---------------------------------------------------------------------------

  function readJson(req: IncomingMessage, protocol: Protocol): Promise<unknown> {
    const type = req.headers['content-type']
    const json = type !== undefined && /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)
    // v2 clients (Triton's, KServe's) may omit the type; MLflow's server requires it.
    if (!json && (type !== undefined || protocol === 'mlflow')) {
      return Promise.reject(new HttpProblem(415, `Content-Type must be application/json${type === undefined ? '' : `, got ${JSON.stringify(type)}`}${protocol === 'mlflow' ? ' (send the request as JSON; CSV input is not supported)' : ''}`))
    }
    const declared = Number(req.headers['content-length'])
    if (declared > settings.maxBodyBytes) return Promise.reject(new HttpProblem(413, `the request body has ${declared} bytes; the limit is ${settings.maxBodyBytes} (maxBodyBytes)`))
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      let failed = false
      req.on('data', (chunk: Buffer) => {
        if (failed) return
        size += chunk.length
        if (size > settings.maxBodyBytes) {
          failed = true
          reject(new HttpProblem(413, `the request body is larger than the limit of ${settings.maxBodyBytes} bytes (maxBodyBytes)`))
          return
        }
        chunks.push(chunk)
      })
      req.on('error', (error) => {
        if (!failed) reject(error)
        failed = true
      })
      req.on('end', () => {
        if (failed) return
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
        if (text.trim() === '') return reject(new HttpProblem(400, 'the request body is empty; send a JSON document'))
        try {
          resolve(JSON.parse(text))
        } catch (error) {
          reject(new HttpProblem(400, `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`))
        }
      })
    })
  }

  function requestIdOf(req: IncomingMessage, fromBody?: string): string {
    if (fromBody !== undefined) return fromBody
    const header = req.headers['x-request-id']
    return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID()
  }

  // ---- scoring ----------------------------------------------------------------------------------

  function pickModel(requestId: string, version: string | undefined): { model: LoadedModel; variant: 'primary' | 'canary' } {
    const { primary, challenger } = runtime.current()
    if (version !== undefined) {
      if (version === primary.version) return { model: primary, variant: 'primary' }
      if (challenger && version === challenger.version) return { model: challenger, variant: 'canary' }
      const served = [primary.version, ...(challenger ? [challenger.version] : [])]
      throw new HttpProblem(404, `model ${runtime.model} version ${version} is not served here (serving ${served.join(', ')})`)
    }
    if (mode === 'canary' && challenger && canaryShare > 0 && trafficShare(requestId) < canaryShare) return { model: challenger, variant: 'canary' }
    return { model: primary, variant: 'primary' }
  }

  function rowId(requestId: string, i: number, n: number): string {
    return n === 1 ? requestId : `${requestId}:${i}`
  }

  function logRows(requestId: string, ts: string, model: LoadedModel, variant: 'primary' | 'canary' | 'shadow', rows: Record<string, unknown>[], outputs: unknown[], latencyMs: number): void {
    if (!settings.logPredictions) return
    const n = rows.length
    for (let i = 0; i < n; i++) {
      log.log({
        requestId: rowId(requestId, i, n),
        ts,
        model: model.model,
        version: model.version,
        variant,
        inputs: rows[i]!,
        output: outputs[i],
        latencyMs,
        ...(settings.deployment !== undefined ? { deployment: settings.deployment } : {}),
      })
    }
  }

  function shadow(requestId: string, ts: string, rows: Record<string, unknown>[]): void {
    const { challenger } = runtime.current()
    if (!challenger) return
    if (shadowTasks.size >= settings.maxShadowInFlight) {
      metrics.shadowSkipped()
      return
    }
    const task = (async () => {
      // Off the response path: start after the primary's response has been handed to the socket.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const t0 = performance.now()
      try {
        const outputs = await challenger.predict(rows)
        metrics.predictions(challenger.model, challenger.version, 'shadow', rows.length)
        logRows(requestId, ts, challenger, 'shadow', rows, outputs, performance.now() - t0)
      } catch (error) {
        logger.warn(`shadow model ${challenger.model} version ${challenger.version} failed on request ${requestId}`, { reason: error instanceof Error ? error.message : String(error) })
      }
    })()
    shadowTasks.add(task)
    void task.finally(() => shadowTasks.delete(task))
  }

  async function score(rows: unknown[], requestId: string, t0: number, ts: string, version: string | undefined, wantProba: boolean): Promise<Scored> {
    if (rows.length === 0) throw new HttpProblem(400, 'the request has no rows to score')
    const picked = pickModel(requestId, version)
    const checked = runtime.validate(rows)
    if (!checked.ok) throw new HttpProblem(400, `the input does not match the model's signature: ${checked.errors.join('; ')}`)
    const { model, variant } = picked
    let outputs: unknown[]
    let proba: Record<string, number>[] | undefined
    try {
      outputs = await model.predict(checked.rows)
      if (wantProba) {
        if (!model.predictProba) throw new HttpProblem(400, `model ${model.model} version ${model.version} has no class scores (predict_proba)`)
        proba = await model.predictProba(checked.rows)
      }
    } catch (error) {
      if (error instanceof HttpProblem) throw error
      logger.error(`model ${model.model} version ${model.version} failed to predict (request ${requestId})`, { reason: error instanceof Error ? error.message : String(error) })
      throw new HttpProblem(500, `model ${model.model} version ${model.version} failed to predict: ${error instanceof Error ? error.message : String(error)}`)
    }
    metrics.predictions(model.model, model.version, variant, checked.rows.length)
    logRows(requestId, ts, model, variant, checked.rows, outputs, performance.now() - t0)
    if (mode === 'shadow' && variant === 'primary') shadow(requestId, ts, checked.rows)
    return { model, variant, outputs, proba }
  }

  // ---- routes -----------------------------------------------------------------------------------

  function modelMetadata(versions: string[]) {
    const { primary } = runtime.current()
    const sig = primary.signature
    const outputs: V2Tensor[] | { name: string; datatype: string; shape: number[] }[] = [
      { name: 'predict', datatype: sig.task === 'regression' ? 'FP64' : 'BYTES', shape: [-1] },
      ...(primary.predictProba ? [{ name: 'predict_proba', datatype: 'FP64', shape: [-1, sig.classes?.length ?? -1] }] : []),
    ]
    return {
      name: runtime.model,
      versions,
      platform: 'mlops',
      inputs: sig.inputs.map((c) => ({ name: c.name, datatype: v2Datatype(c.type), shape: [-1], ...(c.values || c.optional || c.nullable ? { parameters: { ...(c.values ? { values: c.values } : {}), optional: c.optional, nullable: c.nullable } } : {}) })),
      outputs,
      parameters: { task: sig.task, selector: runtime.selector, ...(sig.classes ? { classes: sig.classes } : {}) },
    }
  }

  function servedVersions(): string[] {
    const { primary, challenger } = runtime.current()
    return challenger && mode !== 'single' ? [primary.version, challenger.version] : [primary.version]
  }

  function checkModel(name: string, version: string | undefined): void {
    if (name !== runtime.model) throw new HttpProblem(404, `no model "${name}" here; this server serves "${runtime.model}"`)
    if (version !== undefined) {
      const { primary, challenger } = runtime.current()
      if (version !== primary.version && version !== challenger?.version) throw new HttpProblem(404, `model ${runtime.model} version ${version} is not served here (serving ${servedVersions().join(', ')})`)
    }
  }

  function authorize(req: IncomingMessage): void {
    if (tokenDigest === undefined) {
      throw new HttpProblem(403, 'management endpoints are disabled: no token is configured (set MLOPS_SERVE_TOKEN, or --set token=..., and restart the server)')
    }
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null
    const given = match ? createHash('sha256').update(match[1]!.trim()).digest() : undefined
    if (!given || !timingSafeEqual(given, tokenDigest)) throw new HttpProblem(401, match ? 'the bearer token is wrong' : 'send the management token as "Authorization: Bearer TOKEN"')
  }

  function status() {
    const { primary, challenger } = runtime.current()
    return {
      model: runtime.model,
      selector: runtime.selector,
      challengerSelector: runtime.challengerSelector ?? null,
      mode,
      canaryShare,
      primary: { version: primary.version, artifactHash: primary.artifactHash },
      challenger: challenger ? { version: challenger.version, artifactHash: challenger.artifactHash } : null,
      deployment: settings.deployment ?? null,
      predictionLog: { enabled: settings.logPredictions, ...log.stats() },
      inFlight,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      stopping,
    }
  }

  async function changeTraffic(body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpProblem(400, 'expected a JSON object { "mode": "single" | "canary" | "shadow", "canaryShare": 0.1 }')
    const { mode: nextMode, canaryShare: nextShare, ...rest } = body as Record<string, unknown>
    if (Object.keys(rest).length) throw new HttpProblem(400, `unknown field(s) ${Object.keys(rest).join(', ')}; give mode and/or canaryShare`)
    if (nextMode !== undefined && nextMode !== 'single' && nextMode !== 'canary' && nextMode !== 'shadow') throw new HttpProblem(400, `mode: expected single, canary or shadow, got ${JSON.stringify(nextMode)}`)
    if (nextShare !== undefined && !(typeof nextShare === 'number' && nextShare >= 0 && nextShare <= 1)) throw new HttpProblem(400, `canaryShare: expected a number from 0 to 1, got ${JSON.stringify(nextShare)}`)
    if (nextMode !== undefined && nextMode !== 'single' && runtime.challengerSelector === undefined) {
      throw new HttpProblem(409, `mode ${nextMode} needs a challenger, and this server was started without one (restart it with --canary ALIAS or --shadow ALIAS)`)
    }
    if (nextMode !== undefined) mode = nextMode
    if (nextShare !== undefined) canaryShare = nextShare
    logger.info(`traffic: mode ${mode}${mode === 'canary' ? `, canary share ${canaryShare}` : ''}`)
    return status()
  }

  async function route(req: IncomingMessage, res: ServerResponse, t0: number, ts: string): Promise<[string, Protocol]> {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const method = req.method ?? 'GET'
    const parts = path.split('/')
    // parts[0] is '' (the path starts with '/').
    if (parts[1] === 'v2') {
      if (parts.length === 2 || (parts.length === 3 && parts[2] === '')) {
        expect(method, 'GET')
        send(res, 200, { name: 'mlops', version: '1', extensions: [] })
        return ['/v2', 'v2']
      }
      if (parts[2] === 'health' && parts.length === 4) {
        expect(method, 'GET')
        if (parts[3] === 'live') {
          send(res, 200, { live: true })
          return ['/v2/health/live', 'v2']
        }
        if (parts[3] === 'ready') {
          send(res, stopping ? 503 : 200, { ready: !stopping })
          return ['/v2/health/ready', 'v2']
        }
      }
      if (parts[2] === 'models' && parts.length >= 4) {
        const name = decodeURIComponent(parts[3]!)
        let rest = parts.slice(4)
        let version: string | undefined
        if (rest[0] === 'versions' && rest.length >= 2) {
          version = decodeURIComponent(rest[1]!)
          rest = rest.slice(2)
        }
        const template = `/v2/models/:name${version !== undefined ? '/versions/:version' : ''}`
        if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
          expect(method, 'GET')
          checkModel(name, version)
          send(res, 200, modelMetadata(version !== undefined ? [version] : servedVersions()))
          return [template, 'v2']
        }
        if (rest.length === 1 && rest[0] === 'ready') {
          expect(method, 'GET')
          checkModel(name, version)
          send(res, stopping ? 503 : 200, { name, ready: !stopping })
          return [`${template}/ready`, 'v2']
        }
        if (rest.length === 1 && rest[0] === 'infer') {
          expect(method, 'POST')
          checkModel(name, version)
          const body = await readJson(req, 'v2')
          const { primary } = runtime.current()
          const parsed = parseV2Infer(body, primary.signature)
          if (!parsed.ok) throw new HttpProblem(400, parsed.message)
          const requestId = requestIdOf(req, parsed.value.id)
          res.setHeader('x-request-id', requestId)
          const wantProba = parsed.value.outputs.includes('predict_proba')
          const scored = await score(parsed.value.rows, requestId, t0, ts, version, wantProba)
          res.setHeader('x-model-version', scored.model.version)
          res.setHeader('x-model-variant', scored.variant)
          const outputs: V2Tensor[] = []
          for (const name of parsed.value.outputs) {
            if (name === 'predict') outputs.push(predictTensor(scored.outputs, scored.model.signature.task))
            else outputs.push(probaTensor(scored.proba!, scored.model.signature.classes))
          }
          send(res, 200, { model_name: runtime.model, model_version: scored.model.version, id: requestId, parameters: { variant: scored.variant }, outputs })
          return [`${template}/infer`, 'v2']
        }
      }
      throw new HttpProblem(404, `no route ${method} ${path}; the v2 routes are /v2/health/live, /v2/health/ready, /v2/models/${runtime.model}[/versions/V][/ready|/infer]`)
    }
    switch (path) {
      case '/invocations': {
        expect(method, 'POST')
        const body = await readJson(req, 'mlflow')
        const parsed = parseMlflowInvocation(body, runtime.current().primary.signature.inputs.map((c) => c.name))
        if (!parsed.ok) throw new HttpProblem(400, parsed.message)
        const requestId = requestIdOf(req)
        res.setHeader('x-request-id', requestId)
        const scored = await score(parsed.value, requestId, t0, ts, undefined, false)
        res.setHeader('x-model-version', scored.model.version)
        res.setHeader('x-model-variant', scored.variant)
        send(res, 200, { predictions: scored.outputs })
        return ['/invocations', 'mlflow']
      }
      case '/ping':
      case '/health':
        expect(method, 'GET')
        send(res, stopping ? 503 : 200, '\n', { 'content-type': 'application/json' })
        return [path, 'mlflow']
      case '/version':
        expect(method, 'GET')
        send(res, 200, { model: runtime.model, versions: servedVersions() })
        return [path, 'mlflow']
      case '/metrics': {
        expect(method, 'GET')
        const text = await metrics.registry.metrics()
        send(res, 200, text, { 'content-type': metrics.registry.contentType })
        return [path, 'plain']
      }
      case '/admin/status':
        expect(method, 'GET')
        authorize(req)
        send(res, 200, status())
        return [path, 'plain']
      case '/admin/reload': {
        expect(method, 'POST')
        authorize(req)
        const changed = await runtime.refresh()
        send(res, 200, { changed, ...status() })
        return [path, 'plain']
      }
      case '/admin/traffic': {
        expect(method, 'POST')
        authorize(req)
        const body = await readJson(req, 'plain')
        send(res, 200, await changeTraffic(body))
        return [path, 'plain']
      }
      default:
        throw new HttpProblem(404, `no route ${method} ${path}; routes: /v2/models/${runtime.model}/infer (KServe v2), /invocations (MLflow), /metrics, /ping, /admin/status`)
    }
  }

  function expect(method: string, wanted: 'GET' | 'POST'): void {
    if (method !== wanted && !(wanted === 'GET' && method === 'HEAD')) throw new HttpProblem(405, `use ${wanted} here, not ${method}`)
  }

  function protocolOf(url: string | undefined): Protocol {
    return url?.startsWith('/v2') ? 'v2' : url?.startsWith('/invocations') || url === '/ping' || url === '/health' ? 'mlflow' : 'plain'
  }

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const t0 = performance.now()
    const ts = new Date().toISOString()
    inFlight++
    res.once('close', () => {
      inFlight--
    })
    route(req, res, t0, ts).then(
      ([template]) => {
        const version = res.getHeader('x-model-version')
        const variant = res.getHeader('x-model-variant')
        metrics.request(template, res.statusCode, runtime.model, typeof version === 'string' ? version : '', typeof variant === 'string' ? (variant as Variant) : '', (performance.now() - t0) / 1000)
      },
      (error: unknown) => {
        const protocol = protocolOf(req.url)
        let status = 500
        let message: string
        if (error instanceof HttpProblem) {
          status = error.status
          message = error.message
        } else {
          message = `internal error: ${error instanceof Error ? error.message : String(error)}`
          logger.error(`model server: ${req.method} ${req.url} failed`, { reason: error instanceof Error ? (error.stack ?? error.message) : String(error) })
        }
        if (status === 405) res.setHeader('allow', req.url?.endsWith('/infer') || req.url?.startsWith('/invocations') || req.url === '/admin/reload' || req.url === '/admin/traffic' ? 'POST' : 'GET, HEAD')
        if (status === 401) res.setHeader('www-authenticate', 'Bearer')
        if (status === 413) res.setHeader('connection', 'close')
        if (!res.headersSent) sendError(res, protocol, status, message)
        else res.destroy()
        metrics.request(status === 404 ? 'unmatched' : (req.url ?? '/').split('?')[0]!.replace(/^\/v2\/models\/[^/]+/, '/v2/models/:name'), status, runtime.model, '', '', (performance.now() - t0) / 1000)
      },
    )
  })
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n{"error":"malformed HTTP request"}')
    else socket.destroy(error)
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(mlopsError(ServePortUnavailable, [`${settings.host}:${settings.port}`, error.code === 'EADDRINUSE' ? 'the port is in use' : error.message], { cause: error }))
    }
    server.once('error', onError)
    server.listen(settings.port, settings.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : settings.port
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`
  server.on('error', (error) => logger.error('model server error', { reason: error.message }))

  let resolveClosed!: () => void
  let rejectClosed!: (error: unknown) => void
  const closed = new Promise<void>((resolve, reject) => {
    resolveClosed = resolve
    rejectClosed = reject
  })

  const shutdown = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    logger.info(`model server at ${url}: stopping (finishing ${inFlight} in-flight request(s), then draining the prediction log)`)
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const force = setTimeout(() => server.closeAllConnections(), settings.shutdownTimeoutMs)
    force.unref()
    await serverClosed
    clearTimeout(force)
    await Promise.allSettled([...shadowTasks])
    await runtime.close()
    const s = log.stats()
    logger.info(`model server at ${url}: stopped; prediction log ${s.written} written, ${s.dropped} dropped`)
  }
  request.signal.addEventListener('abort', () => void shutdown().then(resolveClosed, rejectClosed), { once: true })

  const readyFile = environment.env.MLOPS_SERVE_READY_FILE
  if (readyFile) {
    await writeFile(`${readyFile}.tmp`, JSON.stringify({ url, pid: process.pid }))
    await rename(`${readyFile}.tmp`, readyFile)
  }
  logger.info(`model server for ${runtime.model}@${runtime.selector} listening at ${url}`, { mode, versions: servedVersions() })
  return { url, closed }
}

export type { Logger }

import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { mlopsError, type CallOptions, type DeploymentRef, type DeploymentStatus, type DeployRequest, type DeployResult, type DeployTarget, type HealthCheckResult, type PluginContext, type RunningServer, type ServeRequest } from '@mlops/core'
import { DeployAborted, DeploymentNotFound, DeployRequestInvalid, DeployStartFailed } from './errors.js'
import { startModelServer } from './server.js'

export interface HttpDeployTargetOptions {
  /** How long `deploy` waits for the server to answer /v2/health/ready (default 60 s). */
  readyTimeoutMs?: number
  /** How long `undeploy` waits after SIGTERM before SIGKILL (default 30 s). */
  stopTimeoutMs?: number
  /**
   * Runs this instead of the serve command core passes (for a wrapper such as a process supervisor);
   * the original is in the MLOPS_SERVE_COMMAND environment variable (JSON array).
   */
  command?: string[]
}

/** What `.mlops/deployments/<id>.json` holds: enough to find the process again from another command. */
export interface DeploymentState {
  id: string
  model: DeploymentRef
  pid: number
  url: string
  command: string[]
  cwd: string
  logFile: string
  startedAt: string
  stoppedAt: string | null
}

const ID = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/

/**
 * Whether any process of the deployment's process group is alive: `npx mlops serve` is npm's process
 * with the server as its child, and the server may still be draining after npm has exited.
 */
function isAlive(pid: number): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 0)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPERM') return true
    }
  }
  return false
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2000) })
    await res.body?.cancel()
    return res.ok
  } catch {
    return false
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/**
 * The http deploy target: `serve` runs the model server in this process (`mlops serve`); `deploy`
 * starts `mlops serve` as a detached background process (output to `.mlops/deployments/<id>.log`),
 * waits until it answers /v2/health/ready and keeps its pid and url in `.mlops/deployments/<id>.json`
 * for `status` and `undeploy` (SIGTERM: the server drains in-flight requests and its prediction log).
 */
export class HttpDeployTarget implements DeployTarget {
  readonly name = 'http'
  readonly #ctx: PluginContext
  readonly #options: HttpDeployTargetOptions
  readonly #dir: string

  constructor(options: HttpDeployTargetOptions, ctx: PluginContext) {
    this.#options = options
    this.#ctx = ctx
    this.#dir = join(ctx.dataDir, 'deployments')
  }

  serve(request: ServeRequest): Promise<RunningServer> {
    return startModelServer(request, { env: this.#ctx.env })
  }

  async check(): Promise<HealthCheckResult> {
    try {
      await mkdir(this.#dir, { recursive: true })
      await access(this.#dir, constants.W_OK)
      return { ok: true, detail: `http model server; background deployments recorded in ${this.#where()}` }
    } catch (error) {
      return { ok: false, detail: `cannot write ${this.#where()}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  #where(file = ''): string {
    const rel = relative(this.#ctx.root, join(this.#dir, file))
    return rel.startsWith('..') ? join(this.#dir, file) : rel
  }

  #stateFile(id: string): string {
    return join(this.#dir, `${id}.json`)
  }

  async #readState(id: string): Promise<DeploymentState | undefined> {
    if (!ID.test(id)) return undefined
    try {
      return JSON.parse(await readFile(this.#stateFile(id), 'utf8')) as DeploymentState
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async #writeState(state: DeploymentState): Promise<void> {
    const file = this.#stateFile(state.id)
    await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`)
    await rename(`${file}.tmp`, file)
  }

  async #known(): Promise<string[]> {
    try {
      return (await readdir(this.#dir)).filter((f) => f.endsWith('.json') && !f.endsWith('.ready.json')).map((f) => f.slice(0, -5)).sort()
    } catch {
      return []
    }
  }

  async #mustState(id: string): Promise<DeploymentState> {
    const state = await this.#readState(id)
    if (!state) throw mlopsError(DeploymentNotFound, [id, this.#where(), await this.#known()])
    return state
  }

  /** SIGTERM to the server's process group, then SIGKILL after `stopTimeoutMs`; resolves once it exited. */
  async #stop(pid: number): Promise<void> {
    if (!isAlive(pid)) return
    killGroup(pid, 'SIGTERM')
    const deadline = Date.now() + (this.#options.stopTimeoutMs ?? 30_000)
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        this.#ctx.logger.warn(`deployment process ${pid} did not stop after SIGTERM; killing it`)
        killGroup(pid, 'SIGKILL')
        await sleep(100)
        break
      }
      await sleep(50)
    }
  }

  async deploy(request: DeployRequest, options: CallOptions = {}): Promise<DeployResult> {
    const id = request.deploymentId
    if (typeof id !== 'string' || !ID.test(id)) throw mlopsError(DeployRequestInvalid, ['deploymentId', `must be letters, digits, . _ @ - (not starting with a dot), got ${JSON.stringify(id)}`])
    if (typeof request.model !== 'string' || request.model === '') throw mlopsError(DeployRequestInvalid, ['model', `must be a registered model name, got ${JSON.stringify(request.model)}`])
    const command = this.#options.command ?? request.serveCommand
    if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) throw mlopsError(DeployRequestInvalid, ['serveCommand', 'must be a non-empty list of arguments'])
    if (options.signal?.aborted) throw mlopsError(DeployAborted, [id])
    const model: DeploymentRef = { model: request.model, version: request.resolved.version, ...('alias' in request.selector ? { alias: request.selector.alias } : {}) }
    const logFile = join(this.#dir, `${id}.log`)
    const port = request.settings.port
    if (request.dryRun) {
      return {
        id,
        target: this.name,
        model,
        state: 'pending',
        output: `would run in ${request.project.root}: ${command.join(' ')}\n(in the background, output to ${this.#where(`${id}.log`)}, ready when ${port === undefined ? 'it' : `port ${port}`} answers /v2/health/ready)\n`,
      }
    }

    const previous = await this.#readState(id)
    if (previous && previous.stoppedAt === null) await this.#stop(previous.pid)
    await mkdir(this.#dir, { recursive: true })
    const readyFile = join(this.#dir, `${id}.ready.json`)
    await rm(readyFile, { force: true })
    const log = await open(logFile, 'a')
    await log.write(`--- ${new Date().toISOString()} deploy ${id}: ${command.join(' ')}\n`)
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({ ...process.env, ...this.#ctx.env })) if (v !== undefined) env[k] = v
    env.MLOPS_SERVE_READY_FILE = readyFile
    env.MLOPS_DEPLOYMENT_ID = id
    env.MLOPS_SERVE_COMMAND = JSON.stringify(request.serveCommand)
    // Without --port the server takes a free port and reports its url in the ready file.
    if (port === undefined) env.MLOPS_SERVE_PORT = '0'
    else delete env.MLOPS_SERVE_PORT

    const child = spawn(command[0]!, command.slice(1), { cwd: request.project.root, detached: true, stdio: ['ignore', log.fd, log.fd], env })
    let exited: string | undefined
    child.once('exit', (code, signal) => {
      exited = signal ? `the server process was killed by ${signal}` : `the server process exited with code ${code}`
    })
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined))
      child.once('error', (error) => resolve(error))
    })
    await log.close()
    if (spawned) throw mlopsError(DeployStartFailed, [id, `cannot run ${command[0]}: ${spawned.message}`, ''], { cause: spawned })
    child.unref()
    const pid = child.pid!

    const fail = async (reason: string) => {
      killGroup(pid, 'SIGKILL')
      await rm(readyFile, { force: true })
      return mlopsError(DeployStartFailed, [id, reason, await tail(logFile)])
    }
    const timeoutMs = this.#options.readyTimeoutMs ?? 60_000
    const deadline = Date.now() + timeoutMs
    let url: string | undefined
    for (;;) {
      if (options.signal?.aborted) {
        killGroup(pid, 'SIGKILL')
        throw mlopsError(DeployAborted, [id])
      }
      if (exited) throw await fail(exited)
      if (url === undefined) {
        try {
          url = (JSON.parse(await readFile(readyFile, 'utf8')) as { url: string }).url
        } catch {
          // not written yet
        }
      }
      // The server this deployment started writes the ready file; probing the port alone could find
      // another server already listening there. Only a custom command (which may not write the file)
      // is probed on its port.
      const probe = url ?? (this.#options.command !== undefined && port !== undefined ? `http://${request.settings.host ?? '127.0.0.1'}:${port}` : undefined)
      if (probe !== undefined && (await isReady(probe))) {
        url = probe
        break
      }
      if (Date.now() > deadline) throw await fail(`it did not answer /v2/health/ready within ${Math.round(timeoutMs / 1000)} s`)
      await sleep(100)
    }
    await rm(readyFile, { force: true })
    const state: DeploymentState = { id, model, pid, url, command, cwd: request.project.root, logFile, startedAt: new Date().toISOString(), stoppedAt: null }
    await this.#writeState(state)
    return { id, target: this.name, model, state: 'running', url, pid, detail: `pid ${pid}, log ${this.#where(`${id}.log`)}` }
  }

  async status(deploymentId: string): Promise<DeploymentStatus> {
    const state = await this.#mustState(deploymentId)
    const base = { id: state.id, target: this.name, model: state.model, url: state.url }
    if (state.stoppedAt !== null) return { ...base, state: 'stopped', detail: `stopped at ${state.stoppedAt}` }
    if (!isAlive(state.pid)) {
      const last = (await tail(state.logFile, 1)).trim()
      return { ...base, state: 'failed', detail: `the server process ${state.pid} is not running${last ? ` (last log line: ${last})` : ''}; see ${this.#where(`${state.id}.log`)}` }
    }
    if (await isReady(state.url)) return { ...base, state: 'running', detail: `pid ${state.pid}` }
    return { ...base, state: 'pending', detail: `process ${state.pid} is running but ${state.url}/v2/health/ready does not answer yet` }
  }

  async undeploy(deploymentId: string): Promise<void> {
    const state = await this.#mustState(deploymentId)
    if (state.stoppedAt !== null) return
    await this.#stop(state.pid)
    await this.#writeState({ ...state, stoppedAt: new Date().toISOString() })
  }
}

import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { CallOptions, DeploymentStatus, DeployRequest, DeployResult, DeployTarget, HealthCheckResult } from '@mlops/core'

/** Deployment ids become file names: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** What `<dir>/<id>.json` holds: the status plus everything needed to start the server by hand or from CI. */
export interface DeploymentDescriptor {
  status: DeploymentStatus
  request: Omit<DeployRequest, 'dryRun'>
  updatedAt: string
}

/**
 * Describes deployments as files: `deploy` writes `<dir>/<deploymentId>.json` (atomically: temp file +
 * rename) with the model version, the serve command and the settings; a process manager, a CI job or a
 * person starts the server from it. `undeploy` marks the descriptor stopped.
 */
export class DescriptorDeployTarget implements DeployTarget {
  readonly name: string
  readonly dir: string

  constructor(name: string, dir: string) {
    this.name = name
    this.dir = resolve(dir)
  }

  #file(id: string): string {
    if (typeof id !== 'string' || !ID.test(id)) {
      throw mlopsError(errors.InputInvalid, [`deployment id ${JSON.stringify(id)}`, 'use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit'])
    }
    return join(this.dir, `${id}.json`)
  }

  async #read(id: string): Promise<DeploymentDescriptor> {
    const file = this.#file(id)
    try {
      return JSON.parse(await readFile(file, 'utf8')) as DeploymentDescriptor
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        throw mlopsError(errors.InputInvalid, [`deployment "${id}"`, `no such deployment in ${this.dir}`], { loc: { file }, cause: error })
      }
      throw error
    }
  }

  async #write(descriptor: DeploymentDescriptor): Promise<void> {
    const file = this.#file(descriptor.status.id)
    await mkdir(this.dir, { recursive: true })
    const temp = `${file}.${randomUUID()}.tmp`
    await writeFile(temp, `${JSON.stringify(descriptor, null, 2)}\n`)
    await rename(temp, file)
  }

  async deploy(request: DeployRequest, options: CallOptions = {}): Promise<DeployResult> {
    options.signal?.throwIfAborted()
    const file = this.#file(request.deploymentId)
    if (typeof request.model !== 'string' || request.model.length === 0) {
      throw mlopsError(errors.InputInvalid, [`deployment "${request.deploymentId}"`, 'model must name a registered model'])
    }
    if (!request.resolved?.version) {
      throw mlopsError(errors.InputInvalid, [`deployment "${request.deploymentId}"`, 'resolved.version is missing: resolve the alias before deploying'])
    }
    const alias = 'alias' in request.selector ? request.selector.alias : undefined
    const status: DeploymentStatus = {
      id: request.deploymentId,
      target: this.name,
      model: { model: request.model, version: request.resolved.version, ...(alias ? { alias } : {}) },
      // Described, not started: whoever runs the serve command brings it up.
      state: 'pending',
      detail: `start it with: ${request.serveCommand.join(' ')}`,
    }
    const { dryRun: _dryRun, ...rest } = request
    const descriptor: DeploymentDescriptor = { status, request: rest, updatedAt: new Date().toISOString() }
    const output = `${JSON.stringify(descriptor, null, 2)}\n`
    if (request.dryRun) return { ...status, output: `would write ${file}:\n${output}` }
    await this.#write(descriptor)
    return { ...status, output: `wrote ${file}` }
  }

  async status(deploymentId: string, options: CallOptions = {}): Promise<DeploymentStatus> {
    options.signal?.throwIfAborted()
    return (await this.#read(deploymentId)).status
  }

  async undeploy(deploymentId: string, options: CallOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const descriptor = await this.#read(deploymentId)
    await this.#write({ ...descriptor, status: { ...descriptor.status, state: 'stopped', detail: 'undeployed' }, updatedAt: new Date().toISOString() })
  }

  async check(): Promise<HealthCheckResult> {
    try {
      await mkdir(this.dir, { recursive: true })
      const probe = join(this.dir, `.check-${randomUUID()}`)
      await writeFile(probe, '')
      await rename(probe, `${probe}.done`)
      await rm(`${probe}.done`, { force: true })
      return { ok: true, detail: `descriptors in ${this.dir}` }
    } catch (error) {
      return { ok: false, detail: `cannot write ${this.dir}: ${(error as Error).message}` }
    }
  }
}

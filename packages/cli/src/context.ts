import { mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import {
  createLocalExecutor,
  createWorkerPool,
  loadConfig,
  setupPlugin,
  type ArtifactStore,
  type Executor,
  type LoadedConfig,
  type Logger,
  type MetadataStore,
  type PluginContext,
  type PluginProvides,
  type WorkerPool,
} from '@mlops/core'
import type { CommandIo, GlobalOptions } from './command.js'
import { colors } from './render/colors.js'

export interface LoadedPlugin {
  name: string
  version: string | undefined
  apiVersion: number
  kinds: string[]
  /** Where it came from: `plugins[0]` or `embedded default`. */
  source: string
}

export interface Project {
  config: LoadedConfig
  metadata: MetadataStore
  storage: ArtifactStore
  executor: Executor
  pool: WorkerPool
  logger: Logger
  plugins: LoadedPlugin[]
  provides: PluginProvides[]
  /** What the config's plugins were set up with; for plugins the CLI sets up later (the built-in deploy target). */
  pluginContext: PluginContext
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export function createLogger(io: CommandIo): Logger {
  const c = colors(io.useColor)
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.stderr.write(`${level}${message}${fields && Object.keys(fields).length ? ` ${c.dim(JSON.stringify(fields))}` : ''}\n`)
  return {
    debug: (m, f) => {
      if (io.env.MLOPS_DEBUG) write(c.dim('debug '), m, f)
    },
    info: (m, f) => write('', m, f),
    warn: (m, f) => write(c.yellow('warn '), m, f),
    error: (m, f) => write(c.red('error '), m, f),
  }
}

/**
 * Loads the config and sets up its plugins; where the config names no metadata store, artifact store or
 * executor, wires the embedded defaults (SQLite and files under `.mlops/`, the local executor).
 */
export async function openProject(io: CommandIo, globals: GlobalOptions, command: string): Promise<Project> {
  const config = await loadConfig({ cwd: io.cwd, ...(globals.configPath !== undefined ? { configPath: globals.configPath } : {}), command, env: { ...io.env } })
  const logger = createLogger(io)
  const dataDir = join(config.root, '.mlops')
  await mkdir(dataDir, { recursive: true })
  const ctx: PluginContext = { root: config.root, dataDir, logger, signal: io.signal, env: io.env }
  const file = relative(io.cwd, config.file) || config.file
  const plugins: LoadedPlugin[] = []
  const provides: PluginProvides[] = []
  const closers: (() => Promise<void>)[] = []
  try {
    for (const [index, plugin] of config.plugins.entries()) {
      const provided = await setupPlugin(plugin, `${file}: plugins[${index}]`, ctx)
      provides.push(provided)
      plugins.push({ name: plugin.name, version: plugin.version, apiVersion: plugin.apiVersion, kinds: Object.keys(provided), source: `plugins[${index}]` })
    }
    const first = <K extends keyof PluginProvides>(kind: K) => provides.find((p) => p[kind] !== undefined)?.[kind]
    let metadata = first('metadata')
    if (!metadata) {
      const { default: sqlite } = await import('@mlops/metadata-sqlite')
      const instance = sqlite()
      metadata = (await setupPlugin(instance, 'embedded default', ctx)).metadata!
      plugins.push({ name: instance.name, version: instance.version, apiVersion: instance.apiVersion, kinds: ['metadata'], source: 'embedded default' })
    }
    const metadataStore = metadata
    closers.push(() => metadataStore.close())
    let storage = first('storage')
    if (!storage) {
      const { default: fsStorage } = await import('@mlops/storage-fs')
      const instance = fsStorage()
      storage = (await setupPlugin(instance, 'embedded default', ctx)).storage!
      plugins.push({ name: instance.name, version: instance.version, apiVersion: instance.apiVersion, kinds: ['storage'], source: 'embedded default' })
    }
    const storageStore = storage
    closers.push(() => storageStore.close())
    const executor = first('executor') ?? createLocalExecutor()
    closers.push(() => executor.close())
    const pool = createWorkerPool()
    closers.push(() => pool.close())
    for (const p of provides) if (p.notifier?.close) closers.push(() => p.notifier!.close!())
    const close = async () => {
      for (const closeOne of closers.reverse()) await closeOne().catch(() => {})
    }
    return { config, metadata, storage, executor, pool, logger, plugins, provides, pluginContext: ctx, close, [Symbol.asyncDispose]: close }
  } catch (error) {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => {})
    throw error
  }
}

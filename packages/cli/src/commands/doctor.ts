import { mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { PLUGIN_KINDS, loadConfig, setupPlugin, type HealthCheckable, type HealthCheckResult, type PluginProvides } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandIo, CommandModule, CommandResult, GlobalOptions } from '../command.js'
import { createLogger, openProject, type Project } from '../context.js'
import { colors } from '../render/colors.js'
import { renderTable } from '../render/table.js'

const usage = `Usage: mlops doctor [--timeout MS] [--json] [--config PATH]

Opens the project as a run would (the config, its plugins, the embedded defaults) and asks every backend
whether it is reachable: metadata and artifact stores, the executor, trainers, drift detectors, notifiers
and deploy targets. A backend with a check() is asked for a round trip (a query, a bucket lookup, a PING);
one without counts as ok once it opened.

Options:
  --timeout MS   how long each check may take (default 10000)
  --json         print { ok, checks: [{ name, kind, source, ok, detail, durationMs }] }

Exit codes: 0 every backend is reachable; 2 one is not, a plugin cannot be set up, or the config does not
load (stderr names which).`

const DEFAULT_TIMEOUT_MS = 10_000

export interface DoctorCheck {
  /** Plugin name (`@mlops/metadata-postgres`), `local` for the built-in executor, or the config file. */
  name: string
  /** The backend's own name when it has one that differs (a trainer or notifier called `sklearn`). */
  instance?: string
  kind: string
  /** Where it comes from: `plugins[0]`, `embedded default`, `built in`, or `config`. */
  source: string
  ok: boolean
  detail: string
  durationMs: number
}

interface Target {
  name: string
  kind: string
  source: string
  backend: HealthCheckable
}

const firstLine = (text: string) => text.split('\n')[0]!.trim()
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Calls `check()` with a deadline; a missing check() means the successful open is the check. A throwing check is a failed one. */
async function runCheck(target: Target, timeoutMs: number, signal: AbortSignal): Promise<DoctorCheck> {
  const started = performance.now()
  const instance = (target.backend as { name?: unknown }).name
  const done = (result: HealthCheckResult): DoctorCheck => ({
    name: target.name,
    ...(typeof instance === 'string' && instance !== '' && instance !== target.name ? { instance } : {}),
    kind: target.kind,
    source: target.source,
    ok: result.ok,
    detail: result.detail,
    durationMs: Math.round(performance.now() - started),
  })
  if (typeof target.backend.check !== 'function') return done({ ok: true, detail: 'opened' })
  const controller = new AbortController()
  const onAbort = () => controller.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  let timer: NodeJS.Timeout | undefined
  try {
    const deadline = new Promise<HealthCheckResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`check() timed out after ${timeoutMs} ms`))
        resolve({ ok: false, detail: `no answer within ${timeoutMs} ms (raise --timeout if the backend is just slow)` })
      }, timeoutMs)
    })
    const result = await Promise.race([target.backend.check({ signal: controller.signal }), deadline])
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
      return done({ ok: false, detail: `check() returned ${JSON.stringify(result) ?? String(result)}, not { ok, detail } (a bug in the plugin)` })
    }
    return done({ ok: result.ok, detail: typeof result.detail === 'string' && result.detail !== '' ? result.detail : result.ok ? 'reachable' : 'unreachable' })
  } catch (error) {
    // The contract says check() never throws for an unreachable backend; one that does still gets reported.
    return done({ ok: false, detail: `check() threw: ${firstLine(messageOf(error))}` })
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

function providedTargets(provided: PluginProvides, name: string, source: string): Target[] {
  const targets: Target[] = []
  for (const kind of PLUGIN_KINDS) {
    const backend = provided[kind]
    if (backend) targets.push({ name, kind, source, backend })
  }
  return targets
}

/** Every backend of an opened project: the config's plugins (each kind they provide), the defaults in use, the built-in executor. */
function projectTargets(project: Project): Target[] {
  const targets: Target[] = []
  const configPlugins = project.plugins.filter((p) => p.source.startsWith('plugins['))
  project.provides.forEach((provided, index) => {
    const plugin = configPlugins[index]
    targets.push(...providedTargets(provided, plugin?.name ?? `plugins[${index}]`, plugin?.source ?? `plugins[${index}]`))
  })
  for (const plugin of project.plugins.filter((p) => p.source === 'embedded default')) {
    if (plugin.kinds.includes('metadata')) targets.push({ name: plugin.name, kind: 'metadata', source: plugin.source, backend: project.metadata })
    if (plugin.kinds.includes('storage')) targets.push({ name: plugin.name, kind: 'storage', source: plugin.source, backend: project.storage })
  }
  if (!project.provides.some((p) => p.executor)) targets.push({ name: 'local', kind: 'executor', source: 'built in', backend: project.executor })
  return targets
}

async function closeProvided(provided: PluginProvides): Promise<void> {
  const closers = [() => provided.metadata?.close(), () => provided.storage?.close(), () => provided.executor?.close(), () => provided.notifier?.close?.()]
  await Promise.allSettled(closers.map(async (close) => close()))
}

/**
 * openProject failed: find out where, one stage at a time, so the report names the config or the plugin
 * (openProject's own error may not: a driver's "connect ECONNREFUSED" says nothing of which plugin).
 * Plugins that do set up are checked like in a healthy project, then closed.
 */
async function diagnose(openError: unknown, io: CommandIo, globals: GlobalOptions, timeoutMs: number): Promise<DoctorCheck[]> {
  let config
  try {
    config = await loadConfig({ cwd: io.cwd, ...(globals.configPath !== undefined ? { configPath: globals.configPath } : {}), command: 'doctor', env: { ...io.env } })
  } catch (error) {
    return [{ name: globals.configPath ?? 'mlops.config.ts', kind: 'config', source: 'config', ok: false, detail: describeError(error), durationMs: 0 }]
  }
  const file = relative(io.cwd, config.file) || config.file
  const checks: DoctorCheck[] = [{ name: file, kind: 'config', source: 'config', ok: true, detail: `loaded, ${config.plugins.length} plugin(s)`, durationMs: 0 }]
  const dataDir = join(config.root, '.mlops')
  await mkdir(dataDir, { recursive: true })
  const ctx = { root: config.root, dataDir, logger: createLogger(io), signal: io.signal, env: io.env }
  let setupFailed = false
  for (const [index, plugin] of config.plugins.entries()) {
    const source = `plugins[${index}]`
    const name = typeof plugin === 'object' && plugin !== null && typeof (plugin as { name?: unknown }).name === 'string' ? (plugin as { name: string }).name : source
    const started = performance.now()
    let provided: PluginProvides
    try {
      provided = await setupPlugin(plugin, `${file}: ${source}`, ctx)
    } catch (error) {
      setupFailed = true
      checks.push({ name, kind: 'setup', source, ok: false, detail: `setup failed: ${describeError(error)}`, durationMs: Math.round(performance.now() - started) })
      continue
    }
    try {
      checks.push(...(await Promise.all(providedTargets(provided, name, source).map((t) => runCheck(t, timeoutMs, io.signal)))))
    } finally {
      await closeProvided(provided)
    }
  }
  // Every plugin set up on its own: the failure was elsewhere (an embedded default, the data folder).
  if (!setupFailed) checks.push({ name: 'project', kind: 'setup', source: 'project', ok: false, detail: describeError(openError), durationMs: 0 })
  return checks
}

function describeError(error: unknown): string {
  const hint = typeof error === 'object' && error !== null && typeof (error as { hint?: unknown }).hint === 'string' ? (error as { hint: string }).hint : ''
  const message = messageOf(error).split('\n').map((l) => l.trim()).filter(Boolean).join(' / ')
  return hint ? `${message} (${hint})` : message
}

function report(checks: DoctorCheck[], io: CommandIo): CommandResult {
  const c = colors(io.useColor)
  const failed = checks.filter((check) => !check.ok)
  const label = (check: DoctorCheck) => (check.instance === undefined ? check.name : `${check.name} (${check.instance})`)
  const rows = checks.map((check) => [label(check), check.kind, check.ok ? 'ok' : 'FAIL', check.detail])
  const summary = failed.length === 0 ? `all ${checks.length} backends reachable` : `${failed.length} of ${checks.length} checks failed: ${failed.map((f) => `${label(f)} [${f.kind}, ${f.source}]`).join(', ')}`
  if (failed.length > 0) {
    io.stderr.write(`${c.red('error')} mlops doctor: ${summary}\n${failed.map((f) => `  ${label(f)} [${f.kind}]: ${f.detail}\n`).join('')}`)
  }
  return {
    // Exit 2: a backend unreachable, a plugin or the config broken (fix the config or the service).
    exitCode: failed.length === 0 ? 0 : 2,
    data: { ok: failed.length === 0, checks },
    human: `${renderTable(['NAME', 'KIND', 'STATUS', 'DETAIL'], rows)}\n\n${failed.length === 0 ? c.green(summary) : c.red(summary)}\n`,
  }
}

const command: CommandModule = {
  summary: 'Check that every configured backend is reachable',
  usage,
  async run(argv, io, globals) {
    const { values } = parseCommandArgs('doctor', { args: argv, allowPositionals: false, options: { timeout: { type: 'string' } } })
    const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout)
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw usageError('doctor', `--timeout needs a positive whole number of milliseconds, got "${values.timeout}"`)
    let project: Project
    try {
      project = await openProject(io, globals, 'doctor')
    } catch (error) {
      return report(await diagnose(error, io, globals, timeoutMs), io)
    }
    try {
      return report(await Promise.all(projectTargets(project).map((t) => runCheck(t, timeoutMs, io.signal))), io)
    } finally {
      await project.close()
    }
  },
}

export default command

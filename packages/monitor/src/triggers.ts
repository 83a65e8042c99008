import { createHash } from 'node:crypto'
import { createReadStream, statSync, type Stats } from 'node:fs'
import { resolve } from 'node:path'
import {
  canonicalJson,
  errors,
  hashJson,
  isMlopsError,
  mlopsError,
  parseDuration,
  parseParamArgs,
  registerRunModels,
  runPipeline,
  serializeError,
  stepCodeVersion,
  type Executor,
  type LoadedConfig,
  type RegistrationOutcome,
  type TriggerConfig,
  type WorkerPool,
} from '@mlops/core'
import { Cron } from 'croner'
import type { MonitorResult, MonitorServices } from './run-monitor.js'

export const TRIGGER_STATE = 'trigger-state'

export interface TriggerServices extends MonitorServices {
  executor: Executor
  pool: WorkerPool
}

interface TriggerState {
  /** When the trigger last looked (schedules fire for ticks after this). */
  checkedAt?: string
  firedAt?: string
  /** newData: the file's sha256, size and mtime when last seen. */
  hash?: string
  size?: number
  mtimeMs?: number
  /** newData: the file was not there when first looked at (its appearance is new data). */
  absent?: boolean
  /** codeChange: the pipeline's code version when last seen. */
  codeVersion?: string
  /**
   * A change seen while the trigger was in its cooldown (new data, new code): it fires once the cooldown
   * is over, so a change is never lost because it arrived too early.
   */
  pending?: string
}

export interface TriggerFiring {
  /** The trigger's index in `triggers` of the config that was evaluated. */
  trigger: number
  /** The trigger's stable identity (its state document key): `onNewData(data/x.csv) → train`. */
  key: string
  kind: TriggerConfig['kind']
  pipeline: string
  reason: string
  /** Why it did not start a run (cooldown, another process fired it first). */
  skipped?: string
  runId?: string
  status?: string
  models?: RegistrationOutcome[]
  error?: string
}

export function describeTrigger(t: TriggerConfig): string {
  switch (t.kind) {
    case 'drift':
      return `onDrift(${t.monitor}) → ${t.run}`
    case 'performanceDrop':
      return `onPerformanceDrop(${t.monitor}) → ${t.run}`
    case 'schedule':
      return `onSchedule(${t.cron}) → ${t.run}`
    case 'newData':
      return `onNewData(${t.path}) → ${t.run}`
    case 'codeChange':
      return `onCodeChange(${t.pipeline}) → ${t.run}`
  }
}

/**
 * Each trigger's state document key: what it watches and what it runs, not its position in the list, so
 * adding or removing another trigger leaves its state (last hash, last code version, cooldown) with it.
 * Identical triggers get `#2`, `#3` … in order.
 */
export function triggerKeys(config: Pick<LoadedConfig, 'triggers'>): string[] {
  const seen = new Map<string, number>()
  return config.triggers.map((def) => {
    const base = describeTrigger(def.config)
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base} #${n}`
  })
}

/**
 * Cron expressions of monitors and schedule triggers, checked before a daemon relies on them: a typo is
 * a config error (exit 2) naming the path, not a crash on the first tick.
 */
export function checkSchedules(config: Pick<LoadedConfig, 'file' | 'monitors' | 'triggers'>): void {
  const bad: string[] = []
  const check = (path: string, cron: unknown) => {
    try {
      if (typeof cron !== 'string') throw new Error('expected a string')
      new Cron(cron, { timezone: 'UTC', paused: true })
    } catch (error) {
      bad.push(`  ${path}: "${String(cron)}" is not a cron expression (${error instanceof Error ? error.message : String(error)}); expected five fields "m h dom mon dow" (UTC), e.g. "0 * * * *", or six with seconds first`)
    }
  }
  for (const [name, def] of config.monitors) if (def.config.schedule !== undefined) check(`monitors.${name}.schedule`, def.config.schedule)
  for (const [i, def] of config.triggers.entries()) if (def.config.kind === 'schedule') check(`triggers[${i}].cron`, def.config.cron)
  if (bad.length) throw mlopsError(errors.ConfigInvalid, [config.file, bad.join('\n')], { loc: { file: config.file } })
}

/**
 * A pipeline's code version as `planRun` computes it (each step's code, version and output kinds, and the
 * wiring), without resolving params: a param that cannot be resolved right now must not hide a code change.
 */
export function pipelineCodeVersion(config: LoadedConfig, pipeline: string): string | undefined {
  const entry = config.pipelines.get(pipeline)
  if (!entry) return undefined
  return hashJson(entry.graph.nodes.map((n) => ({ id: n.id, code: stepCodeVersion(n.step), inputs: n.inputs })))
}

/**
 * The trigger part of an event id: ids travel in headers (X-Mlops-Event-Id) and URLs, so they stay
 * ASCII whatever the trigger watches (a path may not be).
 */
function eventKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16)
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Decides which triggers fire now: drift and performance drops from this pass's monitor results, cron
 * schedules that came due since the last look, data files whose content hash changed, pipelines whose
 * code version changed. Each trigger's state is a document written with its revision, so two processes
 * never fire the same trigger twice; a trigger inside its cooldown is skipped (a new-data or code change
 * seen then fires when the cooldown is over). A firing trigger runs its pipeline; the model's gates then
 * decide promotion (registerRunModels).
 */
export async function evaluateTriggers(
  services: TriggerServices,
  options: { results?: readonly MonitorResult[]; now?: Date; kinds?: readonly TriggerConfig['kind'][]; signal: AbortSignal; actor: string; run?: boolean },
): Promise<TriggerFiring[]> {
  const { config, metadata } = services
  const now = options.now ?? new Date()
  const firings: TriggerFiring[] = []
  const keys = triggerKeys(config)
  if (config.triggers.some((t) => t.config.kind === 'schedule' && (!options.kinds || options.kinds.includes('schedule')))) checkSchedules(config)
  for (const [index, def] of config.triggers.entries()) {
    const t = def.config
    if (options.kinds && !options.kinds.includes(t.kind)) continue
    const key = keys[index]!
    const doc = await metadata.getDocument(TRIGGER_STATE, key)
    const state: TriggerState = { ...((doc?.value as TriggerState | undefined) ?? {}) }
    let reason: string | undefined
    switch (t.kind) {
      case 'drift': {
        const r = options.results?.find((x) => x.monitor === t.monitor && x.drift)
        if (r) reason = `monitor ${t.monitor} found drift: ${r.checks.filter((c) => c.status === 'alert').map((c) => `${c.name}: ${c.detail}`).join('; ')}`
        break
      }
      case 'performanceDrop': {
        const r = options.results?.find((x) => x.monitor === t.monitor && x.performanceDrop)
        if (r) reason = `monitor ${t.monitor}: ${r.checks.find((c) => c.name === 'performance')?.detail}`
        break
      }
      case 'schedule': {
        // The last look only moves when a tick came due (or on the first look): in between, the next tick
        // after it is the same, and the state need not be written on every evaluation.
        if (!state.checkedAt) {
          state.checkedAt = now.toISOString()
          break
        }
        const next = new Cron(t.cron, { timezone: 'UTC', paused: true }).nextRun(new Date(state.checkedAt))
        if (next && next.getTime() <= now.getTime()) {
          reason = `schedule ${t.cron} came due at ${next.toISOString()}`
          state.checkedAt = now.toISOString()
        }
        break
      }
      case 'newData': {
        const path = resolve(config.root, t.path)
        let stat: Stats
        try {
          stat = statSync(path)
        } catch {
          // Not there (yet): nothing new. Remember that, so the file appearing later counts as new data.
          if (state.hash === undefined) state.absent = true
          break
        }
        if (!stat.isFile()) {
          throw mlopsError(errors.ConfigInvalid, [config.file, `  triggers[${index}].path: onNewData watches one file, but ${t.path} (${path}) is not a regular file; name the data file itself`], { loc: { file: config.file, path: `triggers[${index}].path` } })
        }
        // Same size and mtime: the same content, no need to read it. Otherwise hash it: a touched file
        // with the same bytes is not new data.
        if (state.hash && stat.size === state.size && stat.mtimeMs === state.mtimeMs) break
        const hash = await sha256File(path)
        const before = state.hash
        Object.assign(state, { hash, size: stat.size, mtimeMs: stat.mtimeMs })
        if (before !== undefined && before !== hash) reason = `${t.path} changed (sha256 ${before.slice(0, 12)} → ${hash.slice(0, 12)})`
        else if (before === undefined && state.absent) reason = `${t.path} appeared (sha256 ${hash.slice(0, 12)})`
        delete state.absent
        break
      }
      case 'codeChange': {
        const codeVersion = pipelineCodeVersion(config, t.pipeline)
        if (codeVersion === undefined) break
        const lastRun = (await metadata.listRuns({ pipeline: t.pipeline, limit: 1 }))[0]
        const before = state.codeVersion ?? lastRun?.codeVersion
        state.codeVersion = codeVersion
        // Compared with the last look (or, the first time, with the last run); a change that someone
        // already ran (mlops run after editing) needs no second run.
        if (before !== undefined && before !== codeVersion && lastRun?.codeVersion !== codeVersion) {
          reason = `the code of pipeline ${t.pipeline} changed (${before.slice(0, 12)} → ${codeVersion.slice(0, 12)})`
        } else if (state.pending && lastRun?.codeVersion === codeVersion) {
          delete state.pending // the pending change was run meanwhile
        }
        break
      }
    }
    const cooldownMs = parseDuration(t.cooldown ?? '10m') ?? 600_000
    const cooling = state.firedAt !== undefined && now.getTime() - Date.parse(state.firedAt) < cooldownMs
    const remembers = t.kind === 'newData' || t.kind === 'codeChange'
    let skipped: string | undefined
    if (!reason && state.pending && !cooling) reason = state.pending // a change seen during the last cooldown
    if (reason && cooling) {
      skipped = `in cooldown until ${new Date(Date.parse(state.firedAt!) + cooldownMs).toISOString()}${remembers ? '; fires then' : ''}`
      if (remembers) state.pending = reason
    } else if (reason) {
      state.firedAt = now.toISOString()
      delete state.pending
    }
    const firing: TriggerFiring | undefined = reason ? { trigger: index, key, kind: t.kind, pipeline: t.run, reason, ...(skipped ? { skipped } : {}) } : undefined
    // Nothing seen and nothing to fire: no write (the daemon evaluates every trigger on every tick).
    if (!firing && doc && canonicalJson(state) === canonicalJson(doc.value)) continue
    try {
      await metadata.commit({
        writes: [{ collection: TRIGGER_STATE, key, value: state, expectedRevision: doc?.revision ?? 0 }],
        ...(firing && !skipped
          ? { events: [{ id: `trigger.fired:${eventKey(key)}:${state.firedAt}`, type: 'trigger.fired', payload: { trigger: key, pipeline: t.run, reason }, createdAt: now.toISOString() }] }
          : {}),
      })
    } catch (error) {
      if (isMlopsError(error) && error.code === 'MLOPS_WRITE_CONFLICT') {
        if (firing) firings.push({ ...firing, skipped: 'another process evaluated this trigger at the same moment' })
        continue
      }
      throw error
    }
    if (!firing) continue
    if (!skipped && options.run !== false) await fire(services, t, firing, options)
    firings.push(firing)
  }
  return firings
}

async function fire(services: TriggerServices, t: TriggerConfig, firing: TriggerFiring, options: { signal: AbortSignal; actor: string }): Promise<void> {
  services.logger.info(`trigger ${firing.key}: ${firing.reason}`)
  let runId: string | undefined
  try {
    const params = parseParamArgs(Object.entries(t.params ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
    const summary = await runPipeline(
      {
        ...services,
        onProgress: (event) => {
          if (event.type === 'run.started') runId = event.runId
        },
      },
      { pipeline: t.run, params, signal: options.signal },
    )
    firing.runId = summary.run.id
    firing.status = summary.run.status
    firing.models = await registerRunModels({ config: services.config, metadata: services.metadata, storage: services.storage, runId: summary.run.id, actor: options.actor, logger: services.logger })
  } catch (error) {
    firing.error = error instanceof Error ? error.message : String(error)
    if (runId !== undefined) {
      // The run was recorded: it wrote its own run.failed (or run.cancelled) event.
      firing.runId = runId
      firing.status = (await services.metadata.getRun(runId))?.status ?? 'failed'
    } else {
      // Refused before a run existed (params that do not parse, an unknown pipeline): nothing recorded
      // it yet, so the trigger does.
      firing.status = 'failed'
      const at = new Date().toISOString()
      await services.metadata.appendEvent({
        id: `run.failed:${eventKey(firing.key)}:${at}`,
        type: 'run.failed',
        payload: { pipeline: t.run, trigger: firing.key, error: firing.error, code: serializeError(error).code ?? null },
        createdAt: at,
      })
    }
    if (firing.status === 'cancelled') services.logger.warn(`trigger ${firing.key}: the run of ${t.run} was cancelled`)
    else services.logger.error(`trigger ${firing.key}: the run of ${t.run} failed: ${firing.error}`)
  }
}

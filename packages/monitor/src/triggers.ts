import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  isMlopsError,
  parseDuration,
  parseParamArgs,
  planRun,
  registerRunModels,
  runPipeline,
  serializeError,
  type Executor,
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
  /** codeChange: the pipeline's code version when last seen. */
  codeVersion?: string
}

export interface TriggerFiring {
  trigger: number
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

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Decides which triggers fire now: drift and performance drops from this pass's monitor results, cron
 * schedules that came due since the last look, data files whose content hash changed, pipelines whose
 * code version changed. Each trigger's state is a document written with its revision, so two processes
 * never fire the same trigger twice; a trigger inside its cooldown is skipped. A firing trigger runs its
 * pipeline; the model's gates then decide promotion (registerRunModels).
 */
export async function evaluateTriggers(
  services: TriggerServices,
  options: { results?: readonly MonitorResult[]; now?: Date; kinds?: readonly TriggerConfig['kind'][]; signal: AbortSignal; actor: string; run?: boolean },
): Promise<TriggerFiring[]> {
  const { config, metadata } = services
  const now = options.now ?? new Date()
  const firings: TriggerFiring[] = []
  for (const [index, def] of config.triggers.entries()) {
    const t = def.config
    if (options.kinds && !options.kinds.includes(t.kind)) continue
    const key = String(index)
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
        const since = state.checkedAt ? new Date(state.checkedAt) : undefined
        state.checkedAt = now.toISOString()
        if (since) {
          const next = new Cron(t.cron, { timezone: 'UTC', paused: true }).nextRun(since)
          if (next && next.getTime() <= now.getTime()) reason = `schedule ${t.cron} came due at ${next.toISOString()}`
        }
        break
      }
      case 'newData': {
        const path = resolve(config.root, t.path)
        let stat
        try {
          stat = statSync(path)
        } catch {
          break // not there (yet): nothing new
        }
        if (stat.size === state.size && stat.mtimeMs === state.mtimeMs && state.hash) break
        const hash = await sha256File(path)
        const before = state.hash
        Object.assign(state, { hash, size: stat.size, mtimeMs: stat.mtimeMs })
        if (before !== undefined && before !== hash) reason = `${t.path} changed (sha256 ${before.slice(0, 12)} → ${hash.slice(0, 12)})`
        break
      }
      case 'codeChange': {
        let codeVersion: string
        try {
          codeVersion = planRun(config, t.pipeline).codeVersion
        } catch {
          break
        }
        const before = state.codeVersion ?? (await metadata.listRuns({ pipeline: t.pipeline, limit: 1 }))[0]?.codeVersion
        state.codeVersion = codeVersion
        if (before !== undefined && before !== codeVersion) reason = `the code of pipeline ${t.pipeline} changed (${before.slice(0, 12)} → ${codeVersion.slice(0, 12)})`
        break
      }
    }
    const cooldownMs = parseDuration(t.cooldown ?? '10m') ?? 600_000
    let skipped: string | undefined
    if (reason && state.firedAt && now.getTime() - Date.parse(state.firedAt) < cooldownMs) {
      skipped = `in cooldown until ${new Date(Date.parse(state.firedAt) + cooldownMs).toISOString()}`
    } else if (reason) {
      state.firedAt = now.toISOString()
    }
    const firing: TriggerFiring | undefined = reason ? { trigger: index, kind: t.kind, pipeline: t.run, reason, ...(skipped ? { skipped } : {}) } : undefined
    try {
      await metadata.commit({
        writes: [{ collection: TRIGGER_STATE, key, value: state, expectedRevision: doc?.revision ?? 0 }],
        ...(firing && !skipped
          ? { events: [{ id: `trigger.fired:${index}:${state.firedAt}`, type: 'trigger.fired', payload: { trigger: describeTrigger(t), pipeline: t.run, reason }, createdAt: now.toISOString() }] }
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
  const params = parseParamArgs(Object.entries(t.params ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
  services.logger.info(`trigger ${describeTrigger(t)}: ${firing.reason}`)
  try {
    const summary = await runPipeline(services, { pipeline: t.run, params, signal: options.signal })
    firing.runId = summary.run.id
    firing.status = summary.run.status
    firing.models = await registerRunModels({ config: services.config, metadata: services.metadata, storage: services.storage, runId: summary.run.id, actor: options.actor, logger: services.logger })
  } catch (error) {
    firing.status = 'failed'
    firing.error = error instanceof Error ? error.message : String(error)
    const at = new Date().toISOString()
    await services.metadata.appendEvent({
      id: `run.failed:${firing.trigger}:${at}`,
      type: 'run.failed',
      payload: { pipeline: t.run, trigger: describeTrigger(t), error: serializeError(error) as unknown as Record<string, unknown> },
      createdAt: at,
    })
    services.logger.error(`trigger ${describeTrigger(t)}: the run of ${t.run} failed: ${firing.error}`)
  }
}

import { errors, isRunLive, mlopsError, resolveRun, type ArtifactRecord, type MetadataStore, type MetricRecord, type RunRecord, type StepIoRecord, type StepRecord } from '@mlops/core'
import { parseCommandArgs } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { formatDuration, renderTable, shortId } from '../render/table.js'
import { formatNumber } from './run.js'

const usage = `Usage: mlops runs ls [--pipeline NAME] [--status STATUS] [--limit N] [--json]
       mlops runs show RUN_ID [--json]

ls lists runs, newest first (a "running" run whose process is gone shows as "crashed": finish it
with mlops run PIPELINE --resume RUN_ID). show prints status, timings, params, metrics, artifacts,
cache hits and the environment of one run; RUN_ID may be a unique prefix.`

export interface RunDetails {
  run: RunRecord & { displayStatus: string; durationMs: number | null }
  steps: StepRecord[]
  metrics: MetricRecord[]
  artifacts: (StepIoRecord & { kind: string; size: number; meta: Record<string, unknown> })[]
  cacheHits: number
}

/** Status for people: a run left `running` by a dead process is `crashed`. */
export function displayStatus(run: RunRecord): string {
  return run.status === 'running' && !isRunLive(run) ? 'crashed' : run.status
}

function durationOf(run: RunRecord): number | null {
  return run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null
}

export async function describeRun(metadata: MetadataStore, idOrPrefix: string): Promise<RunDetails> {
  const run = await resolveRun(metadata, idOrPrefix)
  const [steps, metrics, io] = await Promise.all([metadata.listSteps(run.id), metadata.listMetrics(run.id), metadata.listStepIo(run.id)])
  const records = new Map<string, ArtifactRecord | undefined>()
  for (const edge of io) if (!records.has(edge.hash)) records.set(edge.hash, await metadata.getArtifact(edge.hash))
  const artifacts = io
    .filter((e) => e.direction === 'output')
    .map((e) => {
      const record = records.get(e.hash)
      return { ...e, kind: record?.kind ?? 'unknown', size: record?.size ?? 0, meta: record?.meta ?? {} }
    })
  return {
    run: { ...run, displayStatus: displayStatus(run), durationMs: durationOf(run) },
    steps,
    metrics,
    artifacts,
    cacheHits: steps.filter((s) => s.status === 'cached').length,
  }
}

function renderDetails(d: RunDetails): string {
  const { run } = d
  const env = run.environment
  const lines = [
    `run       ${run.id}`,
    `pipeline  ${run.pipeline}`,
    `status    ${run.displayStatus}${run.resumeCount ? ` (resumed ${run.resumeCount}×)` : ''}`,
    `started   ${run.startedAt}`,
    `duration  ${formatDuration(run.durationMs)}`,
    `code      ${run.codeVersion.slice(0, 12)}  git ${env.gitCommit ? env.gitCommit.slice(0, 12) : 'none'}${env.gitDirty ? ' (dirty)' : ''}`,
    `env       node ${env.nodeVersion} ${env.platform}-${env.arch}, lockfile ${env.lockfileHash ? env.lockfileHash.slice(0, 12) : 'none'}`,
  ]
  if (run.error) lines.push(`error     ${run.error.message}`)
  lines.push('', 'steps', renderTable(
    ['STEP', 'STATUS', 'DURATION', 'ATTEMPTS', 'PARAMS'],
    d.steps.map((s) => [s.stepId, s.status === 'cached' ? `cached (${shortId(s.cachedFromRunId ?? '')})` : s.status, formatDuration(s.durationMs), String(s.attempts), JSON.stringify(s.params)]),
  ))
  lines.push(`cache hits: ${d.cacheHits}/${d.steps.length}`)
  if (d.metrics.length) {
    lines.push('', 'metrics', renderTable(['STEP', 'METRIC', 'VALUE'], d.metrics.map((m) => [m.stepId, m.key, formatNumber(m.value)])))
  }
  if (d.artifacts.length) {
    lines.push('', 'artifacts', renderTable(['STEP', 'OUTPUT', 'KIND', 'HASH', 'SIZE'], d.artifacts.map((a) => [a.stepId, a.name, a.kind, a.hash.slice(0, 12), `${a.size} B`])))
  }
  for (const s of d.steps) if (s.error) lines.push('', `error in ${s.stepId}: ${s.error.message}`, ...(s.error.stack ? [s.error.stack] : []))
  return lines.join('\n')
}

const command: CommandModule = {
  summary: 'List or show runs',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('runs', { args: argv, options: { pipeline: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } } })
    const [sub = 'ls', id, ...extra] = parsed.positionals
    if (extra.length) throw mlopsError(errors.UsageInvalid, [`mlops runs: unexpected ${extra.join(' ')}`])
    if (sub !== 'ls' && sub !== 'show') throw mlopsError(errors.UsageInvalid, [`mlops runs ${sub}: expected "ls" or "show RUN_ID"`])
    if (sub === 'show' && !id) throw mlopsError(errors.UsageInvalid, ['mlops runs show needs a RUN_ID (see mlops runs ls)'])
    const limit = parsed.values.limit === undefined ? 50 : Number(parsed.values.limit)
    if (!Number.isInteger(limit) || limit < 1) throw mlopsError(errors.UsageInvalid, [`--limit must be a positive integer, got ${parsed.values.limit}`])
    const status = parsed.values.status
    if (status !== undefined && !['running', 'succeeded', 'failed', 'cancelled'].includes(status)) {
      throw mlopsError(errors.UsageInvalid, [`--status must be running, succeeded, failed or cancelled, got ${status}`])
    }
    const project = await openProject(io, globals, 'runs')
    try {
      if (sub === 'show') {
        const details = await describeRun(project.metadata, id!)
        return { exitCode: 0, data: details, human: renderDetails(details) }
      }
      const runs = await project.metadata.listRuns({
        limit,
        ...(parsed.values.pipeline ? { pipeline: parsed.values.pipeline } : {}),
        ...(status ? { status: status as RunRecord['status'] } : {}),
      })
      const data = runs.map((r) => ({ ...r, displayStatus: displayStatus(r), durationMs: durationOf(r) }))
      const human = runs.length
        ? renderTable(['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION'], data.map((r) => [shortId(r.id), r.pipeline, r.displayStatus, r.startedAt.replace('T', ' ').slice(0, 19), formatDuration(r.durationMs)]))
        : 'No runs yet: start one with `mlops run PIPELINE`.'
      return { exitCode: 0, data: { runs: data }, human }
    } finally {
      await project.close()
    }
  },
}

export default command

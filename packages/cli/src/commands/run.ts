import { errors, mlopsError, modelsOfPipeline, parseParamArgs, registerRunModels, resolveActor, runPipeline, type ProgressEvent, type RegistrationOutcome, type RunSummary } from '@mlops/core'
import { parseCommandArgs } from '../args.js'
import type { CommandIo, CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { colors } from '../render/colors.js'
import { formatDuration, shortId } from '../render/table.js'
import { notifyNow } from '../notify.js'
import { describeRun } from './runs.js'

const usage = `Usage: mlops run PIPELINE [--param name=value]... [--resume RUN_ID] [--no-cache] [--json] [--config PATH]

Runs a pipeline of mlops.config.ts. Steps whose code, params and inputs are unchanged reuse their
cached outputs. --param applies to every step declaring that param (or step.name=value for one step).
--resume finishes a failed, cancelled or crashed run, reusing the steps it completed.
When the pipeline is the source of a model (models in mlops.config.ts), a succeeded run registers the
new version, evaluates its promotion gates against the current champion and promotes it if they pass.
Exit: 0 succeeded, 1 a step failed or a promotion gate was not met, 2 bad usage or config.`

function progressPrinter(io: CommandIo): (event: ProgressEvent) => void {
  const c = colors(io.useColor)
  const running = new Set<string>()
  let status = ''
  const clear = () => {
    if (io.isInteractive && status) io.stderr.write('\r\x1b[K')
  }
  const redraw = () => {
    if (!io.isInteractive) return
    status = running.size ? c.dim(`  running ${[...running].join(', ')}…`) : ''
    if (status) io.stderr.write(status)
  }
  return (event) => {
    clear()
    switch (event.type) {
      case 'run.started':
        io.stderr.write(`${c.bold(event.resumed ? 'resuming' : 'run')} ${event.runId} ${c.dim(`pipeline ${event.pipeline}, ${event.steps} steps`)}\n`)
        break
      case 'step.started':
        running.add(event.stepId)
        if (!io.isInteractive) io.stderr.write(`  start ${event.stepId}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}\n`)
        break
      case 'step.retrying':
        io.stderr.write(`  ${c.yellow('retry')} ${event.stepId} in ${formatDuration(event.delayMs)}: ${event.error}\n`)
        break
      case 'step.finished':
        running.delete(event.stepId)
        io.stderr.write(`  ${c.green('✓')} ${event.stepId} ${c.dim(event.status === 'succeeded' ? formatDuration(event.durationMs) : `${event.status}`)}\n`)
        break
      case 'step.failed':
        running.delete(event.stepId)
        io.stderr.write(`  ${c.red('✗')} ${event.stepId} ${event.error}\n`)
        break
      case 'run.finished':
        io.stderr.write(`${event.status === 'succeeded' ? c.green(event.status) : c.red(event.status)} in ${formatDuration(event.durationMs)}\n`)
        break
    }
    redraw()
  }
}

const command: CommandModule = {
  summary: 'Run a pipeline',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('run', {
      args: argv,
      options: { param: { type: 'string', multiple: true, short: 'p' }, resume: { type: 'string' }, 'no-cache': { type: 'boolean' }, actor: { type: 'string' } },
    })
    const [pipeline, ...extra] = parsed.positionals
    if (!pipeline) throw mlopsError(errors.UsageInvalid, ['mlops run needs a pipeline name: mlops run PIPELINE'])
    if (extra.length) throw mlopsError(errors.UsageInvalid, [`mlops run takes one pipeline, got also: ${extra.join(' ')}`])
    const params = parseParamArgs(parsed.values.param ?? [])
    const project = await openProject(io, globals, 'run')
    try {
      const summary: RunSummary = await runPipeline(
        { ...project, onProgress: progressPrinter(io) },
        { pipeline, params, signal: io.signal, noCache: parsed.values['no-cache'] === true, ...(parsed.values.resume ? { resume: parsed.values.resume } : {}) },
      )
      const details = await describeRun(project.metadata, summary.run.id)
      const cached = summary.steps.filter((s) => s.status === 'cached').length
      const metrics = details.metrics.map((m) => `${m.key}=${formatNumber(m.value)}`).join(' ')
      const models: RegistrationOutcome[] = modelsOfPipeline(project.config, pipeline).length
        ? await registerRunModels({ config: project.config, metadata: project.metadata, storage: project.storage, runId: summary.run.id, actor: resolveActor(parsed.values.actor, io.env), logger: project.logger })
        : []
      if (models.length) await notifyNow(project, io.signal)
      const rejected = models.some((m) => m.outcome === 'rejected')
      return {
        exitCode: rejected ? 1 : 0,
        data: models.length ? { ...details, models } : details,
        human: [
          `run ${summary.run.id} ${summary.run.status}: ${summary.steps.length} steps, ${cached} cached (${shortId(summary.run.id)})`,
          metrics ? `metrics: ${metrics}` : '',
          ...models.map(describeOutcome),
        ]
          .filter(Boolean)
          .join('\n'),
      }
    } finally {
      await project.close()
    }
  },
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '')
}

export default command

/** One line (plus failed checks) per model a run registered. */
export function describeOutcome(m: RegistrationOutcome): string {
  const ref = `${m.model}:${m.version.version}`
  switch (m.outcome) {
    case 'unchanged':
      return `model ${ref}: unchanged (same artifact as version ${m.version.version}, ${m.version.status})`
    case 'promoted':
      return `model ${ref}: passed its gates, promoted: ${m.model}@${m.alias} ${m.previous ?? 'none'} → ${m.version.version}`
    case 'awaiting-approval':
      return `model ${ref}: passed its gates, waiting for approval: mlops approve ${m.version.runId} --reason "…"`
    case 'registered':
      return `model ${ref}: registered`
    case 'rejected':
      return [
        `model ${ref}: REJECTED by its gates; ${m.model}@${m.alias} stays at ${m.previous ?? 'none'}`,
        ...(m.gate?.checks.filter((c) => !c.passed).map((c) => `  ✗ ${c.name}: ${c.detail}`) ?? []),
      ].join('\n')
  }
}

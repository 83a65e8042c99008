import { mlopsError, resolveActor } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { notifiersOf } from '../notify.js'
import { renderTable } from '../render/table.js'

const usage = `Usage: mlops monitor run NAME [--no-trigger] [--fail-on-alert] [--json]
       mlops monitor ls [--json]
       mlops monitor history NAME [--limit 20] [--json]

run does one pass of a monitor (for CI or cron): reads its window (the model's prediction log or a
current dataset), runs its checks against the reference, records the result, fires the triggers that
react to it (onDrift, onPerformanceDrop; --no-trigger to only look) and delivers notifications.
Exit: 0 (1 with --fail-on-alert when a check alerts), 2 bad usage or config.`

const command: CommandModule = {
  summary: 'Run a monitor once (monitor run NAME), list monitors, or show past results',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('monitor', {
      args: argv,
      options: { 'no-trigger': { type: 'boolean' }, 'fail-on-alert': { type: 'boolean' }, limit: { type: 'string' }, actor: { type: 'string' } },
    })
    const [sub, name, ...extra] = parsed.positionals
    if (sub !== 'run' && sub !== 'ls' && sub !== 'history') throw usageError('monitor', sub ? `unknown subcommand "${sub}" (use run, ls or history)` : 'a subcommand is needed (run, ls or history)')
    if (extra.length || (sub !== 'ls' && !name)) throw usageError('monitor', `${sub} needs one monitor NAME`)
    const { evaluateTriggers, flushNotifications, monitorHistory, runMonitor, MonitorUnknown } = await import('@mlops/monitor')
    const project = await openProject(io, globals, 'monitor')
    try {
      if (sub === 'ls') {
        const rows = []
        for (const [n, def] of project.config.monitors) {
          const last = (await monitorHistory(project.metadata, n, 1))[0]
          rows.push({
            name: n,
            model: def.config.model ?? null,
            current: def.config.current?.path ?? null,
            schedule: def.config.schedule ?? null,
            checks: Object.keys(def.config.checks),
            last: last ? { at: last.at, drift: last.drift, performanceDrop: last.performanceDrop, qualityFailed: last.qualityFailed } : null,
          })
        }
        const human = rows.length
          ? renderTable(
              ['MONITOR', 'WATCHES', 'SCHEDULE', 'CHECKS', 'LAST RUN', 'LAST RESULT'],
              rows.map((r) => [
                r.name,
                r.model ? `model ${r.model}` : `file ${r.current}`,
                r.schedule ?? '',
                r.checks.join(','),
                r.last?.at.replace('T', ' ').slice(0, 19) ?? 'never',
                r.last ? ([r.last.drift && 'drift', r.last.performanceDrop && 'performance', r.last.qualityFailed && 'quality'].filter(Boolean).join(' ') || 'ok') : '',
              ]),
            )
          : 'No monitors: declare them under `monitors` in mlops.config.ts.'
        return { exitCode: 0, data: rows, human }
      }
      if (sub === 'history') {
        const limit = parsed.values.limit === undefined ? 20 : Number(parsed.values.limit)
        if (!Number.isInteger(limit) || limit < 1) throw usageError('monitor', `--limit must be a positive whole number, got ${parsed.values.limit}`)
        const results = await monitorHistory(project.metadata, name!, limit)
        // A monitor removed from the config keeps its history; a name that never existed is a typo.
        if (results.length === 0 && !project.config.monitors.has(name!)) throw mlopsError(MonitorUnknown, [name!, [...project.config.monitors.keys()]])
        const human = results.length
          ? renderTable(
              ['WHEN', 'VERSION', 'ROWS', ...['quality', 'drift', 'predictionDrift', 'performance', 'stream'].map((c) => c.toUpperCase())],
              results.map((r) => [
                r.at.replace('T', ' ').slice(0, 19),
                r.version ?? '',
                String(r.window.rows),
                ...['quality', 'drift', 'predictionDrift', 'performance', 'stream'].map((c) => r.checks.find((x) => x.name === c)?.status ?? ''),
              ]),
            )
          : `monitor ${name} has not run yet: mlops monitor run ${name}`
        return { exitCode: 0, data: results, human }
      }
      const services = { ...project, notifiers: notifiersOf(project) }
      const result = await runMonitor(services, name!, { signal: io.signal })
      const firings = parsed.values['no-trigger']
        ? []
        : await evaluateTriggers(services, { results: [result], kinds: ['drift', 'performanceDrop'], signal: io.signal, actor: resolveActor(parsed.values.actor, io.env) })
      const notifications = await flushNotifications(services, io.signal)
      const alerts = result.checks.filter((c) => c.status === 'alert')
      const lines = [
        `monitor ${name}: ${result.window.rows} rows from ${result.window.source}${result.version ? ` vs reference of ${result.model}:${result.version}` : ''}`,
        ...result.checks.map((c) => `  ${c.status === 'ok' ? '✓' : c.status === 'alert' ? '✗' : '–'} ${c.name}: ${c.detail}`),
        ...firings.map((f) => {
          const head = `trigger ${f.key}: ${f.reason}`
          if (f.skipped) return `${head} (skipped: ${f.skipped})`
          const models = (f.models ?? []).map((m) => `${m.model}:${m.version.version} ${m.outcome}${m.outcome === 'promoted' ? ` (@${m.alias} ${m.previous ?? 'none'} → ${m.version.version})` : ''}`).join(', ')
          return `${head}\n  run ${f.runId ?? ''} ${f.status ?? ''}${f.error ? `: ${f.error}` : ''}${models ? `; ${models}` : ''}`
        }),
        notifications.enqueued || notifications.delivered ? `notifications: ${notifications.delivered} delivered, ${notifications.retried} to retry, ${notifications.suppressed} suppressed by cooldown` : '',
      ].filter(Boolean)
      return {
        exitCode: parsed.values['fail-on-alert'] && alerts.length ? 1 : 0,
        data: { result, firings, notifications },
        human: lines.join('\n'),
      }
    } finally {
      await project.close()
    }
  },
}

export default command

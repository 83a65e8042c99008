import { loadConfig, resolveActor } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { notifiersOf } from '../notify.js'

const usage = `Usage: mlops daemon [--tick-ms 1000] [--actor WHO]

Runs in the foreground until Ctrl-C / SIGTERM: monitors on their schedules, every trigger (onDrift,
onSchedule, onNewData, onCodeChange, onPerformanceDrop), retraining runs whose gates decide
promotion, and notification delivery. One daemon per project: a second one refuses (exit 2). The
config is reloaded when its file changes (plugin changes need a restart).`

const command: CommandModule = {
  summary: 'Run schedules, monitors, triggers and notifications in the foreground (one per project)',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('daemon', { args: argv, options: { 'tick-ms': { type: 'string' }, actor: { type: 'string' } }, allowPositionals: false })
    const tickMs = parsed.values['tick-ms'] === undefined ? 1000 : Number(parsed.values['tick-ms'])
    if (!Number.isInteger(tickMs) || tickMs < 50) throw usageError('daemon', `--tick-ms must be a whole number ≥ 50, got ${parsed.values['tick-ms']}`)
    const { runDaemon } = await import('@mlops/monitor')
    const project = await openProject(io, globals, 'daemon')
    let ticks = 0
    let fired = 0
    try {
      await runDaemon(
        { ...project, notifiers: notifiersOf(project) },
        {
          signal: io.signal,
          tickMs,
          actor: resolveActor(parsed.values.actor, io.env),
          // An edited config (a step's code, a new trigger) takes effect without a restart.
          reloadConfig: () => loadConfig({ cwd: io.cwd, ...(globals.configPath !== undefined ? { configPath: globals.configPath } : {}), command: 'daemon', env: { ...io.env } }),
          onTick(tick) {
            ticks++
            for (const m of tick.monitors) {
              const alerts = m.checks.filter((c) => c.status === 'alert').map((c) => c.name)
              io.stderr.write(`monitor ${m.monitor}: ${m.window.rows} rows, ${alerts.length ? `ALERT ${alerts.join(', ')}` : 'ok'}\n`)
            }
            for (const f of tick.firings) {
              if (!f.skipped) fired++
              io.stderr.write(`trigger ${f.key}: ${f.reason}${f.skipped ? ` (skipped: ${f.skipped})` : ` → run ${f.runId ?? ''} ${f.status ?? ''}${f.error ? `: ${f.error}` : ''}`}\n`)
              for (const m of f.models ?? []) io.stderr.write(`  model ${m.model}:${m.version.version} ${m.outcome}\n`)
            }
            if (tick.notifications.delivered) io.stderr.write(`notifications: ${tick.notifications.delivered} delivered\n`)
          },
        },
      )
    } finally {
      await project.close()
    }
    return { exitCode: 0, data: { ticks, fired }, human: `daemon stopped after ${ticks} ticks (${fired} trigger firings)` }
  },
}

export default command

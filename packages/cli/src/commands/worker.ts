import { assertStoresShared, errors, isRemoteExecutor, mlopsError, runRemoteStep, type StepWorkerEvent } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandIo, CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { colors } from '../render/colors.js'
import { formatDuration, shortId } from '../render/table.js'

const usage = `Usage: mlops worker [--concurrency N] [--queue NAME] [--json] [--config PATH]

Runs the pipeline steps that \`mlops run\` hands to the config's remote executor (e.g.
@mlops/executor-bullmq). The worker loads the same mlops.config.ts, takes steps by run id and step id,
reads the run's params and the steps' inputs from the shared metadata and artifact stores and records
the results there. Start as many as you like, on any machine that reaches the stores and the queue.

  --concurrency N  steps this worker runs at once (default 1)
  --queue NAME     queue to take steps from (default: the executor's, mlops-<project folder>)

Ctrl-C (SIGINT/SIGTERM) stops taking steps and waits for the running ones; a second Ctrl-C leaves at
once, and another worker re-runs the steps it held.
Exit: 0 stopped, 2 bad usage or config (no remote executor, local stores, Redis unreachable).`

interface WorkerSummary {
  queue: string
  concurrency: number
  stepsFinished: number
  stepsFailed: number
}

function eventPrinter(io: CommandIo, summary: WorkerSummary): (event: StepWorkerEvent) => void {
  const c = colors(io.useColor)
  const label = (task: { runId: string; stepId: string }) => `${task.stepId} ${c.dim(`(run ${shortId(task.runId)})`)}`
  return (event) => {
    switch (event.type) {
      case 'ready':
        io.stderr.write(`${c.bold('worker')} ready: queue ${event.queue}, concurrency ${event.concurrency}, pid ${process.pid}\n`)
        break
      case 'step.started':
        io.stderr.write(`  start ${label(event.task)}${event.attempt > 1 ? ` attempt ${event.attempt}` : ''}\n`)
        break
      case 'step.finished':
        summary.stepsFinished++
        io.stderr.write(`  ${c.green('✓')} ${label(event.task)} ${c.dim(formatDuration(event.durationMs))}\n`)
        break
      case 'step.failed':
        if (!event.willRetry) summary.stepsFailed++
        io.stderr.write(`  ${c.red('✗')} ${label(event.task)} ${event.error}${event.willRetry ? c.dim(' (the queue retries it)') : ''}\n`)
        break
      case 'error':
        io.stderr.write(`${c.yellow('warn')} ${event.error}\n`)
        break
    }
  }
}

const command: CommandModule = {
  summary: 'Run the steps a remote executor hands out (mlops worker [--concurrency N])',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('worker', { args: argv, allowPositionals: false, options: { concurrency: { type: 'string' }, queue: { type: 'string' } } })
    const concurrencyText = parsed.values.concurrency
    const concurrency = concurrencyText === undefined ? 1 : Number(concurrencyText)
    if (!Number.isInteger(concurrency) || concurrency < 1) throw usageError('worker', `--concurrency must be a whole number of at least 1, got "${concurrencyText}"`)
    const queue = parsed.values.queue
    if (queue !== undefined && queue.trim() === '') throw usageError('worker', '--queue needs a name')

    const project = await openProject(io, globals, 'worker')
    try {
      const executor = project.executor
      if (!isRemoteExecutor(executor)) throw mlopsError(errors.WorkerNeedsRemoteExecutor, [executor.name])
      assertStoresShared(executor, project)
      const summary: WorkerSummary = { queue: queue ?? '', concurrency, stepsFinished: 0, stepsFailed: 0 }
      const worker = await executor.startWorker({
        concurrency,
        ...(queue !== undefined ? { queue } : {}),
        runStep: async (task, context) => {
          await runRemoteStep(project, task, context)
        },
        onEvent: eventPrinter(io, summary),
      })
      summary.queue = worker.queue
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve()
        else io.signal.addEventListener('abort', () => resolve(), { once: true })
      })
      io.stderr.write('stopping: waiting for the running steps to finish (Ctrl-C again to leave now)\n')
      await worker.close()
      return {
        exitCode: 0,
        data: summary,
        human: `worker stopped: ${summary.stepsFinished} step${summary.stepsFinished === 1 ? '' : 's'} finished, ${summary.stepsFailed} failed (queue ${summary.queue})`,
      }
    } finally {
      await project.close()
    }
  },
}

export default command

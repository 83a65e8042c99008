import { constants } from 'node:fs'
import { access, mkdir, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { errors, loadConfig, mlopsError } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { cronProblem } from '../export/cron.js'
import { renderGithubActions } from '../export/github-actions.js'
import { renderArgo, renderK8sCronJob } from '../export/kubernetes.js'
import { describeRun, embeddedStoresOf, EXPORT_FORMATS, isEnvName, repositoryLayoutOf, secretEnvOfPlugins, type ExportFormat, type ExportPlan, type SecretEnv } from '../export/plan.js'

const usage = `Usage: mlops export github-actions|k8s-cronjob|argo (PIPELINE | --monitor NAME)
                    [--schedule "CRON"] [--out FILE [--force]] [--env NAME]... [--node-version 20]
                    [--image IMAGE] [--namespace NS] [--secret NAME] [--json]

Writes a job for the scheduler you already have that runs a pipeline (npx mlops run PIPELINE) or, with
--monitor, a monitor (npx mlops monitor run NAME) with the project's own mlops CLI:

  github-actions  a workflow: checkout, setup-node (npm cache), npm install, the command; its output goes
                  to the job summary; on the schedule and by hand (workflow_dispatch)
  k8s-cronjob     a batch/v1 CronJob (needs a schedule)
  argo            an Argo CronWorkflow with a schedule, else a Workflow to submit on demand

--schedule CRON  five fields, UTC, digits and * , - / (e.g. "0 3 * * *"). Default: the monitor's
                 \`schedule\`, or the cron of an onSchedule trigger that runs the pipeline.
--env NAME       an extra secret environment variable (repeat). The variables the config's plugins read
                 (MLOPS_POSTGRES_URL, AWS_ACCESS_KEY_ID, … from their *Env options) are added by themselves:
                 from \${{ secrets.NAME }} on GitHub, from the Secret --secret (default mlops-credentials)
                 on Kubernetes.
--image IMAGE    (k8s-cronjob, argo) an image holding the project in /app (mlops.config.ts, package.json,
                 node_modules). Default node:<node-version>-bookworm-slim, which holds no project: the file
                 says so; build your own and pass it.
--out FILE       write there (an existing file only with --force) instead of printing the YAML.

Exit: 0 written, 2 bad usage (unknown format, pipeline or monitor, invalid cron, existing --out file).`

function isFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value)
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK)
    return true
  } catch {
    return false
  }
}

const command: CommandModule = {
  summary: 'Write a GitHub Actions workflow, Kubernetes CronJob or Argo workflow that runs a pipeline or monitor',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('export', {
      args: argv,
      options: {
        schedule: { type: 'string' },
        monitor: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        image: { type: 'string' },
        'node-version': { type: 'string' },
        env: { type: 'string', multiple: true },
        namespace: { type: 'string' },
        secret: { type: 'string' },
      },
    })
    const v = parsed.values
    const [format, pipelineName, ...extra] = parsed.positionals
    if (!format) throw usageError('export', `name a format: ${EXPORT_FORMATS.join(', ')}`)
    if (!isFormat(format)) throw usageError('export', `unknown format "${format}" (formats: ${EXPORT_FORMATS.join(', ')})`)
    if (extra.length) throw usageError('export', `unexpected ${extra.join(' ')}`)
    if (pipelineName && v.monitor) throw usageError('export', `give a PIPELINE or --monitor NAME, not both (got ${pipelineName} and --monitor ${v.monitor})`)
    if (!pipelineName && !v.monitor) throw usageError('export', 'name what to run: a PIPELINE, or --monitor NAME')
    if (v.schedule !== undefined) {
      const problem = cronProblem(v.schedule)
      if (problem) throw usageError('export', `--schedule "${v.schedule}" is not a valid cron expression: ${problem}`)
    }
    const nodeVersion = v['node-version'] ?? '20'
    if (!/^\d+(\.(\d+|x)){0,2}$/.test(nodeVersion)) throw usageError('export', `--node-version must be a Node.js version such as 20 or 20.19, got "${nodeVersion}"`)
    for (const name of v.env ?? []) if (!isEnvName(name)) throw usageError('export', `--env must name an environment variable (letters, digits, _), got "${name}"`)
    for (const [flag, value] of [['--namespace', v.namespace], ['--secret', v.secret]] as const) {
      if (value !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) throw usageError('export', `${flag} must be a Kubernetes name (lowercase letters, digits and -), got "${value}"`)
    }
    if (format === 'github-actions') {
      for (const flag of ['image', 'namespace', 'secret'] as const) if (v[flag] !== undefined) throw usageError('export', `--${flag} is for k8s-cronjob and argo, not github-actions`)
    }
    const outFile = v.out !== undefined ? resolve(io.cwd, v.out) : undefined
    if (v.force && outFile === undefined) throw usageError('export', '--force only goes with --out FILE')
    if (outFile && !v.force && (await exists(outFile))) throw usageError('export', `${v.out} exists; pass --force to overwrite it, or choose another --out`)

    // The config only, not openProject: exporting must not connect to the stores the job will use.
    const config = await loadConfig({ cwd: io.cwd, ...(globals.configPath !== undefined ? { configPath: globals.configPath } : {}), command: 'export', env: { ...io.env } })
    const configFile = relative(io.cwd, config.file) || config.file
    let schedule = v.schedule
    let scheduleSource: ExportPlan['scheduleSource'] = schedule ? 'flag' : undefined
    let target: ExportPlan['target']
    if (v.monitor) {
      const monitor = config.monitors.get(v.monitor)
      if (!monitor) {
        const { MonitorUnknown } = await import('@mlops/monitor')
        throw mlopsError(MonitorUnknown, [v.monitor, [...config.monitors.keys()]])
      }
      target = { kind: 'monitor', name: v.monitor }
      if (!schedule && monitor.config.schedule) [schedule, scheduleSource] = [monitor.config.schedule, 'config']
    } else {
      if (!config.pipelines.has(pipelineName!)) throw mlopsError(errors.PipelineUnknown, [pipelineName!, [...config.pipelines.keys()]])
      target = { kind: 'pipeline', name: pipelineName! }
      const trigger = config.triggers.map((t) => t.config).find((t) => t.kind === 'schedule' && t.run === pipelineName)
      if (!schedule && trigger?.kind === 'schedule') [schedule, scheduleSource] = [trigger.cron, 'config']
    }
    if (schedule && scheduleSource === 'config') {
      const problem = cronProblem(schedule)
      if (problem) throw usageError('export', `the schedule "${schedule}" of ${target.kind} ${target.name} in ${configFile} cannot be exported: ${problem}. Pass --schedule`)
    }
    if (format === 'k8s-cronjob' && !schedule) {
      throw usageError('export', `a CronJob needs a schedule: pass --schedule "CRON" (${target.kind} ${target.name} has none in ${configFile})`)
    }
    const secrets: SecretEnv[] = secretEnvOfPlugins(config.plugins, configFile)
    for (const name of v.env ?? []) if (!secrets.some((s) => s.name === name)) secrets.push({ name, source: '--env' })
    secrets.sort((a, b) => a.name.localeCompare(b.name))
    const plan: ExportPlan = {
      format,
      project: config.project,
      target,
      command: target.kind === 'pipeline' ? ['npx', 'mlops', 'run', target.name] : ['npx', 'mlops', 'monitor', 'run', target.name],
      schedule,
      scheduleSource,
      secrets,
      nodeVersion,
      image: v.image ?? `node:${nodeVersion.split('.')[0]}-bookworm-slim`,
      imageDefaulted: v.image === undefined,
      workingDir: '/app',
      ...repositoryLayoutOf(config.root),
      namespace: v.namespace,
      secretName: v.secret ?? 'mlops-credentials',
      embeddedStores: embeddedStoresOf(config.plugins),
    }
    // A --config other than the default file must reach the job too.
    const configArg = relative(config.root, config.file)
    if (configArg !== 'mlops.config.ts') plan.command.push('--config', configArg)
    const rendered = format === 'github-actions' ? renderGithubActions(plan) : format === 'k8s-cronjob' ? renderK8sCronJob(plan) : renderArgo(plan)
    const notes: string[] = []
    if (plan.imageDefaulted && format !== 'github-actions') notes.push(`--image not given: ${plan.image} holds no project; build an image with the project in /app and export again with --image`)
    if (plan.embeddedStores.metadata) notes.push('the config keeps its records in .mlops/ (SQLite): runs made by the scheduled job stay where it ran; use @mlops/metadata-postgres and @mlops/storage-s3 to share them')
    if (outFile) {
      await mkdir(dirname(outFile), { recursive: true })
      await writeFile(outFile, rendered.text, { flag: v.force ? 'w' : 'wx' }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw usageError('export', `${v.out} exists; pass --force to overwrite it, or choose another --out`)
        throw mlopsError(errors.InputInvalid, [v.out!, `cannot write: ${error.message}`], { cause: error })
      })
    }
    const data = {
      format,
      kind: (rendered.value as { kind?: string }).kind ?? 'workflow',
      target,
      command: plan.command,
      schedule: schedule ?? null,
      secrets,
      image: format === 'github-actions' ? null : plan.image,
      file: outFile ?? null,
      notes,
      yaml: rendered.text,
    }
    if (!outFile) {
      for (const note of notes) io.stderr.write(`note: ${note}\n`)
      return { exitCode: 0, data, human: rendered.text }
    }
    const human = [
      `wrote ${relative(io.cwd, outFile) || outFile}: ${format === 'github-actions' ? 'a GitHub Actions workflow' : data.kind} that runs ${describeRun(plan)}`,
      secrets.length ? `secrets it reads: ${secrets.map((s) => s.name).join(', ')}` : 'secrets it reads: none',
      ...notes.map((n) => `note: ${n}`),
    ].join('\n')
    return { exitCode: 0, data, human }
  },
}

export default command

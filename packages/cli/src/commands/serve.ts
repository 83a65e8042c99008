import { createPredictionLogWriter, createServingRuntime, errors, mlopsError, resolveActor } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { DEPLOYMENTS, deploymentIdOf, deployTarget, modelDefinition, parseSettings, resolveServed, type DeploymentDoc } from '../serving/targets.js'

const usage = `Usage: mlops serve NAME[@ALIAS|:VERSION] [--target http] [--port 8080] [--host 127.0.0.1]
                   [--canary ALIAS --canary-share 0.1 | --shadow ALIAS] [--set key=value]...
                   [--poll-ms 1000] [--deployment ID]

Serves a registered model in the foreground (Ctrl-C or SIGTERM stops it after draining in-flight
requests and the prediction log). Follows the alias (default champion): a promotion or a rollback
takes effect without a restart. --canary sends a share of requests to another alias; --shadow
scores every request with it too but only the primary answers. Every prediction is logged.
The http target speaks the Open Inference Protocol (KServe v2) and MLflow's /invocations.`

const command: CommandModule = {
  summary: 'Serve a registered model over HTTP in the foreground (follows its alias)',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('serve', {
      args: argv,
      options: {
        target: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        canary: { type: 'string' },
        'canary-share': { type: 'string' },
        shadow: { type: 'string' },
        set: { type: 'string', multiple: true },
        'poll-ms': { type: 'string' },
        deployment: { type: 'string' },
      },
    })
    const [ref, ...extra] = parsed.positionals
    if (!ref || extra.length) throw usageError('serve', 'give exactly one model: NAME[@ALIAS|:VERSION]')
    const v = parsed.values
    if (v.canary && v.shadow) throw usageError('serve', '--canary and --shadow cannot be combined')
    if (v['canary-share'] !== undefined && !v.canary) throw usageError('serve', '--canary-share needs --canary ALIAS')
    const share = v['canary-share'] === undefined ? 0.1 : Number(v['canary-share'])
    if (!(share >= 0 && share <= 1)) throw usageError('serve', `--canary-share must be a number from 0 to 1, got ${v['canary-share']}`)
    const pollMs = v['poll-ms'] === undefined ? 1000 : Number(v['poll-ms'])
    if (!Number.isInteger(pollMs) || pollMs < 0) throw usageError('serve', `--poll-ms must be a whole number of milliseconds, got ${v['poll-ms']}`)
    if (v.port !== undefined && !/^\d+$/.test(v.port)) throw usageError('serve', `--port must be a number, got ${v.port}`)
    const targetName = v.target ?? 'http'

    const project = await openProject(io, globals, 'serve')
    try {
      const served = await resolveServed(project, ref)
      const definition = modelDefinition(project, served.name)
      const target = await deployTarget(project, targetName)
      if (!target.serve) throw mlopsError(errors.UsageInvalid, [`The deploy target "${targetName}" does not serve in the foreground; use \`mlops deploy ${ref} --target ${targetName}\`.`])
      const deploymentId = v.deployment ?? deploymentIdOf(served.name, served.selectorText, targetName)
      const predictionLog = createPredictionLogWriter({ metadata: project.metadata, storage: project.storage, deployment: deploymentId, logger: project.logger })
      const runtime = await createServingRuntime({
        metadata: project.metadata,
        storage: project.storage,
        model: served.name,
        definition,
        selector: served.selectorText,
        ...(v.canary ?? v.shadow ? { challenger: (v.canary ?? v.shadow)! } : {}),
        predictionLog,
        pollMs,
        logger: project.logger,
      })
      const settings: Record<string, string> = {
        ...(v.port !== undefined ? { port: v.port } : {}),
        ...(v.host !== undefined ? { host: v.host } : {}),
        mode: v.canary ? 'canary' : v.shadow ? 'shadow' : 'single',
        ...(v.canary ? { canaryShare: String(share) } : {}),
        deployment: deploymentId,
        ...parseSettings(v.set ?? [], 'serve'),
      }
      let server
      try {
        server = await target.serve({ runtime, settings, signal: io.signal, logger: project.logger })
      } catch (error) {
        await runtime.close()
        throw error
      }
      const now = new Date().toISOString()
      const doc: DeploymentDoc = {
        id: deploymentId,
        target: targetName,
        model: served.name,
        selector: served.selector,
        resolved: { version: served.version.version, artifactHash: served.version.artifactHash },
        url: server.url,
        pid: process.pid,
        state: 'running',
        settings,
        createdAt: now,
        createdBy: resolveActor(undefined, io.env),
        updatedAt: now,
        detail: null,
      }
      await project.metadata.commit({
        writes: [{ collection: DEPLOYMENTS, key: deploymentId, value: doc }],
        events: [{ id: `deployment.started:${deploymentId}:${now}`, type: 'deployment.started', payload: { ...doc }, createdAt: now }],
      })
      io.stderr.write(`serving ${served.name}@${served.selectorText} (version ${served.version.version}) at ${server.url}\n`)
      await server.closed
      const stopped = new Date().toISOString()
      const stats = predictionLog.stats()
      await project.metadata.commit({ writes: [{ collection: DEPLOYMENTS, key: deploymentId, value: { ...doc, state: 'stopped', updatedAt: stopped, detail: `stopped; ${stats.written} predictions logged, ${stats.dropped} dropped` } }] })
      return { exitCode: 0, data: { deployment: deploymentId, predictionLog: stats }, human: `stopped ${deploymentId}: ${stats.written} predictions logged, ${stats.dropped} dropped` }
    } finally {
      await project.close()
    }
  },
}

export default command

import { relative } from 'node:path'
import { resolveActor, type DeployRequest } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { DEPLOYMENTS, deploymentIdOf, deployTarget, modelDefinition, parseSettings, resolveServed, type DeploymentDoc } from '../serving/targets.js'

const usage = `Usage: mlops deploy NAME[@ALIAS|:VERSION] --target http|k8s|… [--port 8080] [--set key=value]...
                    [--canary ALIAS --canary-share 0.1 | --shadow ALIAS] [--dry-run] [--json]

Deploys a registered model with a deploy target. http (built in) starts a model server in the
background that follows the alias (promotions and rollbacks need no redeploy); k8s (@mlops/deploy-k8s)
renders and applies Kubernetes manifests (--dry-run prints them). Deployments are recorded:
mlops deployments ls, mlops deployments stop ID.`

const command: CommandModule = {
  summary: 'Deploy a registered model: mlops deploy NAME@champion --target http [--port 8080]',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('deploy', {
      args: argv,
      options: {
        target: { type: 'string' },
        port: { type: 'string' },
        set: { type: 'string', multiple: true },
        canary: { type: 'string' },
        'canary-share': { type: 'string' },
        shadow: { type: 'string' },
        'dry-run': { type: 'boolean' },
        actor: { type: 'string' },
      },
    })
    const [ref, ...extra] = parsed.positionals
    if (!ref || extra.length) throw usageError('deploy', 'give exactly one model: NAME[@ALIAS|:VERSION]')
    const v = parsed.values
    if (!v.target) throw usageError('deploy', '--target is required (http, k8s, or a deploy target plugin of the config)')
    if (v.port !== undefined && !/^\d+$/.test(v.port)) throw usageError('deploy', `--port must be a number, got ${v.port}`)
    if (v.canary && v.shadow) throw usageError('deploy', '--canary and --shadow cannot be combined')
    const project = await openProject(io, globals, 'deploy')
    try {
      const served = await resolveServed(project, ref)
      modelDefinition(project, served.name)
      const target = await deployTarget(project, v.target)
      const deploymentId = deploymentIdOf(served.name, served.selectorText, v.target)
      const configArg = relative(project.config.root, project.config.file)
      const settings = { ...(v.port !== undefined ? { port: v.port } : {}), ...parseSettings(v.set ?? [], 'deploy') }
      const serveCommand = [
        'npx',
        'mlops',
        'serve',
        served.ref,
        '--target',
        'http',
        '--deployment',
        deploymentId,
        ...(configArg === 'mlops.config.ts' ? [] : ['--config', configArg]),
        ...(v.port !== undefined ? ['--port', v.port] : []),
        ...(v.canary ? ['--canary', v.canary, ...(v['canary-share'] ? ['--canary-share', v['canary-share']] : [])] : []),
        ...(v.shadow ? ['--shadow', v.shadow] : []),
        ...(v.set ?? []).flatMap((pair) => ['--set', pair]),
      ]
      const request: DeployRequest = {
        deploymentId,
        model: served.name,
        selector: served.selector,
        resolved: { version: served.version.version, artifactHash: served.version.artifactHash },
        project: { name: project.config.project, root: project.config.root, configFile: project.config.file },
        serveCommand,
        settings,
        ...(v['dry-run'] ? { dryRun: true } : {}),
      }
      const result = await target.deploy(request, { signal: io.signal })
      if (v['dry-run']) return { exitCode: 0, data: result, human: result.output ?? `dry run: would deploy ${deploymentId}` }
      const now = new Date().toISOString()
      const doc: DeploymentDoc = {
        id: deploymentId,
        target: v.target,
        model: served.name,
        selector: served.selector,
        resolved: request.resolved,
        url: result.url ?? null,
        pid: result.pid ?? null,
        state: result.state,
        settings,
        createdAt: now,
        createdBy: resolveActor(v.actor, io.env),
        updatedAt: now,
        detail: result.detail ?? null,
      }
      await project.metadata.commit({
        writes: [{ collection: DEPLOYMENTS, key: deploymentId, value: doc }],
        events: [{ id: `deployment.created:${deploymentId}:${now}`, type: 'deployment.created', payload: { ...doc }, createdAt: now }],
      })
      return {
        exitCode: 0,
        data: doc,
        human: `deployed ${served.name}@${served.selectorText} (version ${served.version.version}) with ${v.target}: ${deploymentId} ${result.state}${result.url ? ` at ${result.url}` : ''}`,
      }
    } finally {
      await project.close()
    }
  },
}

export default command

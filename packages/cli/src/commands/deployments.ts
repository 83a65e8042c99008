import { errors, formatModelRef, mlopsError } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { renderTable } from '../render/table.js'
import { DEPLOYMENTS, deployTarget, type DeploymentDoc } from '../serving/targets.js'

const usage = `Usage: mlops deployments ls [--json]
       mlops deployments stop ID [--json]

ls lists recorded deployments with their live state (asked from each target); stop undeploys one
(an http server drains its requests and prediction log first).`

const command: CommandModule = {
  summary: 'List deployments (deployments ls) or stop one (deployments stop ID)',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('deployments', { args: argv, options: {} })
    const [sub, id, ...extra] = parsed.positionals
    if (sub !== 'ls' && sub !== 'stop') throw usageError('deployments', sub ? `unknown subcommand "${sub}" (use ls or stop)` : 'a subcommand is needed (ls or stop)')
    if (extra.length || (sub === 'stop' && !id) || (sub === 'ls' && id)) throw usageError('deployments', sub === 'stop' ? 'stop needs one deployment ID' : 'ls takes no arguments')
    const project = await openProject(io, globals, 'deployments')
    try {
      const docs = (await project.metadata.listDocuments(DEPLOYMENTS)).map((d) => ({ doc: d.value as DeploymentDoc, revision: d.revision }))
      if (sub === 'ls') {
        const rows = []
        for (const { doc } of docs) {
          let state: string = doc.state
          let detail = doc.detail
          if (doc.state === 'running') {
            try {
              const target = await deployTarget(project, doc.target)
              const status = await target.status(doc.id)
              state = status.state
              detail = status.detail ?? detail
            } catch (error) {
              detail = `status unknown: ${error instanceof Error ? error.message : String(error)}`
            }
          }
          rows.push({ ...doc, state, detail })
        }
        const human = rows.length
          ? renderTable(
              ['ID', 'TARGET', 'MODEL', 'FOLLOWS', 'VERSION AT DEPLOY', 'STATE', 'URL'],
              rows.map((r) => [r.id, r.target, r.model, formatModelRef({ name: '', ...r.selector }), r.resolved.version, r.state, r.url ?? '']),
            )
          : 'No deployments yet: mlops deploy NAME@champion --target http'
        return { exitCode: 0, data: rows, human }
      }
      const found = docs.find((d) => d.doc.id === id)
      if (!found) throw mlopsError(errors.UsageInvalid, [`No deployment "${id}". Deployments: ${docs.map((d) => d.doc.id).join(', ') || 'none'}.`])
      const target = await deployTarget(project, found.doc.target)
      await target.undeploy(found.doc.id, { signal: io.signal })
      const now = new Date().toISOString()
      const doc = { ...found.doc, state: 'stopped' as const, updatedAt: now, detail: 'stopped by mlops deployments stop' }
      await project.metadata.commit({
        writes: [{ collection: DEPLOYMENTS, key: found.doc.id, value: doc }],
        events: [{ id: `deployment.stopped:${found.doc.id}:${now}`, type: 'deployment.stopped', payload: { ...doc }, createdAt: now }],
      })
      return { exitCode: 0, data: doc, human: `stopped ${found.doc.id}` }
    } finally {
      await project.close()
    }
  },
}

export default command

import { errors, mlopsError, Registry, resolveActor, resolveRun } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { notifyNow } from '../notify.js'

const usage = `Usage: mlops approve RUN_ID --reason TEXT [--actor WHO] [--json]

Approves the model versions a run registered that passed every other gate and wait for a manual
approval (gates.approval in mlops.config.ts), and promotes each to its alias. RUN_ID may be a unique
prefix. The approval goes into the audit log with who and why.`

const command: CommandModule = {
  summary: 'Approve the model versions of a run that wait for manual approval',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('approve', { args: argv, options: { reason: { type: 'string' }, actor: { type: 'string' } } })
    const [runRef, ...extra] = parsed.positionals
    if (!runRef || extra.length) throw usageError('approve', 'give exactly one RUN_ID')
    if (!parsed.values.reason) throw usageError('approve', 'give --reason "why" (it goes into the audit log)')
    const project = await openProject(io, globals, 'approve')
    try {
      const run = await resolveRun(project.metadata, runRef)
      const registry = new Registry(project.metadata)
      const versions = await registry.findVersionsByRun(run.id)
      const waiting = versions.filter((v) => v.status === 'awaiting-approval')
      if (!waiting.length) {
        const what = versions.length ? versions.map((v) => `${v.name}:${v.version} is ${v.status}`).join('; ') : 'it registered no model version'
        throw mlopsError(errors.ApprovalNotPending, [`run ${run.id}`, what])
      }
      const who = { actor: resolveActor(parsed.values.actor, io.env), reason: parsed.values.reason }
      const promoted = []
      for (const v of waiting) {
        const alias = project.config.models.get(v.name)?.config.alias ?? 'champion'
        const before = (await registry.getModel(v.name))?.aliases[alias]?.at(-1) ?? null
        await registry.approve(v.name, v.version, alias, who)
        promoted.push({ model: v.name, version: v.version, alias, from: before })
      }
      await notifyNow(project, io.signal)
      return {
        exitCode: 0,
        data: { runId: run.id, promoted },
        human: promoted.map((p) => `approved ${p.model}:${p.version}: ${p.model}@${p.alias} ${p.from ?? 'none'} → ${p.version}`).join('\n'),
      }
    } finally {
      await project.close()
    }
  },
}

export default command

import { errors, loadConfig, mlopsError, planRun } from '@mlops/core'
import type { CommandModule } from '../command.js'
import { renderTable } from '../render/table.js'

const command: CommandModule = {
  summary: 'List pipelines',
  usage: `Usage: mlops pipelines ls [--json]\n\nLists the pipelines of mlops.config.ts with their steps, dependencies and resolved params.`,
  async run(argv, io, globals) {
    const [sub = 'ls', ...extra] = argv
    if (sub !== 'ls' || extra.length) throw mlopsError(errors.UsageInvalid, ['usage: mlops pipelines ls'])
    const config = await loadConfig({ cwd: io.cwd, ...(globals.configPath !== undefined ? { configPath: globals.configPath } : {}), command: 'pipelines' })
    const pipelines = [...config.pipelines.keys()].map((name) => {
      const plan = planRun(config, name)
      return {
        name,
        description: config.pipelines.get(name)!.definition.description ?? null,
        codeVersion: plan.codeVersion,
        steps: plan.steps.map((s) => ({ id: s.id, step: s.stepName, dependsOn: s.dependsOn, params: s.params })),
      }
    })
    const rows = pipelines.flatMap((p) => p.steps.map((s, i) => [i === 0 ? p.name : '', s.id, s.dependsOn.join(', ') || '-', JSON.stringify(s.params)]))
    return { exitCode: 0, data: { pipelines }, human: renderTable(['PIPELINE', 'STEP', 'AFTER', 'PARAMS'], rows) }
  },
}

export default command

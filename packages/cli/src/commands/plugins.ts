import { errors, mlopsError } from '@mlops/core'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { renderTable } from '../render/table.js'

const command: CommandModule = {
  summary: 'List plugins',
  usage: `Usage: mlops plugins ls [--json]\n\nLists the plugins the config loads (and the embedded defaults in use) with versions, API versions and kinds.`,
  async run(argv, io, globals) {
    const [sub = 'ls', ...extra] = argv
    if (sub !== 'ls' || extra.length) throw mlopsError(errors.UsageInvalid, ['usage: mlops plugins ls'])
    const project = await openProject(io, globals, 'plugins')
    try {
      const rows = project.plugins.map((p) => [p.name, p.version ?? '-', String(p.apiVersion), p.kinds.join(', '), p.source])
      return { exitCode: 0, data: { plugins: project.plugins }, human: renderTable(['PLUGIN', 'VERSION', 'API', 'KINDS', 'SOURCE'], rows) }
    } finally {
      await project.close()
    }
  },
}

export default command

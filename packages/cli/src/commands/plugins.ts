import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { coreVersion, errors, mlopsError, SUPPORTED_PLUGIN_API_VERSIONS } from '@mlops/core'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { renderTable } from '../render/table.js'

const usage = `Usage: mlops plugins ls [--json] [--config PATH]

Lists the plugins of mlops.config.ts (its plugins array, in order) and the embedded defaults in use, each
with its package version, the plugin API version it implements and the kinds it provides. Loading them
checks each plugin as a run would: a plugin built for a plugin API this @mlops/core does not support, or
options its schema rejects, fail here with exit 2. Add a plugin with mlops add PACKAGE.`

/** The installed version of package `name`, looked up in node_modules folders from `fromDir` upward. */
function installedVersion(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not in this folder: keep going up
    }
    if (dirname(dir) === dir) return undefined
  }
}

const command: CommandModule = {
  summary: 'List plugins',
  usage,
  async run(argv, io, globals) {
    const [sub = 'ls', ...extra] = argv
    if (sub !== 'ls' || extra.length) throw mlopsError(errors.UsageInvalid, ['usage: mlops plugins ls'])
    const project = await openProject(io, globals, 'plugins')
    try {
      const cliDir = dirname(fileURLToPath(import.meta.url))
      // A plugin that does not declare its version shows its installed package's (plugin names are package names).
      const plugins = project.plugins.map((p) => ({
        ...p,
        version: p.version ?? installedVersion(p.name, p.source === 'embedded default' ? cliDir : project.config.root) ?? null,
      }))
      const core = { version: coreVersion(), pluginApi: [...SUPPORTED_PLUGIN_API_VERSIONS] }
      const rows = plugins.map((p) => [p.name, p.version ?? '-', String(p.apiVersion), p.kinds.join(', ') || '-', p.source])
      const human = `${renderTable(['PLUGIN', 'VERSION', 'API', 'KINDS', 'SOURCE'], rows)}\n@mlops/core ${core.version} supports plugin API ${core.pluginApi.join(', ')}\n`
      return { exitCode: 0, data: { plugins, core }, human }
    } finally {
      await project.close()
    }
  },
}

export default command

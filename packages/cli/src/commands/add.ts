import { readFile } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import { assertPluginApiSupported, findConfigFile, type PluginFactory } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { addPluginToConfig, type AddPluginEdit } from '../add/edit-config.js'
import { importPluginFactory } from '../add/load-plugin.js'
import { npmInstall } from '../add/npm-install.js'
import { parseOptionArgs, type ParsedOptions } from '../add/option-args.js'
import { parsePackageSpec } from '../add/package-spec.js'
import { toSourceText } from '../add/text-style.js'
import { validatePluginOptions } from '../add/validate-options.js'
import { replaceFileAtomically } from '../add/write-file-atomic.js'

const usage = `Usage: mlops add PACKAGE [--option key=value]... [--no-install] [--dry-run] [--json] [--config PATH]

Adds a plugin to mlops.config.ts: installs PACKAGE (npm install PACKAGE in the config's folder), checks
that its default export is an mlops plugin this @mlops/core supports and that the options pass the
plugin's schema, then inserts two things and changes nothing else (formatting and comments stay):
  import notifyWebhook from '@mlops/notify-webhook'       after the last import
  notifyWebhook({ url: 'https://…' })                     at the end of plugins: [...] (created if missing)
It follows export default defineConfig({...}), a config held in a const, and a config function
(defineConfig((env) => ({...}))). Where the file does not show the plugins array (a config built at
run time, a spread that may set plugins, plugins that is not an array literal) it refuses and changes nothing.

PACKAGE is a name (@mlops/notify-webhook, @mlops/notify-webhook@^0.2), a local folder (file:../my-plugin)
or a packed tarball (./my-plugin-0.1.0.tgz).

Options:
  --option key=value  a plugin option (repeatable): 5 is a number, true/false booleans, "5" (quoted)
                      a string, anything else a string; parent.key=value sets a nested option
  --no-install        skip npm install (the package is already installed)
  --dry-run           print the change as a unified diff; install and write nothing
  --json              print { package, importName, file, line, ... } (with --dry-run: the diff)

Exit codes: 0 added (or the diff printed), 2 bad usage, npm install failed, the package is not a
plugin or targets another plugin API, an option is not valid, or the config cannot be edited.`

const command: CommandModule = {
  summary: 'Install a plugin and add it to mlops.config.ts',
  usage,
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs('add', {
      args: argv,
      options: {
        option: { type: 'string', multiple: true },
        'no-install': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    })
    if (positionals.length !== 1) {
      throw usageError('add', positionals.length === 0 ? 'name the plugin package: mlops add @mlops/notify-webhook' : `add takes one package, got ${positionals.join(' ')}`)
    }
    const dryRun = values['dry-run'] === true
    const install = values['no-install'] !== true && !dryRun
    const spec = await parsePackageSpec(positionals[0]!, io.cwd)
    let options = parseOptionArgs(values.option ?? [])

    const configFile = findConfigFile(io.cwd, globals.configPath)
    const root = dirname(configFile)
    const displayName = relative(io.cwd, configFile) || configFile
    const original = await readFile(configFile, 'utf8')
    // ts-morph costs ~460 ms to load: only this command pays it.
    const morph = await import('ts-morph')
    const plan = (opts: ParsedOptions): AddPluginEdit =>
      addPluginToConfig(morph, original, configFile, {
        packageName: spec.name,
        displayName,
        renderCall: (name, style) => `${name}(${Object.keys(opts.value).length ? toSourceText(opts.value, style.quote) : ''})`,
      })
    // Refuse before installing anything when the config cannot take the plugin.
    plan(options)

    if (install) {
      io.stderr.write(`npm install ${spec.installSpec} (in ${relative(io.cwd, root) || '.'})\n`)
      await npmInstall(spec.installSpec, root, { json: globals.json, signal: io.signal, env: io.env })
    }
    let factory: PluginFactory | undefined
    try {
      factory = await importPluginFactory(configFile, spec.name, root)
    } catch (error) {
      // A dry run installs nothing, so the package may be missing: show the edit, unchecked.
      if (!(dryRun && (error as { code?: string }).code === 'MLOPS_ADD_PACKAGE_NOT_FOUND')) throw error
      io.stderr.write(`warn ${spec.name} is not installed: the plugin and its options were not checked\n`)
    }
    if (factory) {
      assertPluginApiSupported(factory.definition, `mlops add ${spec.name}`)
      options = validatePluginOptions(factory, options)
    }
    const edit = plan(options)
    const plugin = factory
      ? { name: factory.definition.name, version: factory.definition.version ?? null, apiVersion: factory.definition.apiVersion }
      : null
    const data = {
      package: spec.name,
      importName: edit.importName,
      file: displayName,
      line: edit.line,
      index: edit.index,
      options: options.value,
      installed: install,
      plugin,
    }

    if (dryRun) {
      const { createTwoFilesPatch } = await import('diff')
      const label = displayName.replace(/\\/g, '/')
      const diff = createTwoFilesPatch(`a/${label}`, `b/${label}`, original, edit.text, undefined, undefined, { context: 3 })
      const body = diff.replace(/^=+\r?\n/m, '')
      return { exitCode: 0, data: { ...data, dryRun: true, diff: body }, human: body }
    }

    await replaceFileAtomically(configFile, original, edit.text)
    const call = `${edit.importName}(${Object.keys(options.value).length ? toSourceText(options.value, "'") : ''})`
    return {
      exitCode: 0,
      data: { ...data, dryRun: false },
      human: `added ${spec.name} to ${displayName}:${edit.line} as plugins[${edit.index}]: ${call}\n`,
    }
  },
}

export default command

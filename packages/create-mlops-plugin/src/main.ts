import { parseArgs } from 'node:util'
import { ScaffoldError } from './errors.js'
import { KIND_INFO, PLUGIN_KINDS } from './kinds.js'
import { scaffoldPlugin } from './scaffold.js'

export interface Io {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  cwd: string
}

export const usage = `Usage: npm create mlops-plugin@latest DIR -- --kind KIND [--name NAME] [--spec PKG=SPEC ...] [--json]
       create-mlops-plugin DIR --kind KIND [options]

Writes a ready mlops plugin package into DIR (a new or empty folder): definePlugin with zod options, a
working implementation of the kind, a vitest file running @mlops/testkit's conformance suite, README,
tsconfig and package.json. Then: cd DIR && npm install && npm test

  --kind KIND        one of: ${PLUGIN_KINDS.join(', ')}
  --name NAME        the npm package name (default: the folder's name)
  --spec PKG=SPEC    depend on PKG through SPEC instead of the released version, e.g.
                     --spec @mlops/core=file:../mlops-core-0.1.0.tgz (repeatable); a package
                     the plugin does not depend on directly goes to npm's overrides
  --core-spec SPEC   short for --spec @mlops/core=SPEC
  --testkit-spec SPEC short for --spec @mlops/testkit=SPEC
  --json             print the result as JSON
  -h, --help         this help

Kinds:
${PLUGIN_KINDS.map((k) => `  ${k.padEnd(14)} ${KIND_INFO[k].description}`).join('\n')}

Exit codes: 0 written, 2 bad name, kind or folder (nothing written), 70 an unexpected error.`

function parseSpecs(values: string[]): Record<string, string> {
  const specs: Record<string, string> = {}
  for (const value of values) {
    const at = value.indexOf('=', 1)
    if (at <= 0 || at === value.length - 1) {
      throw new ScaffoldError(`--spec ${value}: expected PKG=SPEC.`, 'For example: --spec @mlops/core=file:../mlops-core-0.1.0.tgz')
    }
    specs[value.slice(0, at)] = value.slice(at + 1)
  }
  return specs
}

/** Returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const json = argv.includes('--json')
  try {
    let parsed
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          kind: { type: 'string' },
          name: { type: 'string' },
          spec: { type: 'string', multiple: true },
          'core-spec': { type: 'string' },
          'testkit-spec': { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      })
    } catch (error) {
      throw new ScaffoldError(`${(error as Error).message}.`, 'Run create-mlops-plugin --help for the options.')
    }
    const { values, positionals } = parsed
    if (values.help) {
      io.stdout.write(`${usage}\n`)
      return 0
    }
    if (positionals.length !== 1) {
      throw new ScaffoldError(
        positionals.length === 0 ? 'No folder given.' : `Expected one folder, got ${positionals.length}: ${positionals.join(' ')}.`,
        `Usage: create-mlops-plugin DIR --kind KIND, with KIND one of ${PLUGIN_KINDS.join(', ')}.`,
      )
    }
    const specs = parseSpecs(values.spec ?? [])
    if (values['core-spec']) specs['@mlops/core'] = values['core-spec']
    if (values['testkit-spec']) specs['@mlops/testkit'] = values['testkit-spec']
    const result = await scaffoldPlugin({
      dir: positionals[0]!,
      kind: values.kind ?? '',
      cwd: io.cwd,
      specs,
      ...(values.name === undefined ? {} : { name: values.name }),
    })
    if (json) {
      io.stdout.write(`${JSON.stringify(result)}\n`)
    } else {
      io.stdout.write(
        `Created ${result.name} (${result.kind} plugin, factory ${result.factory}) in ${result.dir}:\n` +
          result.files.map((f) => `  ${f}\n`).join('') +
          `\nNext:\n${result.next.map((c) => `  ${c}\n`).join('')}`,
      )
    }
    return 0
  } catch (error) {
    if (error instanceof ScaffoldError) {
      if (json) io.stdout.write(`${JSON.stringify({ error: { message: error.message, hint: error.hint, exit: error.exit } })}\n`)
      io.stderr.write(`create-mlops-plugin: ${error.message}\n  ${error.hint}\n`)
      return error.exit
    }
    if (json) io.stdout.write(`${JSON.stringify({ error: { message: String((error as Error)?.message ?? error), exit: 70 } })}\n`)
    io.stderr.write(`create-mlops-plugin: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
    return 70
  }
}

import { readFileSync } from 'node:fs'
import type { CommandIo, GlobalOptions } from './command.js'
import { commands, summaries } from './commands/index.js'
import { formatError, errorJson, exitCodeOf } from './render/errors.js'

export function processIo(signal: AbortSignal): CommandIo {
  const isTTY = process.stdout.isTTY === true
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    isInteractive: isTTY && process.stderr.isTTY === true && !process.env.CI,
    useColor: isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    signal,
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function helpText(): string {
  const width = Math.max(...Object.keys(summaries).map((n) => n.length))
  return [
    'mlops: typed ML pipelines, lineage, drift and the loop that keeps models working.',
    '',
    'Usage: mlops <command> [options]',
    '',
    'Commands:',
    ...Object.entries(summaries).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`),
    '',
    'Global options:',
    '  --config PATH  use this config instead of the nearest mlops.config.ts',
    '  --json         print one JSON document on stdout',
    '  --help, -h     show help (also: mlops <command> --help)',
    '  --version      print the version',
    '',
    'Exit codes: 0 ok, 1 a check failed, 2 bad usage/config/input, 70 internal error.',
    '',
  ].join('\n')
}

/** Splits the global flags (anywhere on the line) from the command's own arguments. */
function splitGlobals(argv: string[]): { globals: GlobalOptions; rest: string[]; help: boolean; version: boolean; problem?: string } {
  const rest: string[] = []
  let json = false
  let configPath: string | undefined
  let help = false
  let showVersion = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (arg === '--json') json = true
    else if (arg === '--config') {
      configPath = argv[++i]
      if (configPath === undefined) return { globals: { json, configPath }, rest, help, version: showVersion, problem: '--config needs a path' }
    } else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length)
    else if (arg === '--help' || arg === '-h') help = true
    else if (arg === '--version' || arg === '-v') showVersion = true
    else rest.push(arg)
  }
  return { globals: { json, configPath }, rest, help, version: showVersion }
}

/** Core is imported only on this error path: `mlops --help` must not pay for it. */
async function usageError(reason: string): Promise<Error> {
  const { mlopsError, errors } = await import('@mlops/core')
  return mlopsError(errors.UsageInvalid, [reason])
}

/** Returns the exit code (ESLint's cli.js style); the bin sets process.exitCode. */
export async function main(argv: string[], io?: CommandIo): Promise<number> {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130) // a second Ctrl-C: leave now
    controller.abort(new Error(`Interrupted by ${name}`))
  }
  const ownsProcess = io === undefined
  if (ownsProcess) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  const commandIo = io ?? processIo(controller.signal)
  let json = argv.includes('--json')
  try {
    const { globals, rest, help, version: showVersion, problem } = splitGlobals(argv)
    json = globals.json
    if (problem) throw await usageError(problem)
    const [name, ...args] = rest
    if (showVersion && name === undefined) {
      commandIo.stdout.write(json ? `${JSON.stringify({ version: version() })}\n` : `${version()}\n`)
      return 0
    }
    if (name === undefined || name === 'help') {
      commandIo.stdout.write(helpText())
      return name === undefined && !help ? 2 : 0
    }
    const load = commands[name]
    if (!load) throw await usageError(`Unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}.`)
    const command = (await load()).default
    if (help) {
      commandIo.stdout.write(`${command.usage.trimEnd()}\n`)
      return 0
    }
    const result = await command.run(args, commandIo, globals)
    if (json) commandIo.stdout.write(`${JSON.stringify(result.data)}\n`)
    else if (result.human) commandIo.stdout.write(result.human.endsWith('\n') ? result.human : `${result.human}\n`)
    return result.exitCode
  } catch (error) {
    if (json) commandIo.stdout.write(`${JSON.stringify({ error: await errorJson(error) })}\n`)
    commandIo.stderr.write(await formatError(error, commandIo))
    return exitCodeOf(error)
  } finally {
    if (ownsProcess) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

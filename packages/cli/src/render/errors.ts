import type { CommandIo } from '../command.js'
import { colors } from './colors.js'

interface ErrorLike {
  message: string
  code?: string
  hint?: string
  exit?: number
  loc?: { file?: string; line?: number; path?: string }
  stack?: string
  cause?: unknown
}

function isBranded(error: unknown): error is ErrorLike & { exit: 1 | 2 | 70 } {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for('@mlops/core/MlopsError')] === true
}

export function exitCodeOf(error: unknown): 1 | 2 | 70 {
  return isBranded(error) ? error.exit : 70
}

export async function errorJson(error: unknown): Promise<unknown> {
  const { serializeError } = await import('@mlops/core')
  const data = serializeError(error)
  return { ...data, exit: exitCodeOf(error) }
}

/** What happened, where, what to do; a bug (exit 70) also gets the stack and a request to report it. */
export async function formatError(error: unknown, io: CommandIo): Promise<string> {
  const c = colors(io.useColor)
  const exit = exitCodeOf(error)
  const e = (error instanceof Error || isBranded(error) ? error : new Error(String(error))) as ErrorLike
  const lines = [`${c.red('error')} ${e.message}`]
  if (isBranded(error)) {
    if (e.loc?.file) lines.push(`  ${c.dim('at')} ${e.loc.file}${e.loc.line ? `:${e.loc.line}` : ''}${e.loc.path ? ` › ${e.loc.path}` : ''}`)
    let cause = e.cause as ErrorLike | undefined
    for (let depth = 0; cause && depth < 3; depth++) {
      if (cause.message && !e.message.includes(cause.message)) lines.push(`  ${c.dim('cause')} ${cause.message}`)
      cause = cause.cause as ErrorLike | undefined
    }
    if (e.hint) lines.push(`  ${c.cyan('hint')} ${e.hint}`)
    if (e.code) lines.push(`  ${c.dim(e.code)}`)
  } else if (exit === 70) {
    lines.push(c.dim(e.stack ?? ''))
    lines.push(`  ${c.cyan('hint')} This is a bug in mlops: please report it with the output above.`)
  }
  return `${lines.join('\n')}\n`
}

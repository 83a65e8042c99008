import { formatPath } from '@mlops/core'
import { usageError } from '../args.js'

export interface ParsedOptions {
  /** The options object, values typed: `5` a number, `true`/`false` booleans, `"5"` (quoted) or anything else a string. */
  value: Record<string, unknown>
  /** Each given leaf as typed on the command line, by its path (`tls.ca`), for retrying a value as a string. */
  raw: Map<string, { path: string[]; text: string }>
}

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/

/** `--option key=value` text to a typed value. JSON arrays/objects are taken as JSON. */
export function parseOptionValue(text: string): unknown {
  if (text === 'true') return true
  if (text === 'false') return false
  if (text === 'null') return null
  if (NUMBER.test(text)) {
    const n = Number(text)
    // Keep digits that a double would change (ids, long numbers) as written.
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(text))) return n
    return text
  }
  const first = text.charAt(0)
  if ((first === '"' && text.endsWith('"') && text.length >= 2) || first === '[' || first === '{') {
    try {
      return JSON.parse(text) as unknown
    } catch {
      if (first === '"') return text.slice(1, -1)
      return text
    }
  }
  if (first === "'" && text.endsWith("'") && text.length >= 2) return text.slice(1, -1)
  return text
}

/** Parses repeated `--option key=value` / `--option parent.key=value` into one options object. */
export function parseOptionArgs(args: readonly string[]): ParsedOptions {
  const value: Record<string, unknown> = {}
  const raw = new Map<string, { path: string[]; text: string }>()
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) throw usageError('add', `--option takes key=value (for example --option url=https://example.com), got "${arg}"`)
    const path = arg.slice(0, eq).split('.')
    if (path.some((part) => part.trim() === '' || part !== part.trim())) {
      throw usageError('add', `--option "${arg.slice(0, eq)}" is not a key path (use letters and dots: --option tls.ca=...)`)
    }
    const text = arg.slice(eq + 1)
    let target = value
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!
      const next = target[key]
      if (next === undefined) target = target[key] = {} as Record<string, unknown>
      else if (typeof next === 'object' && next !== null && !Array.isArray(next) && !raw.has(formatPath('', path.slice(0, i + 1)))) target = next as Record<string, unknown>
      else throw usageError('add', `--option ${path.join('.')} conflicts with --option ${path.slice(0, i + 1).join('.')}: one sets a value, the other a key inside it`)
    }
    const leaf = path[path.length - 1]!
    const pathText = formatPath('', path)
    if (raw.has(pathText)) throw usageError('add', `--option ${path.join('.')} is given twice`)
    if (leaf in target) throw usageError('add', `--option ${path.join('.')} conflicts with an --option inside it`)
    target[leaf] = parseOptionValue(text)
    raw.set(pathText, { path, text })
  }
  return { value, raw }
}

/** The same options with the leaf at `path` set to its text as typed: `--option token=0123` meant a string. */
export function withLeafAsString(options: ParsedOptions, pathText: string): ParsedOptions | undefined {
  const leaf = options.raw.get(pathText)
  if (!leaf || typeof valueAt(options.value, leaf.path) === 'string') return undefined
  const copy = structuredClone(options.value)
  let target = copy
  for (const key of leaf.path.slice(0, -1)) target = target[key] as Record<string, unknown>
  target[leaf.path[leaf.path.length - 1]!] = leaf.text
  return { value: copy, raw: options.raw }
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) current = (current as Record<string, unknown> | undefined)?.[key]
  return current
}

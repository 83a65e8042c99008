/** How a source file is written, so inserted text looks like the user's own. */
export interface TextStyle {
  eol: '\n' | '\r\n'
  quote: "'" | '"'
  semicolons: boolean
  /** One indentation level: two spaces, four spaces or a tab. */
  indentUnit: string
  /** Multi-line lists end with a comma after the last item. */
  trailingCommas: boolean
}

export function detectTextStyle(text: string, hints: { quote?: "'" | '"'; semicolons?: boolean } = {}): TextStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  let quote = hints.quote
  if (quote === undefined) {
    const single = text.match(/'/g)?.length ?? 0
    const double = text.match(/"/g)?.length ?? 0
    quote = double > single ? '"' : "'"
  }
  return {
    eol,
    quote,
    semicolons: hints.semicolons ?? false,
    indentUnit: detectIndentUnit(text),
    trailingCommas: /,[ \t]*(\/\/[^\n]*)?\r?\n[ \t]*[\]})]/.test(text),
  }
}

function detectIndentUnit(text: string): string {
  let smallest = Number.POSITIVE_INFINITY
  for (const line of text.split(/\r?\n/)) {
    const indent = /^[ \t]*/.exec(line)![0]
    if (indent === '' || indent.length === line.length) continue
    if (indent.startsWith('\t')) return '\t'
    // Continuation lines of block comments (` * text`) are indented by one space: not a level.
    if (/^ +\*/.test(line)) continue
    smallest = Math.min(smallest, indent.length)
  }
  return Number.isFinite(smallest) && smallest >= 2 && smallest <= 8 ? ' '.repeat(smallest) : '  '
}

/** The whitespace at the start of the line holding `pos`. */
export function indentOfLineAt(text: string, pos: number): string {
  const start = lineStartOf(text, pos)
  return /^[ \t]*/.exec(text.slice(start))![0]
}

export function lineStartOf(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1
}

/** 1-based line of `pos`. */
export function lineOf(text: string, pos: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** A string literal in the file's quote style. */
export function quoteString(value: string, quote: "'" | '"'): string {
  const json = JSON.stringify(value)
  if (quote === '"') return json
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** A value parsed from `--option` flags as TypeScript source: `{ url: 'https://…', tls: { ca: 'x' } }`. */
export function toSourceText(value: unknown, quote: "'" | '"'): string {
  if (typeof value === 'string') return quoteString(value, quote)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return `[${value.map((v) => toSourceText(v, quote)).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return '{}'
    const props = entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : quoteString(k, quote)}: ${toSourceText(v, quote)}`)
    return `{ ${props.join(', ')} }`
  }
  throw new TypeError(`cannot write a ${typeof value} as source text`)
}

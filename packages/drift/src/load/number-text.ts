/**
 * The number rules of the drift reference (README "Rules the numbers depend on"): a cell is numeric when
 * Python's `float()` accepts it, and integer-typed when it matches `^[+-]?\d+$`. The byte parser in
 * csv-parser.ts handles the common spellings inline; everything else comes here as text.
 */

// Python float(): optional surrounding whitespace, sign, digits with single underscores between them,
// optional fraction and exponent, or inf / infinity / nan in any case.
const DIGITS = String.raw`\d(?:_?\d)*`
const PYTHON_FLOAT = new RegExp(
  String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`,
  'i',
)
const INTEGER_LITERAL = /^[+-]?\d+$/
// Python strips these before parsing (str.strip() whitespace, ASCII subset and the common Unicode spaces).
const PY_WHITESPACE = /^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g

/** The value Python's `float(text)` gives, or undefined where it raises. NaN for "nan". */
export function parsePythonFloat(text: string): number | undefined {
  const trimmed = text.replace(PY_WHITESPACE, '')
  if (!PYTHON_FLOAT.test(trimmed)) return undefined
  const lower = trimmed.toLowerCase()
  const sign = lower.startsWith('-') ? -1 : 1
  const body = lower.replace(/^[+-]/, '')
  if (body === 'inf' || body === 'infinity') return sign * Infinity
  if (body === 'nan') return NaN
  return Number(trimmed.replaceAll('_', ''))
}

export function isIntegerLiteral(text: string): boolean {
  return INTEGER_LITERAL.test(text)
}

/** Exact powers of ten: `m / 10^k` and `m * 10^k` round correctly while m < 2^53 and k <= 22 (Clinger's fast path). */
export const POW10: Float64Array = (() => {
  const out = new Float64Array(23)
  let v = 1
  for (let i = 0; i < 23; i++) {
    out[i] = v
    v *= 10
  }
  return out
})()

import { TextDecoder } from 'node:util'
import { isIntegerLiteral, parsePythonFloat, POW10 } from './number-text.js'

/**
 * A byte-level RFC 4180 CSV parser that writes straight into typed columns.
 *
 * Why hand-written: numbers are parsed from the bytes without creating a string per cell, so 20M cells
 * cost one pass over the buffer and no garbage (TOOLCHAIN.md's duckdb path needs 1.0–1.3 s for 10 columns
 * plus ~750 MB RSS; see the package README for the measurements). The parser is fed whole chunks and stops
 * at the last complete record, so the caller can stream a file of any size through a fixed buffer.
 *
 * Every column starts out numeric. A column whose non-empty cell does not parse as a Python float is
 * marked in `needsText`: the caller re-parses the file with that column as text (in practice this is
 * decided on the first data row, so the restart costs nothing).
 */

const COMMA = 0x2c
const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const E_LOWER = 0x65
const E_UPPER = 0x45
const MAX_EXACT_MANTISSA = 9007199254740992 // 2^53

export interface ParsedNumericColumn {
  kind: 'numeric'
  values: Float64Array
  /** Every cell is an integer literal and none is empty (pandas would give int64). */
  isInteger: boolean
}

export interface ParsedCategoricalColumn {
  kind: 'categorical'
  /** Index into `labels`; -1 for an empty cell. */
  codes: Int32Array
  labels: string[]
}

export type ParsedColumn = ParsedNumericColumn | ParsedCategoricalColumn

export class CsvFormatError extends Error {
  readonly line: number
  constructor(line: number, message: string) {
    super(message)
    this.line = line
  }
}

/** Splits one header record (already known to be complete) into field texts. */
export function parseHeader(buf: Uint8Array, start: number, end: number): { names: string[]; next: number } | undefined {
  const names: string[] = []
  let pos = start
  const decoder = new TextDecoder()
  for (;;) {
    let text: string
    if (pos < end && buf[pos] === QUOTE) {
      const q = readQuoted(buf, pos, end, decoder)
      if (!q) return undefined
      text = q.text
      pos = q.next
    } else {
      let p = pos
      while (p < end) {
        const c = buf[p]!
        if (c === COMMA || c === LF || c === CR) break
        p++
      }
      text = decoder.decode(buf.subarray(pos, p))
      pos = p
    }
    names.push(text)
    if (pos >= end) return { names, next: end } // header without newline at end of file
    const c = buf[pos]!
    if (c === COMMA) {
      pos++
      continue
    }
    if (c === CR) pos++
    if (pos < end && buf[pos] === LF) pos++
    else if (c === LF) pos++
    return { names, next: pos }
  }
}

function readQuoted(buf: Uint8Array, pos: number, end: number, decoder: TextDecoder): { text: string; next: number } | undefined {
  // pos is at the opening quote
  let p = pos + 1
  let hasEscapes = false
  for (;;) {
    const q = buf.indexOf(QUOTE, p)
    if (q === -1 || q >= end) return undefined
    if (q + 1 < end && buf[q + 1] === QUOTE) {
      hasEscapes = true
      p = q + 2
      continue
    }
    if (q + 1 >= end) {
      // could be an escaped quote split by the chunk boundary: the caller decides with `final`
      const text = decoder.decode(buf.subarray(pos + 1, q))
      return { text: hasEscapes ? text.replaceAll('""', '"') : text, next: q + 1 }
    }
    const text = decoder.decode(buf.subarray(pos + 1, q))
    // RFC 4180 has nothing between the closing quote and the delimiter; like Python's csv, keep such bytes.
    let next = q + 1
    let tail = ''
    while (next < end) {
      const c = buf[next]!
      if (c === COMMA || c === LF || c === CR) break
      next++
    }
    if (next > q + 1) tail = decoder.decode(buf.subarray(q + 1, next))
    return { text: (hasEscapes ? text.replaceAll('""', '"') : text) + tail, next }
  }
}

export class CsvColumnParser {
  readonly columnCount: number
  /** Rows written so far. */
  rows = 0
  /** Data lines seen (for error messages: line = header lines + this + 1). */
  private readonly firstDataLine: number
  private capacity: number
  private readonly isText: boolean[]
  private readonly numeric: (Float64Array | undefined)[]
  private readonly allInteger: boolean[]
  private readonly codes: (Int32Array | undefined)[]
  /** Allocate columns in SharedArrayBuffers (parsing in a worker: the main thread then gets them without a copy). */
  private readonly shared: boolean
  private readonly dictionaries: (Map<string, number> | undefined)[]
  private readonly labels: (string[] | undefined)[]
  /** Columns seen holding a cell that is not a number: re-parse with them as text. */
  readonly needsText: Set<number> = new Set()
  /** Number of `"` bytes consumed (parallel range parsing checks quote parity with it). */
  quoteBytes = 0
  private readonly decoder = new TextDecoder()

  /** Columns left out (`--columns`): scanned past, never stored. */
  private readonly skipped: boolean[]

  constructor(
    columnCount: number,
    textColumns: ReadonlySet<number>,
    initialCapacity: number,
    firstDataLine: number,
    shared = false,
    skipColumns: ReadonlySet<number> = new Set(),
  ) {
    this.columnCount = columnCount
    this.skipped = Array.from({ length: columnCount }, (_, c) => skipColumns.has(c))
    this.shared = shared
    this.firstDataLine = firstDataLine
    this.capacity = Math.max(16, initialCapacity)
    this.isText = []
    this.numeric = []
    this.allInteger = []
    this.codes = []
    this.dictionaries = []
    this.labels = []
    for (let c = 0; c < columnCount; c++) {
      const skip = this.skipped[c]!
      const text = textColumns.has(c) || skip // a skipped column takes the cheap text path
      this.isText.push(text)
      this.numeric.push(text ? undefined : this.float64(this.capacity))
      this.allInteger.push(true)
      this.codes.push(text && !skip ? this.int32(this.capacity) : undefined)
      this.dictionaries.push(text ? new Map() : undefined)
      this.labels.push(text ? [] : undefined)
    }
  }

  private float64(length: number): Float64Array {
    return this.shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length)
  }

  private int32(length: number): Int32Array {
    return this.shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length)
  }

  private grow(): void {
    const next = Math.ceil(this.capacity * 1.5) + 16
    for (let c = 0; c < this.columnCount; c++) {
      const n = this.numeric[c]
      if (n) {
        const bigger = this.float64(next)
        bigger.set(n.subarray(0, this.rows))
        this.numeric[c] = bigger
      }
      const k = this.codes[c]
      if (k) {
        const bigger = this.int32(next)
        bigger.set(k.subarray(0, this.rows))
        this.codes[c] = bigger
      }
    }
    this.capacity = next
  }

  /**
   * Parses complete records in buf[start, end), where buf[end - 1] is a line feed (the caller cuts chunks
   * after their last LF and ends the file with one): digit loops then need no bounds check, since no number
   * runs past a line feed. Returns the offset of the first byte not consumed (the start
   * of an incomplete record), or `end` when `final` and everything was consumed.
   */
  parse(buf: Uint8Array, start: number, end: number, final: boolean): number {
    const columnCount = this.columnCount
    const numeric = this.numeric
    const isText = this.isText
    let pos = start
    while (pos < end) {
      // skip blank lines (Python's csv yields an empty row for them, which has no cells to read)
      const first = buf[pos]!
      if (first === LF) {
        pos++
        continue
      }
      if (first === CR) {
        if (pos + 1 < end) {
          pos += buf[pos + 1] === LF ? 2 : 1
          continue
        }
        if (final) {
          pos++
          continue
        }
        return pos
      }
      if (this.rows === this.capacity) this.grow()
      const row = this.rows
      const recordStart = pos
      let col = 0
      let complete = false
      let quotesInRecord = 0
      for (;;) {
        // one field starting at pos
        let fieldEnd: number
        let terminator: number // byte after the field: COMMA, LF, CR or -1 at end of data
        if (pos < end && buf[pos] === QUOTE) {
          // quoted field: find the closing quote (doubled quotes are escapes)
          let p = pos + 1
          let closed = -1
          while (p < end) {
            const q = buf.indexOf(QUOTE, p)
            if (q === -1 || q >= end) break
            if (q + 1 < end && buf[q + 1] === QUOTE) {
              quotesInRecord += 2
              p = q + 2
              continue
            }
            if (q + 1 >= end && !final) break // an escape pair may continue in the next chunk
            closed = q
            break
          }
          if (closed === -1) {
            if (!final) return recordStart
            throw new CsvFormatError(this.firstDataLine + row, 'a quoted field is not closed before the end of the file')
          }
          quotesInRecord += 2
          let next = closed + 1
          while (next < end) {
            const c = buf[next]!
            if (c === COMMA || c === LF || c === CR) break
            next++
          }
          if (next >= end && !final) return recordStart
          fieldEnd = next
          terminator = next < end ? buf[next]! : -1
          if (col < columnCount && !this.skipped[col]) {
            let text = this.decoder.decode(buf.subarray(pos + 1, closed))
            if (text.includes('""')) text = text.replaceAll('""', '"')
            if (next > closed + 1) text += this.decoder.decode(buf.subarray(closed + 1, next))
            this.storeText(col, row, text)
          }
        } else if (col < columnCount && !isText[col]) {
          // unquoted numeric field, parsed inline: sign, digits, fraction, exponent
          let p = pos
          let c = p < end ? buf[p]! : -1
          let negative = false
          if (c === MINUS) {
            negative = true
            c = buf[++p]!
          } else if (c === PLUS) {
            c = buf[++p]!
          }
          // Digits accumulate into a double: exact while it stays below 2^53; past that (or with a long
          // fraction or a big exponent) the value is taken from the text instead, so no digit count is needed.
          let mantissa = 0
          let exponent = 0
          let isInt = true
          const intStart = p
          while ((c - ZERO) >>> 0 <= 9) {
            mantissa = mantissa * 10 + (c - ZERO)
            c = buf[++p]!
          }
          let sawDigit = p > intStart
          if (c === DOT) {
            isInt = false
            c = buf[++p]!
            const fractionStart = p
            while ((c - ZERO) >>> 0 <= 9) {
              mantissa = mantissa * 10 + (c - ZERO)
              c = buf[++p]!
            }
            exponent = fractionStart - p
            if (p > fractionStart) sawDigit = true
          }
          if (sawDigit && (c === E_LOWER || c === E_UPPER)) {
            isInt = false
            let q = p + 1
            let ec = q < end ? buf[q]! : -1
            let expNegative = false
            if (ec === MINUS || ec === PLUS) {
              expNegative = ec === MINUS
              ec = buf[++q]!
            }
            let e = 0
            let expDigits = 0
            while ((ec - ZERO) >>> 0 <= 9) {
              if (e < 100000) e = e * 10 + (ec - ZERO)
              expDigits++
              ec = buf[++q]!
            }
            if (expDigits > 0) {
              exponent += expNegative ? -e : e
              p = q
              c = ec
            } else {
              sawDigit = false // "1e" is not a number: let the text path decide
            }
          }
          if (p >= end && !final) return recordStart
          const arr = numeric[col]!
          if (sawDigit && (c === COMMA || c === LF || c === CR || c === -1)) {
            fieldEnd = p
            terminator = c
            let value: number
            if (mantissa < MAX_EXACT_MANTISSA && exponent >= -22 && exponent <= 22) {
              value = exponent < 0 ? mantissa / POW10[-exponent]! : mantissa * POW10[exponent]!
            } else {
              value = Number(this.decoder.decode(buf.subarray(pos, p)))
            }
            // int("-0") is 0; float("-0.0") is -0.0
            arr[row] = negative ? (isInt && value === 0 ? 0 : -value) : value
            if (!isInt) this.allInteger[col] = false
          } else if (!sawDigit && p === pos && (c === COMMA || c === LF || c === CR || c === -1)) {
            // empty cell: missing, and the column is no longer integer-typed in this file
            fieldEnd = p
            terminator = c
            arr[row] = NaN
            this.allInteger[col] = false
          } else {
            // something else (whitespace, inf, nan, underscores, text): find the end of the field
            let q = p
            while (q < end) {
              const b = buf[q]!
              if (b === COMMA || b === LF || b === CR) break
              q++
            }
            if (q >= end && !final) return recordStart
            fieldEnd = q
            terminator = q < end ? buf[q]! : -1
            this.storeText(col, row, this.decoder.decode(buf.subarray(pos, q)))
          }
        } else {
          // unquoted text field
          let q = pos
          while (q < end) {
            const b = buf[q]!
            if (b === COMMA || b === LF || b === CR) break
            q++
          }
          if (q >= end && !final) return recordStart
          fieldEnd = q
          terminator = q < end ? buf[q]! : -1
          if (col < columnCount && !this.skipped[col]) this.storeText(col, row, this.decoder.decode(buf.subarray(pos, q)))
        }
        col++
        if (terminator === COMMA) {
          pos = fieldEnd + 1
          continue
        }
        // end of record
        if (terminator === CR) {
          if (fieldEnd + 1 < end) pos = buf[fieldEnd + 1] === LF ? fieldEnd + 2 : fieldEnd + 1
          else if (final) pos = fieldEnd + 1
          else return recordStart
        } else if (terminator === LF) {
          pos = fieldEnd + 1
        } else {
          pos = end
        }
        complete = true
        break
      }
      if (!complete) return recordStart
      if (col !== columnCount) {
        throw new CsvFormatError(
          this.firstDataLine + row,
          `has ${col} field${col === 1 ? '' : 's'}; the header has ${columnCount}`,
        )
      }
      this.quoteBytes += quotesInRecord
      this.rows = row + 1
    }
    return pos
  }

  /** A cell given as text (quoted, or not in the inline number syntax). */
  private storeText(col: number, row: number, text: string): void {
    if (this.isText[col]) {
      const codes = this.codes[col]!
      if (text === '') {
        codes[row] = -1
        return
      }
      const dict = this.dictionaries[col]!
      let code = dict.get(text)
      if (code === undefined) {
        code = this.labels[col]!.length
        dict.set(text, code)
        this.labels[col]!.push(text)
      }
      codes[row] = code
      return
    }
    const arr = this.numeric[col]!
    if (text === '') {
      arr[row] = NaN
      this.allInteger[col] = false
      return
    }
    const value = parsePythonFloat(text)
    if (value === undefined) {
      this.needsText.add(col)
      arr[row] = NaN
      return
    }
    // Number(text) rounds like float(int(text)) does, so integer literals need no special path.
    arr[row] = value
    if (!isIntegerLiteral(text)) this.allInteger[col] = false
  }

  /** The parsed columns, trimmed to the row count (copied only when the estimate overshot by more than 2%). */
  finish(): (ParsedColumn | undefined)[] {
    const out: (ParsedColumn | undefined)[] = []
    const rows = this.rows
    const trim = rows < this.capacity * 0.98
    for (let c = 0; c < this.columnCount; c++) {
      const n = this.numeric[c]
      if (this.skipped[c]) {
        out.push(undefined)
      } else if (n) {
        const values = trim ? this.float64(rows) : n.subarray(0, rows)
        if (trim) values.set(n.subarray(0, rows))
        out.push({ kind: 'numeric', values, isInteger: this.allInteger[c]! && rows > 0 })
      } else {
        const k = this.codes[c]!
        const codes = trim ? this.int32(rows) : k.subarray(0, rows)
        if (trim) codes.set(k.subarray(0, rows))
        out.push({ kind: 'categorical', codes, labels: this.labels[c]! })
      }
    }
    return out
  }
}

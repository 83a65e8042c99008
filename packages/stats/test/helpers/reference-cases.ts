/**
 * Loads the drift reference cases (shared/stats-reference/<case>/{reference,current}.csv and
 * expected.json) with the README's rules, for tests of any kernel:
 *  - a column is numeric when every non-empty cell of both files parses as a number (Python float());
 *  - empty cells are missing; missing values and ±inf are dropped per file before any test;
 *  - a numeric column is integer-typed in a file iff it has no empty cell there and every cell is an
 *    integer literal (this changes numpy's 'sturges' binning).
 * The shared folder is found beside the repository (repoRoot/../shared) or at $MLOPS_SHARED_DIR.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** packages/stats/test/helpers -> repository root */
export const repoRoot = resolve(here, '../../../..')

export function sharedDir(): string {
  return process.env.MLOPS_SHARED_DIR ? resolve(process.env.MLOPS_SHARED_DIR) : resolve(repoRoot, '../shared')
}

export function referenceDir(): string {
  return join(sharedDir(), 'stats-reference')
}

/** Case folder names (01_no_drift ...) in `dir`, sorted; empty when the folder is missing. */
export function listReferenceCases(dir = referenceDir()): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'expected.json')))
    .map((e) => e.name)
    .sort()
}

/** Minimal RFC 4180 reader (quotes, doubled quotes, CRLF); returns rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else {
          quoted = false
        }
      } else {
        cell += ch
      }
    } else if (ch === '"') {
      quoted = true
    } else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else {
      cell += ch
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell)
    rows.push(row)
  }
  return rows
}

/** Columns of a CSV file by header name, in header order; short rows read as empty cells. */
export function readCsvColumns(path: string): Map<string, string[]> {
  const rows = parseCsv(readFileSync(path, 'utf8'))
  const header = rows[0] ?? []
  const columns = new Map<string, string[]>()
  header.forEach((name, j) => {
    columns.set(
      name,
      rows.slice(1).map((r) => r[j] ?? ''),
    )
  })
  return columns
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const SPECIAL = /^[+-]?(inf|infinity|nan)$/i
const INTEGER = /^[+-]?\d+$/

/** Python float(cell) for the forms a CSV holds; undefined when it would raise. */
export function parsePythonFloat(cell: string): number | undefined {
  const s = cell.trim()
  if (DECIMAL.test(s)) return Number(s)
  if (SPECIAL.test(s)) {
    const neg = s.startsWith('-')
    return /nan/i.test(s) ? NaN : neg ? -Infinity : Infinity
  }
  return undefined
}

export interface SampleCells {
  /** every cell of the column, empty ones included */
  raw: string[]
  /** non-empty cells, in file order (categorical values) */
  values: string[]
  /** numeric columns: the finite parsed numbers in file order (missing, NaN and ±inf dropped); else null */
  numbers: Float64Array | null
  /** numeric columns: int64 dtype in pandas terms (no empty cell, every cell an integer literal) */
  isInteger: boolean
}

export interface ReferenceColumn {
  name: string
  type: 'numeric' | 'categorical'
  reference: SampleCells
  current: SampleCells
}

export interface ExpectedTest {
  test: string
  statistic?: number | string | null
  pValue?: number | string | null
  drift?: boolean
  threshold?: number
  rule?: string
  error?: string
  undefined?: string
  pValueAbsTol?: number
  statisticAlternatives?: (number | string)[]
  detail?: Record<string, unknown>
}

export interface ExpectedColumn {
  name: string
  type: 'numeric' | 'categorical'
  autoTest: string
  n: { reference: number; current: number }
  tests: ExpectedTest[]
}

export interface ExpectedCase {
  case: string
  columns: ExpectedColumn[]
  dataset: Record<string, unknown>
  [key: string]: unknown
}

export interface ReferenceCase {
  name: string
  dir: string
  expected: ExpectedCase
  columns: ReferenceColumn[]
}

function isNumericColumn(ref: string[], cur: string[]): boolean {
  for (const cells of [ref, cur]) {
    for (const c of cells) if (c !== '' && parsePythonFloat(c) === undefined) return false
  }
  return true
}

function sampleCells(raw: string[], numeric: boolean): SampleCells {
  const values = raw.filter((c) => c !== '')
  if (!numeric) return { raw, values, numbers: null, isInteger: false }
  const nums: number[] = []
  for (const c of values) {
    const v = parsePythonFloat(c)!
    if (Number.isFinite(v)) nums.push(v)
  }
  const isInteger = raw.every((c) => INTEGER.test(c))
  return { raw, values, numbers: Float64Array.from(nums), isInteger }
}

/** expected.json's number encoding: non-finite values are the strings "NaN", "Infinity", "-Infinity". */
export function expectedNumber(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'number') return v
  if (v === 'NaN') return NaN
  if (v === 'Infinity') return Infinity
  if (v === '-Infinity') return -Infinity
  throw new Error(`expected.json: not a number: ${JSON.stringify(v)}`)
}

export function loadReferenceCase(name: string, dir = referenceDir()): ReferenceCase {
  const caseDir = join(dir, name)
  const expected = JSON.parse(readFileSync(join(caseDir, 'expected.json'), 'utf8')) as ExpectedCase
  const ref = readCsvColumns(join(caseDir, 'reference.csv'))
  const cur = readCsvColumns(join(caseDir, 'current.csv'))
  const columns: ReferenceColumn[] = []
  for (const [colName, refCells] of ref) {
    const curCells = cur.get(colName) ?? []
    const numeric = isNumericColumn(refCells, curCells)
    columns.push({
      name: colName,
      type: numeric ? 'numeric' : 'categorical',
      reference: sampleCells(refCells, numeric),
      current: sampleCells(curCells, numeric),
    })
  }
  return { name, dir: caseDir, expected, columns }
}

/** A sorted copy, as the kernels take their input. */
export function sorted(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort()
}

// check_drift.py's tolerances: statistics to a relative 1e-9, p-values to 1e-6, or 1e-12 absolute.
export const STAT_RTOL = 1e-9
export const P_RTOL = 1e-6
export const ATOL = 1e-12

export function relErr(a: number, e: number): number {
  if (a === e || (Number.isNaN(a) && Number.isNaN(e))) return 0
  if (!Number.isFinite(a) || !Number.isFinite(e)) return Infinity
  return Math.abs(a - e) / Math.max(Math.abs(a), Math.abs(e))
}

export function close(a: number, e: number, rtol: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(e)) return relErr(a, e) === 0
  return Math.abs(a - e) <= rtol * Math.max(Math.abs(a), Math.abs(e)) || Math.abs(a - e) <= ATOL
}

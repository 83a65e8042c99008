/**
 * The whole registry against the drift reference cases: every column, every stattest id Evidently
 * registers for it (plus the automatic one), the automatic choice and the dataset block, with
 * check_drift.py's tolerances. The report is also written to a temp dir and handed to
 * check_drift.py itself when python3 is available.
 *
 * Cases generated with other seeds can be checked too:
 *   REF_SEED=777 python3 gen_reference.py /tmp/refcases-777
 *   MLOPS_EXTRA_REFERENCE_DIRS=/tmp/refcases-777 npx vitest run --project @mlops/stats stattests-reference
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  autoTest,
  categoricalColumn,
  datasetDrift,
  numericColumn,
  runStatTest,
  type ColumnData,
  type StatTestOutcome,
} from '../src/stattests/index.js'
import {
  expectedNumber,
  listReferenceCases,
  loadReferenceCase,
  referenceDir,
  type ExpectedTest,
  type ReferenceCase,
  ATOL,
  close,
  P_RTOL,
  relErr,
  STAT_RTOL,
} from './helpers/reference-cases.js'

// TVD replays 1,000 legacy-numpy permutations: ~10^8 Mersenne Twister draws for the 95,000-row case
const COLUMN_TIMEOUT_MS = 120_000


/** check_drift.py's rules for one entry; returns the problems found. */
function compareEntry(got: StatTestOutcome, exp: ExpectedTest): string[] {
  if (exp.undefined !== undefined) return []
  if (exp.error !== undefined) return 'error' in got ? [] : [`expected an error (${exp.error.slice(0, 60)}), got ${JSON.stringify(got)}`]
  if ('error' in got) return [`unexpected error: ${got.error}`]
  const problems: string[] = []
  const eStat = expectedNumber(exp.statistic)
  let statOk = true
  if (eStat !== null) {
    const candidates = [eStat, ...(exp.statisticAlternatives ?? []).map((v) => expectedNumber(v)!)]
    if (got.statistic === null) {
      problems.push(`statistic null, expected ${eStat}`)
      statOk = false
    } else if (!candidates.some((c) => close(got.statistic!, c, STAT_RTOL))) {
      problems.push(`statistic ${got.statistic}, expected ${eStat} (rel err ${relErr(got.statistic, eStat).toExponential(2)})`)
      statOk = false
    }
  }
  const eP = expectedNumber(exp.pValue)
  let pOk = true
  let pTol: number | undefined
  if (eP !== null) {
    if (got.pValue === null) {
      problems.push(`pValue null, expected ${eP}`)
      pOk = false
    } else if (exp.pValueAbsTol !== undefined) {
      pTol = exp.pValueAbsTol
      if (!(Math.abs(got.pValue - eP) <= pTol)) {
        problems.push(`permutation pValue ${got.pValue}, expected ${eP} ± ${pTol}`)
        pOk = false
      }
    } else if (!close(got.pValue, eP, P_RTOL)) {
      problems.push(`pValue ${got.pValue}, expected ${eP} (rel err ${relErr(got.pValue, eP).toExponential(2)})`)
      pOk = false
    }
  }
  if (exp.drift !== undefined && got.drift !== exp.drift && statOk && pOk) {
    const score = exp.rule?.startsWith('pValue') ? eP : eStat
    const thr = exp.threshold!
    const near =
      score !== null &&
      (pTol !== undefined ? Math.abs(score - thr) <= pTol : !Number.isNaN(score) && Math.abs(score - thr) <= Math.max(P_RTOL * Math.abs(thr), ATOL))
    if (!near) problems.push(`drift ${got.drift}, expected ${exp.drift} (${exp.rule}, value ${score}, threshold ${thr})`)
  }
  return problems
}

function prepare(c: ReferenceCase['columns'][number]): [ColumnData, ColumnData] {
  if (c.type === 'numeric') {
    return [
      numericColumn(c.reference.numbers!, { isInteger: c.reference.isInteger, keepRowOrder: true }),
      numericColumn(c.current.numbers!, { isInteger: c.current.isInteger, keepRowOrder: true }),
    ]
  }
  return [categoricalColumn(c.reference.values), categoricalColumn(c.current.values)]
}

/** JSON numbers as check_drift.py reads them. */
function jsonNumber(v: number | null): number | string | null {
  if (v === null) return null
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return 'Infinity'
  if (v === -Infinity) return '-Infinity'
  return v
}

const dirs = [referenceDir(), ...(process.env.MLOPS_EXTRA_REFERENCE_DIRS ?? '').split(':').filter(Boolean)]

for (const dir of dirs) {
  const cases = listReferenceCases(dir)
  describe(`stattest registry vs reference cases in ${dir}`, () => {
    it('finds the cases', () => {
      expect(cases.length, `no reference cases in ${dir} (set MLOPS_SHARED_DIR)`).toBeGreaterThan(0)
    })
    for (const name of cases) {
      describe(name, () => {
        const refCase = loadReferenceCase(name, dir)
        const report: { columns: unknown[]; dataset?: unknown } = { columns: [] }
        const autoDrifts: boolean[] = []
        for (const expCol of refCase.expected.columns) {
          it(`column ${expCol.name}`, () => {
            const col = refCase.columns.find((c) => c.name === expCol.name)
            expect(col, `column ${expCol.name} missing from the CSV`).toBeDefined()
            expect(col!.type).toBe(expCol.type)
            const [reference, current] = prepare(col!)
            const auto = autoTest(reference, current)
            const problems: string[] = []
            if (auto !== expCol.autoTest) problems.push(`autoTest ${auto}, expected ${expCol.autoTest}`)
            const tests: unknown[] = []
            for (const exp of expCol.tests) {
              const got = runStatTest(exp.test, reference, current)
              tests.push(
                'error' in got
                  ? got
                  : { test: got.test, statistic: jsonNumber(got.statistic), pValue: jsonNumber(got.pValue), drift: got.drift },
              )
              for (const p of compareEntry(got, exp)) problems.push(`${exp.test}: ${p}`)
              // with the rows in file order, TVD replays numpy's permutation stream: its p-value is exact
              if (exp.test === 'TVD' && !('error' in got) && exp.pValue !== undefined && got.pValue !== expectedNumber(exp.pValue)) {
                problems.push(`TVD: pValue ${got.pValue} is not exactly Evidently's ${String(exp.pValue)}`)
              }
              if (exp.test === auto) autoDrifts.push('error' in got ? false : got.drift)
            }
            report.columns.push({ name: expCol.name, type: col!.type, autoTest: auto, tests })
            if (problems.length > 0) expect.fail(`${expCol.name}:\n  ${problems.join('\n  ')}`)
          }, COLUMN_TIMEOUT_MS)
        }
        it('dataset drift', () => {
          expect(autoDrifts).toHaveLength(refCase.expected.columns.length)
          const dataset = datasetDrift(autoDrifts)
          report.dataset = dataset
          const exp = refCase.expected.dataset
          expect(dataset.numberOfColumns).toBe(exp.numberOfColumns)
          expect(dataset.numberOfDriftedColumns).toBe(exp.numberOfDriftedColumns)
          expect(dataset.shareOfDriftedColumns).toBeCloseTo(exp.shareOfDriftedColumns as number, 12)
          expect(dataset.datasetDrift).toBe(exp.datasetDrift)
        })
        it('check_drift.py accepts the report', (ctx) => {
          const probe = spawnSync('python3', ['--version'])
          if (probe.error || probe.status !== 0) {
            if (process.env.CI === 'true') throw new Error('python3 is required in CI to run check_drift.py')
            ctx.skip()
            return
          }
          const tmp = mkdtempSync(join(tmpdir(), 'mlops-stattests-'))
          try {
            const actualPath = join(tmp, `${name}.json`)
            writeFileSync(actualPath, JSON.stringify(report))
            const res = spawnSync('python3', [join(referenceDir(), 'check_drift.py'), refCase.dir, actualPath, '--quiet'], {
              encoding: 'utf8',
            })
            expect(res.status, `${res.stdout}\n${res.stderr}`).toBe(0)
          } finally {
            rmSync(tmp, { recursive: true, force: true })
          }
        })
      })
    }
  })
}

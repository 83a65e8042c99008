/**
 * Every numeric kernel against the drift reference cases (Evidently 0.7.21 stattests on scipy 1.17),
 * with check_drift.py's tolerances: statistic relative 1e-9, p-value relative 1e-6 (absolute
 * 1e-12 for both), permutation p-values within the case's pValueAbsTol, and an `error` entry
 * meaning the kernel must refuse with a StatsInputError.
 *
 * Extra case folders generated with other seeds (`REF_SEED=12345 python3 gen_reference.py DIR`)
 * can be checked too: MLOPS_EXTRA_REFERENCE_DIRS=DIR[:DIR...].
 */
import { describe, expect, it } from 'vitest'
import { StatsInputError } from '../src/errors.js'
import { NUMERIC_KERNELS } from '../src/numeric/registry.js'
import type { NumericKernel } from '../src/numeric/types.js'
import {
  expectedNumber,
  listReferenceCases,
  loadReferenceCase,
  referenceDir,
  sorted,
  type ExpectedTest,
  ATOL,
  close,
  P_RTOL,
  relErr,
  STAT_RTOL,
} from './helpers/reference-cases.js'

const KERNELS: Record<string, NumericKernel> = NUMERIC_KERNELS

/**
 * empirical_mmd permutes rows in the order it is given; in file order its permutations are
 * Evidently's own (numpy legacy MT19937 seeded with 0), so its p-value is held to this much
 * tighter bound than the case's ±0.2 (the remaining slack covers permutations that tie with the
 * observed statistic on discrete data, which numpy's rounding decides either way).
 */
const FILE_ORDER_KERNELS = new Set(['empirical_mmd'])
const MMD_FILE_ORDER_P_ATOL = 0.1


/** Returns a failure message, or null when the kernel's output matches the expected entry. */
function compare(kernel: NumericKernel, ref: Float64Array, cur: Float64Array, exp: ExpectedTest): string | null {
  if (exp.error !== undefined) {
    try {
      const got = kernel(ref, cur)
      return `expected an error (${exp.error}), got ${JSON.stringify(got)}`
    } catch (e) {
      return e instanceof StatsInputError ? null : `expected a StatsInputError, got ${String(e)}`
    }
  }
  let got
  try {
    got = kernel(ref, cur)
  } catch (e) {
    return `threw ${String(e)}`
  }
  const eStat = expectedNumber(exp.statistic)
  const eP = expectedNumber(exp.pValue)
  const problems: string[] = []
  if (eStat !== null && !close(got.statistic, eStat, STAT_RTOL)) {
    problems.push(`statistic ${got.statistic}, expected ${eStat} (rel ${relErr(got.statistic, eStat).toExponential(2)})`)
  }
  if (eP !== null) {
    if (got.pValue === null) problems.push(`pValue null, expected ${eP}`)
    else if (exp.pValueAbsTol !== undefined) {
      if (!(Math.abs(got.pValue - eP) <= exp.pValueAbsTol)) {
        problems.push(`permutation pValue ${got.pValue}, expected ${eP} ± ${exp.pValueAbsTol}`)
      }
    } else if (!close(got.pValue, eP, P_RTOL)) {
      problems.push(`pValue ${got.pValue}, expected ${eP} (rel ${relErr(got.pValue, eP).toExponential(2)})`)
    }
  } else if (got.pValue !== null && !Number.isNaN(got.pValue)) {
    problems.push(`pValue ${got.pValue} where the reference has none`)
  }
  return problems.length ? problems.join('; ') : null
}

function checkCases(dir: string, label: string): void {
  const cases = listReferenceCases(dir)
  describe(`${label} (${dir})`, () => {
    it('has reference cases', () => {
      expect(cases.length).toBeGreaterThan(0)
    })
    for (const name of cases) {
      it(name, () => {
        const c = loadReferenceCase(name, dir)
        const failures: string[] = []
        let checked = 0
        for (const col of c.columns) {
          if (col.type !== 'numeric') continue
          const expCol = c.expected.columns.find((e) => e.name === col.name)
          if (!expCol) throw new Error(`${name}: column ${col.name} missing from expected.json`)
          const ref = sorted(col.reference.numbers!)
          const cur = sorted(col.current.numbers!)
          const refFileOrder = col.reference.numbers!
          const curFileOrder = col.current.numbers!
          expect(ref.length).toBe(expCol.n.reference)
          expect(cur.length).toBe(expCol.n.current)
          for (const exp of expCol.tests) {
            const kernel = KERNELS[exp.test]
            if (!kernel || exp.undefined !== undefined) continue
            checked++
            const fileOrder = FILE_ORDER_KERNELS.has(exp.test)
            const tightened = fileOrder && exp.pValueAbsTol !== undefined ? { ...exp, pValueAbsTol: MMD_FILE_ORDER_P_ATOL } : exp
            const msg = fileOrder ? compare(kernel, refFileOrder, curFileOrder, tightened) : compare(kernel, ref, cur, exp)
            if (msg) failures.push(`${col.name}/${exp.test}: ${msg}`)
            // sorted input is valid too, within the case's own permutation tolerance (checked on the
            // smaller columns only: each call is O(N²))
            if (fileOrder && ref.length + cur.length <= 1500) {
              const sortedMsg = compare(kernel, ref, cur, exp)
              if (sortedMsg) failures.push(`${col.name}/${exp.test} (sorted input): ${sortedMsg}`)
            }
          }
        }
        expect(failures).toEqual([])
        if (c.columns.some((col) => col.type === 'numeric')) expect(checked).toBeGreaterThan(0)
      }, 120_000) // empirical_mmd is O(N²) per column on a shared 2-core machine
    }
  })
}

checkCases(referenceDir(), 'numeric kernels match the shared reference cases')
for (const extra of (process.env.MLOPS_EXTRA_REFERENCE_DIRS ?? '').split(':').filter(Boolean)) {
  checkCases(extra, 'numeric kernels match extra reference cases')
}

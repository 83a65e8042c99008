/**
 * The stattest registry: definitions, applicability, drift rules, automatic test choice and the
 * dataset rule. The numbers themselves are checked against the reference cases in
 * stattests-reference.test.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  autoTest,
  categoricalColumn,
  categoricalColumnFromProfile,
  datasetDrift,
  getStatTest,
  isDrift,
  isStatTestId,
  numericColumn,
  runStatTest,
  STAT_TEST_IDS,
  STAT_TESTS,
  statTestsFor,
} from '../src/stattests/index.js'

const ALL_IDS = 'ks chisquare z jensenshannon kl_div psi wasserstein anderson cramer_von_mises mannw t_test ed es hellinger TVD fisher_exact g_test empirical_mmd'.split(' ')

describe('registry', () => {
  it("holds every Evidently stattest with its default threshold and rule", () => {
    expect([...STAT_TEST_IDS].sort()).toEqual([...ALL_IDS].sort())
    const expected: Record<string, [number, string]> = {
      ks: [0.05, 'pValue <= threshold'],
      cramer_von_mises: [0.1, 'pValue <= threshold'],
      chisquare: [0.05, 'pValue < threshold'],
      z: [0.05, 'pValue < threshold'],
      t_test: [0.05, 'pValue < threshold'],
      mannw: [0.05, 'pValue < threshold'],
      es: [0.05, 'pValue < threshold'],
      anderson: [0.1, 'pValue < threshold'],
      fisher_exact: [0.1, 'pValue < threshold'],
      g_test: [0.1, 'pValue < threshold'],
      TVD: [0.1, 'pValue < threshold'],
      empirical_mmd: [0.1, 'pValue < threshold'],
      jensenshannon: [0.1, 'statistic >= threshold'],
      kl_div: [0.1, 'statistic >= threshold'],
      psi: [0.1, 'statistic >= threshold'],
      wasserstein: [0.1, 'statistic >= threshold'],
      hellinger: [0.1, 'statistic >= threshold'],
      ed: [0.1, 'statistic > threshold'],
    }
    for (const id of ALL_IDS) {
      const t = getStatTest(id)
      expect([t.defaultThreshold, t.driftRule], id).toEqual(expected[id])
      expect(t.isPValueTest, id).toBe(expected[id]![1].startsWith('pValue'))
    }
  })
  it('lists the tests Evidently registers per column type', () => {
    expect(statTestsFor('numeric').sort()).toEqual(
      ['ks', 'wasserstein', 'psi', 'jensenshannon', 'kl_div', 'anderson', 'cramer_von_mises', 'mannw', 't_test', 'ed', 'es', 'hellinger', 'empirical_mmd'].sort(),
    )
    expect(statTestsFor('categorical').sort()).toEqual(['chisquare', 'z', 'g_test', 'fisher_exact', 'TVD', 'psi', 'jensenshannon', 'kl_div', 'hellinger'].sort())
    expect(STAT_TESTS.chisquare.acceptsNumericAsCategories).toBe(true)
    expect(STAT_TESTS.g_test.acceptsNumericAsCategories).toBe(false)
  })
  it('rejects unknown ids, naming the known ones', () => {
    expect(isStatTestId('ks')).toBe(true)
    expect(isStatTestId('KS')).toBe(false)
    expect(isStatTestId('toString')).toBe(false)
    expect(() => getStatTest('kolmogorov')).toThrow(/Unknown stattest "kolmogorov".*ks, chisquare/)
  })
})

describe('runStatTest', () => {
  const num = numericColumn([1, 2, 2, 3, 3, 3, 1, 2], { isInteger: true })
  const numCur = numericColumn([1, 1, 2, 3, 3, 3, 2, 2], { isInteger: true })
  const cat = categoricalColumn(['a', 'b', 'b', 'c'])
  const catCur = categoricalColumn(['a', 'a', 'b', 'c'])

  it('throws for a test that does not apply to the column type, or mixed kinds', () => {
    expect(() => runStatTest('g_test', num, numCur)).toThrow(/does not apply to numeric columns/)
    expect(() => runStatTest('ks', cat, catCur)).toThrow(/does not apply to categorical columns/)
    expect(() => runStatTest('psi', num, cat)).toThrow(/reference is numeric but current is categorical/)
    expect(() => runStatTest('nope', num, numCur)).toThrow(RangeError)
  })
  it('runs chisquare and z on a numeric column as categories', () => {
    const chi = runStatTest('chisquare', num, numCur)
    expect('error' in chi).toBe(false)
    expect(runStatTest('z', num, numCur)).toMatchObject({ test: 'z', statistic: 0, pValue: 1, drift: false })
  })
  it('returns an error entry where the test cannot be computed', () => {
    const out = runStatTest('fisher_exact', cat, catCur)
    expect(out).toEqual({ test: 'fisher_exact', error: expect.stringMatching(/unique categories > 2/) as unknown as string })
    expect(runStatTest('psi', numericColumn([]), numCur)).toMatchObject({ test: 'psi', error: expect.stringMatching(/no finite values/) as unknown as string })
  })
  it('applies a threshold override', () => {
    const base = runStatTest('psi', cat, catCur)
    expect('error' in base).toBe(false)
    if ('error' in base) return
    expect(base.threshold).toBe(0.1)
    const strict = runStatTest('psi', cat, catCur, { threshold: base.statistic! })
    expect(strict).toMatchObject({ threshold: base.statistic, drift: true })
    const loose = runStatTest('psi', cat, catCur, { threshold: base.statistic! * 2 })
    expect(loose).toMatchObject({ drift: false })
    expect(() => runStatTest('psi', cat, catCur, { threshold: NaN })).toThrow(RangeError)
  })
  it('gives the same result from a stored profile as from raw labels', () => {
    const profile = categoricalColumnFromProfile(new Map([['c', 1], ['b', 2], ['a', 1]]))
    for (const id of ['chisquare', 'z', 'psi', 'kl_div', 'jensenshannon', 'hellinger'] as const) {
      expect(runStatTest(id, profile, catCur), id).toEqual(runStatTest(id, cat, catCur))
    }
  })
  it('drops missing and infinite values from numeric input', () => {
    const col = numericColumn([3, NaN, 1, Infinity, -Infinity, 2])
    expect(Array.from(col.sorted)).toEqual([1, 2, 3])
    expect(col.isInteger).toBe(false)
  })
})

describe('isDrift', () => {
  it('uses each rule at the threshold itself', () => {
    expect(isDrift(STAT_TESTS.ks, 0.3, 0.05)).toBe(true)
    expect(isDrift(STAT_TESTS.cramer_von_mises, 0.3, 0.1)).toBe(true)
    expect(isDrift(STAT_TESTS.chisquare, 3, 0.05)).toBe(false)
    expect(isDrift(STAT_TESTS.psi, 0.1, null)).toBe(true)
    expect(isDrift(STAT_TESTS.ed, 0.1, null)).toBe(false)
    expect(isDrift(STAT_TESTS.ed, 0.1000001, null)).toBe(true)
  })
  it('never drifts on a missing or NaN score', () => {
    expect(isDrift(STAT_TESTS.t_test, NaN, NaN)).toBe(false)
    expect(isDrift(STAT_TESTS.z, null, null)).toBe(false)
    expect(isDrift(STAT_TESTS.psi, NaN, null)).toBe(false)
  })
})

describe('autoTest', () => {
  const range = (n: number, k: number) => Array.from({ length: n }, (_, i) => i % k)
  it('uses the small-data tests up to 1000 reference rows', () => {
    expect(autoTest(numericColumn(range(1000, 6)), numericColumn(range(10, 6)))).toBe('ks')
    expect(autoTest(numericColumn(range(1000, 5)), numericColumn(range(10, 5)))).toBe('chisquare')
    expect(autoTest(numericColumn(range(1000, 2)), numericColumn(range(10, 2)))).toBe('z')
    expect(autoTest(categoricalColumn(['a', 'b']), categoricalColumn(['c']))).toBe('chisquare')
    expect(autoTest(categoricalColumn(['a', 'b']), categoricalColumn(['b']))).toBe('z')
  })
  it('counts distinct values over reference and current together', () => {
    expect(autoTest(numericColumn(range(100, 3)), numericColumn([10, 11, 12]))).toBe('ks')
  })
  it('uses wasserstein or jensenshannon above 1000 reference rows', () => {
    expect(autoTest(numericColumn(range(1001, 6)), numericColumn(range(10, 6)))).toBe('wasserstein')
    expect(autoTest(numericColumn(range(1001, 5)), numericColumn(range(10, 5)))).toBe('jensenshannon')
    expect(autoTest(categoricalColumnFromProfile({ a: 600, b: 401 }), categoricalColumn(['a']))).toBe('jensenshannon')
  })
})

describe('datasetDrift', () => {
  it('drifts when at least the drift share of columns drift', () => {
    expect(datasetDrift([true, false])).toEqual({
      driftShare: 0.5,
      numberOfColumns: 2,
      numberOfDriftedColumns: 1,
      shareOfDriftedColumns: 0.5,
      datasetDrift: true,
    })
    expect(datasetDrift([true, false, false]).datasetDrift).toBe(false)
    expect(datasetDrift([true, false, false], 0.3).datasetDrift).toBe(true)
    expect(datasetDrift([]).datasetDrift).toBe(false)
  })
})

/**
 * Categorical kernels. Expected values from scipy 1.17 and the reference generator's definitions
 * (shared/stats-reference/gen_reference.py), including the numbers asserted by Evidently's own
 * tests/stattests/test_stattests.py.
 */
import { describe, expect, it } from 'vitest'
import {
  alignCategoryCounts,
  alignSortedValues,
  chiSquare,
  compareCodePoints,
  countLabels,
  countsFromProfile,
  fisherExact,
  fisherExact2x2,
  gTest,
  hellingerCategorical,
  jensenShannonCategorical,
  klDivCategorical,
  psiCategorical,
  totalVariationDistance,
  zTest,
} from '../src/categorical/index.js'
import { StatsInputError } from '../src/errors.js'

function expectRel(got: number | null, want: number, rtol = 1e-12): void {
  expect(got).not.toBeNull()
  expect(Math.abs(got! - want) <= rtol * Math.abs(want), `got ${got}, want ${want}`).toBe(true)
}

function rep(values: string[], counts: number[]): string[] {
  return values.flatMap((v, i) => Array<string>(counts[i]!).fill(v))
}

const labels = (ref: string[], cur: string[]) => alignCategoryCounts(countLabels(ref), countLabels(cur))

describe('category counts', () => {
  it("orders categories like Python's sorted(), by code point", () => {
    const words = ['b', 'a', 'é', 'Z', '\u{1F600}', '\uFF01', 'ab', '']
    // Python: sorted(...) == ['', 'Z', 'a', 'ab', 'b', 'é', '！', '😀']
    expect([...words].sort(compareCodePoints)).toEqual(['', 'Z', 'a', 'ab', 'b', 'é', '\uFF01', '\u{1F600}'])
  })
  it('aligns raw labels and profiles over the sorted union, dropping zero counts', () => {
    const a = alignCategoryCounts(countLabels(['y', 'x', 'y']), countsFromProfile({ z: 2, y: 1, w: 0 }))
    expect(a.categories).toEqual(['x', 'y', 'z'])
    expect(Array.from(a.reference)).toEqual([1, 2, 0])
    expect(Array.from(a.current)).toEqual([0, 1, 2])
    expect([a.referenceTotal, a.currentTotal]).toEqual([3, 3])
    expect(a.referenceCodes).toBeUndefined()
  })
  it('remaps row codes onto the aligned categories', () => {
    const a = labels(['q', 'p', 'q'], ['r', 'p'])
    expect(Array.from(a.referenceCodes!)).toEqual([1, 0, 1])
    expect(Array.from(a.currentCodes!)).toEqual([2, 0])
  })
  it('treats distinct numeric values as categories', () => {
    const a = alignSortedValues(Float64Array.of(1, 2, 2), Float64Array.of(-0, 0, 2, 3))
    expect(a.categories).toEqual([-0, 1, 2, 3])
    expect(Array.from(a.reference)).toEqual([0, 1, 2, 0])
    expect(Array.from(a.current)).toEqual([2, 0, 1, 1])
  })
  it('rejects malformed counts', () => {
    expect(() => countsFromProfile({ a: -1 })).toThrow(RangeError)
    expect(() => alignCategoryCounts({ categories: ['a'], counts: Float64Array.of(2), codes: Int32Array.of(0) }, countLabels(['a']))).toThrow(
      /codes hold 1 rows/,
    )
  })
})

describe('chisquare, g_test, z', () => {
  const ref6 = rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 18, 16, 14, 12, 12])
  const cur6 = rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 16, 16, 16, 16, 8])
  it("match Evidently's unit-test values", () => {
    const chi = chiSquare(labels(ref6, cur6))
    expectRel(chi.statistic, 3.1746031746031744)
    expectRel(chi.pValue, 0.6730876006966301, 1e-9)
    const g = gTest(labels(rep(['a', 'b', 'c'], [5, 5, 8]), rep(['a', 'b', 'c'], [4, 6, 8])))
    expectRel(g.statistic, 0.40271027101377754)
    expectRel(g.pValue, 0.817622013379844, 1e-9)
  })
  it('gives chisquare an infinite statistic for a category new in current', () => {
    const r = chiSquare(alignSortedValues(Float64Array.of(1, 1, 2, 2, 2, 3, 3, 3), Float64Array.of(1, 1, 2, 2, 2, 3, 3, 3.5)))
    expect(r.statistic).toBe(Infinity)
    expect(r.pValue).toBe(0)
  })
  it('follows scipy on a single category: statistic 0, p-value NaN', () => {
    const r = chiSquare(labels(['a', 'a'], ['a', 'a']))
    expect(r.statistic).toBe(0)
    expect(r.pValue).toBeNaN()
  })
  it('refuses g_test on samples of different size, as scipy does', () => {
    expect(() => gTest(labels(['a', 'b', 'b'], ['a', 'b']))).toThrow(StatsInputError)
  })
  it('computes the two-proportion z statistic on "not the first category"', () => {
    const r = zTest(labels(rep(['a', 'b'], [30, 70]), rep(['a', 'b'], [45, 55])))
    expectRel(r.statistic, 2.1908902300206634)
    expectRel(r.pValue, 0.02845973691631065, 1e-9)
    const tail = zTest(labels(rep(['a', 'b'], [3, 997]), rep(['a', 'b'], [60, 940])))
    expectRel(tail.statistic, 7.297175114944191)
    expectRel(tail.pValue, 2.937650123158164e-13, 1e-6)
    expect(zTest(labels(['k', 'k'], ['k']))).toEqual({ statistic: null, pValue: 1 })
  })
})

describe('fisher_exact', () => {
  const tables: [number[], number, number][] = [
    [[3, 1, 1, 3], 9.0, 0.48571428571428565],
    [[0, 5, 5, 0], 0.0, 0.007936507936507938],
    [[10, 10, 10, 10], 1.0, 1.0],
    [[7, 13, 13, 7], 0.28994082840236685, 0.112833775483096],
    [[2, 8, 9, 1], 0.027777777777777776, 0.005477494641581328],
    [[100, 400, 130, 370], 0.7115384615384616, 0.02918590803556039],
  ]
  it.each(tables)('matches scipy.stats.fisher_exact on %j', (t, odds, p) => {
    const r = fisherExact2x2(t[0]!, t[1]!, t[2]!, t[3]!)
    expect(r.statistic).toBe(odds)
    expectRel(r.pValue, p, 1e-12)
  })
  it('returns NaN and p = 1 for a zero margin', () => {
    const r = fisherExact2x2(0, 0, 3, 4)
    expect(r.statistic).toBeNaN()
    expect(r.pValue).toBe(1)
  })
  it("builds Evidently's table from two binary samples", () => {
    const r = fisherExact(labels(Array(15).fill(['a', 'b', 'b', 'a', 'a', 'b']).flat(), Array(15).fill(['b', 'b', 'a', 'b', 'b', 'a']).flat()))
    expect(r.statistic).toBe(2.0)
    expectRel(r.pValue, 0.033972274322700745, 1e-12)
  })
  it('refuses non-binary data and samples of different size', () => {
    expect(() => fisherExact(labels(['a', 'b', 'c'], ['a', 'b', 'c']))).toThrow(/unique categories > 2/)
    expect(() => fisherExact(labels(['a', 'b'], ['a', 'b', 'b']))).toThrow(/not of equal length/)
    expect(() => fisherExact(labels(['a', 'b'], ['b', 'c']))).toThrow(StatsInputError)
  })
})

describe('TVD', () => {
  // rng = np.random.default_rng(2); 40 and 30 draws of x/y/z; gen_reference.t_tvd gives 0.225, p = 0.142
  const ref = ['x', 'x', 'z', 'x', 'y', 'y', 'x', 'x', 'x', 'y', 'y', 'x', 'x', 'y', 'x', 'y', 'z', 'y', 'x', 'x', 'x', 'y', 'z', 'y', 'x', 'z', 'x', 'y', 'x', 'x', 'x', 'z', 'y', 'z', 'y', 'x', 'y', 'y', 'z', 'x']
  const cur = ['z', 'z', 'z', 'y', 'z', 'y', 'y', 'x', 'x', 'x', 'z', 'y', 'z', 'z', 'y', 'z', 'y', 'z', 'y', 'x', 'x', 'x', 'z', 'x', 'x', 'z', 'x', 'y', 'y', 'z']
  it("reproduces Evidently's permutation p-value exactly from rows in order", () => {
    const r = totalVariationDistance(labels(ref, cur))
    expect(r.statistic).toBe(0.225)
    expect(r.pValue).toBe(0.142)
  })
  it("matches Evidently's unit-test value", () => {
    const r = totalVariationDistance(
      labels(rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 18, 16, 14, 12, 12]), rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 16, 16, 16, 16, 8])),
    )
    expectRel(r.statistic, 0.06818181818181819)
    expect(r.pValue).toBe(0.928)
  })
  it('gives a permutation estimate from counts alone', () => {
    const tally = (xs: string[]) => {
      const m = new Map<string, number>()
      for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1)
      return m
    }
    const profile = alignCategoryCounts(countsFromProfile(tally(ref)), countsFromProfile(tally(cur)))
    expect(profile.referenceCodes).toBeUndefined()
    const r = totalVariationDistance(profile)
    expect(r.statistic).toBe(0.225)
    expect(Math.abs(r.pValue - 0.142)).toBeLessThan(0.07)
  })
})

describe('categorical distances', () => {
  const a = labels(rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 18, 16, 14, 12, 12]), rep(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], [16, 16, 16, 16, 16, 8]))
  it('match the reference generator', () => {
    expectRel(psiCategorical(a).statistic, 0.037218381577290835)
    expectRel(klDivCategorical(a).statistic, 0.01890967696532045)
    expectRel(jensenShannonCategorical(a).statistic, 0.06804819617703867)
    expectRel(hellingerCategorical(a).statistic, 0.06812774370983345)
  })
  it('are zero for identical shares', () => {
    const same = labels(['a', 'b', 'b'], ['b', 'a', 'b'])
    expect(psiCategorical(same).statistic).toBe(0)
    expect(jensenShannonCategorical(same).statistic).toBe(0)
  })
})

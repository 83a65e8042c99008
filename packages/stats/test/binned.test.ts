/**
 * numpy-mirroring pieces of the binned distances. Expected values were computed with numpy 2.4 /
 * scipy 1.17 and the reference generator's definitions (shared/stats-reference/gen_reference.py).
 */
import { describe, expect, it } from 'vitest'
import {
  binNumeric,
  fillZeroShares,
  hellingerNumeric,
  histogramSorted,
  jensenShannonFromShares,
  klDivFromShares,
  klDivNumeric,
  jensenShannonNumeric,
  log2CorrectlyRounded,
  numpySum,
  psiFromShares,
  psiNumeric,
  sturgesEdges,
} from '../src/binned/index.js'
import { StatsInputError } from '../src/errors.js'

const f64 = (values: number[]) => Float64Array.from(values)
const sortedF64 = (values: number[]) => Float64Array.from(values).sort()

function expectRel(got: number, want: number, rtol = 1e-12): void {
  expect(Math.abs(got - want) <= rtol * Math.abs(want), `got ${got}, want ${want}`).toBe(true)
}

describe('numpySum (pairwise summation)', () => {
  it('associates like np.sum, not like a running sum', () => {
    // np.sum gives 35.8 here, a left-to-right sum 20.000000000000014
    const a = f64([1e16, ...Array<number>(20).fill(1), -1e16, ...Array<number>(200).fill(0.1)])
    expect(numpySum(a)).toBe(35.8)
  })
  it('handles short and exact inputs', () => {
    expect(numpySum(f64([]))).toBe(0)
    expect(numpySum(f64([1, 1e100, 1, -1e100]))).toBe(0)
    expect(numpySum(f64(Array.from({ length: 299 }, (_, i) => 0.1 * (i + 1))))).toBe(4485)
  })
})

describe('log2CorrectlyRounded', () => {
  it('is exact on powers of two', () => {
    for (let e = -20; e <= 60; e++) expect(log2CorrectlyRounded(2 ** e)).toBe(e)
  })
  it("matches the C library's log2 where Math.log2 is one ulp off", () => {
    expect(log2CorrectlyRounded(1375)).toBe(10.425215903299383)
    expect(log2CorrectlyRounded(1000)).toBe(9.965784284662087)
    expect(log2CorrectlyRounded(95000)).toBe(16.535639892993036)
  })
  it('passes non-positive and non-finite inputs to Math.log2', () => {
    expect(log2CorrectlyRounded(0)).toBe(-Infinity)
    expect(log2CorrectlyRounded(-1)).toBeNaN()
    expect(log2CorrectlyRounded(Infinity)).toBe(Infinity)
  })
})

describe('sturgesEdges (np.histogram_bin_edges(a, "sturges"))', () => {
  it('reproduces numpy edges for float data', () => {
    expect(Array.from(sturgesEdges(5, 0.5, 10, false, 'psi'))).toEqual([0.5, 2.875, 5.25, 7.625, 10.0])
    expect(Array.from(sturgesEdges(6, 0.1, 1.0, false, 'psi'))).toEqual([0.1, 0.325, 0.55, 0.775, 1.0])
  })
  it('raises the width to 1 for integer-typed data only', () => {
    // [0, 1, 2, 3] * 25: width 3 / (log2(100) + 1) = 0.39
    expect(Array.from(sturgesEdges(100, 0, 3, true, 'psi'))).toEqual([0, 1, 2, 3])
    expect(Array.from(sturgesEdges(100, 0, 3, false, 'psi'))).toEqual([0, 0.375, 0.75, 1.125, 1.5, 1.875, 2.25, 2.625, 3])
  })
  it('expands a constant sample to one bin of width 1', () => {
    expect(Array.from(sturgesEdges(3, 7, 7, true, 'psi'))).toEqual([6.5, 7.5])
    expect(Array.from(sturgesEdges(4, 3.25, 3.25, false, 'psi'))).toEqual([2.75, 3.75])
  })
  it('refuses non-finite ranges and ranges too narrow to split', () => {
    expect(() => sturgesEdges(3, 0, Infinity, false, 'psi')).toThrow(StatsInputError)
    expect(() => sturgesEdges(1000, 1, 1 + 2 * Number.EPSILON, false, 'psi')).toThrow(/Too many bins/)
  })
})

describe('histogramSorted (np.histogram with explicit edges)', () => {
  it('closes bins on the left, the last bin on both sides', () => {
    expect(Array.from(histogramSorted(sortedF64([0, 1, 1, 2, 3, 4, 4]), f64([0, 1, 2, 3, 4])))).toEqual([1, 2, 1, 3])
  })
  it('ignores values outside the edges', () => {
    expect(Array.from(histogramSorted(sortedF64([-1, 0.5, 9]), f64([0, 1, 2])))).toEqual([1, 0])
  })
})

describe('distances on shares', () => {
  const r = f64([0.5, 0.3, 0.2])
  const q = f64([0.4, 0.4, 0.2])
  it('match scipy', () => {
    expectRel(psiFromShares(r, q), 0.05108256237659909)
    expectRel(klDivFromShares(r, q), 0.025267153921570557)
    expectRel(jensenShannonFromShares(r, q), 0.07979472622921702)
  })
  it('replace zero shares the way Evidently does', () => {
    const big = f64([0.5, 0, 0.5])
    fillZeroShares(big, 'psi')
    expect(Array.from(big)).toEqual([0.5, 0.0001, 0.5])
    const small = f64([0.99995, 0, 0.00005])
    fillZeroShares(small, 'psi')
    expect(small[1]).toBe(0.00005 / 1e6)
    expect(() => fillZeroShares(f64([0, 0]), 'psi')).toThrow(StatsInputError)
  })
})

describe('numeric binned distances', () => {
  // rng.integers(0, 40, 300) / rng.integers(0, 43, 250): more than 20 distinct values -> sturges bins
  const a = sortedF64(
    Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 40),
  )
  it('switch from value bins to sturges bins above 20 distinct reference values', () => {
    const few = { sorted: sortedF64([1, 2, 2, 3, 5, 5, 5]), isInteger: true }
    const cur = { sorted: sortedF64([1, 2, 4, 5]), isInteger: true }
    const values = binNumeric(few, cur, false, 'jensenshannon')
    expect(values.method).toBe('values')
    expect(values.bins).toBe(5) // 1 2 3 4 5
    expect(Array.from(values.current)).toEqual([0.25, 0.25, 0, 0.25, 0.25])
    const many = binNumeric({ sorted: a, isInteger: true }, cur, false, 'jensenshannon')
    expect(many.method).toBe('sturges')
    expect(many.bins).toBe(10) // ceil(log2(304) + 1)
  })
  it('match the reference generator on integer data with sturges bins', () => {
    const ref = {
      sorted: sortedF64([16, 34, 38, 11, 4, 24, 26, 31, 25, 28, 36, 36, 37, 34, 28, 36, 0, 1, 31, 17, 29, 19, 36, 2, 26, 0, 5, 33, 11, 39, 13, 31, 38, 12, 39, 28, 38, 11, 20, 29]),
      isInteger: true,
    }
    const cur = {
      sorted: sortedF64([33, 24, 7, 5, 32, 18, 10, 28, 26, 17, 9, 40, 32, 15, 20, 37, 27, 14, 10, 17, 10, 30, 8, 23, 8, 40, 16, 38, 5, 12, 31, 13, 15, 27, 42, 34, 39, 4, 33, 38]),
      isInteger: true,
    }
    // gen_reference.py's t_psi / t_kl / t_js / t_hellinger on these 40 + 40 values (8 and 7 bins)
    expect(binNumeric(ref, cur, true, 'psi').bins).toBe(8)
    expectRel(psiNumeric(ref, cur).statistic, 1.426727529760199)
    expectRel(klDivNumeric(ref, cur).statistic, 0.2393160207729172)
    expectRel(jensenShannonNumeric(ref, cur).statistic, 0.2748706848394826)
    expectRel(hellingerNumeric(ref, cur).statistic, 0.19447973733793805)
  })
  it("hellinger bins the distinct values and honours the integer rule", () => {
    const ref = sortedF64([...Array<number>(10).fill(0), ...Array<number>(20).fill(1), ...Array<number>(10).fill(2)])
    const cur = sortedF64([...Array<number>(5).fill(0), ...Array<number>(20).fill(1), ...Array<number>(15).fill(2)])
    expectRel(hellingerNumeric({ sorted: ref, isInteger: true }, { sorted: cur, isInteger: true }).statistic, 0.11458934244675893)
    expectRel(hellingerNumeric({ sorted: ref, isInteger: false }, { sorted: cur, isInteger: true }).statistic, 0.13052619222005177)
  })
  it('refuse an empty sample with a per-test error', () => {
    expect(() => psiNumeric({ sorted: f64([]), isInteger: false }, { sorted: f64([1]), isInteger: false })).toThrow(StatsInputError)
  })
})

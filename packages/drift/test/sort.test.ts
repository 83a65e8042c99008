import { describe, expect, it } from 'vitest'
import { sortedFinite, sortFloat64 } from '../src/internal/sort.js'

describe('sortFloat64 (radix)', () => {
  it('orders like the built-in sort for mixed signs, zeros, duplicates, subnormals and huge values', () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const n = 50_000
    const values = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const r = rnd()
      values[i] = r < 0.05 ? 0 : r < 0.1 ? -0 : r < 0.15 ? 5e-324 * Math.floor(rnd() * 10) : r < 0.2 ? Math.floor(rnd() * 10) : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)
    }
    const expected = values.slice().sort()
    const got = sortFloat64(values.slice())
    const mismatches: number[] = []
    for (let i = 0; i < n; i++) if (!Object.is(got[i], expected[i])) mismatches.push(i)
    expect(mismatches).toEqual([])
  })

  it('drops NaN and ±Infinity before sorting', () => {
    const v = Float64Array.from([3, NaN, -Infinity, 1, Infinity, 2])
    expect([...sortedFinite(v)]).toEqual([1, 2, 3])
    const big = new Float64Array(10_000).map((_, i) => (i % 10 === 0 ? NaN : 10_000 - i))
    const s = sortedFinite(big)
    expect(s.length).toBe(9000)
    let ordered = true
    for (let i = 1; i < s.length; i++) if (!(s[i]! >= s[i - 1]!)) ordered = false
    expect(ordered).toBe(true)
  })
})

import { tableFromRows } from '@mlops/drift'
import { describe, expect, it } from 'vitest'
import { columnFacts, qualityChecks } from '../src/index.js'

/** A reference of 100 rows: x in 0..99, colour red/green/blue, size numeric 10..19. */
const referenceRows = Array.from({ length: 100 }, (_, i) => ({ x: i, colour: ['red', 'green', 'blue'][i % 3]!, size: 10 + (i % 10) }))
const facts = columnFacts(tableFromRows(referenceRows, 'reference'))

const byColumn = (rows: Record<string, string | number | null>[], config: Parameters<typeof qualityChecks>[2] = {}) =>
  Object.fromEntries(qualityChecks(tableFromRows(rows, 'window'), facts, config).map((c) => [c.column, c]))

describe('qualityChecks', () => {
  it('reference facts: numeric min/max, sorted categories', () => {
    expect(facts).toEqual({
      x: { kind: 'numeric', min: 0, max: 99 },
      colour: { kind: 'categorical', categories: ['blue', 'green', 'red'] },
      size: { kind: 'numeric', min: 10, max: 19 },
    })
  })

  it('a window like the reference has no problems', () => {
    const q = byColumn(referenceRows.slice(0, 50))
    for (const c of Object.values(q)) expect(c.problems, c.column).toEqual([])
    expect(q.x!.outOfRangeShare).toBe(0)
    expect(q.x!.missingShare).toBe(0)
  })

  it('missing share: above maxMissingShare is a problem, at or below is not', () => {
    // 20 rows, 3 missing x (15%) and 2 missing colour (10%).
    const rows = Array.from({ length: 20 }, (_, i) => ({ x: i < 3 ? null : i, colour: i < 2 ? null : 'red', size: 12 }))
    const q = byColumn(rows, { maxMissingShare: 0.1 })
    expect(q.x!.missingShare).toBeCloseTo(0.15)
    expect(q.x!.problems[0]).toBe('15.0% missing (allowed 10.0%)')
    expect(q.colour!.missingShare).toBeCloseTo(0.1)
    expect(q.colour!.problems).toEqual([])
    // The default allows 10%.
    expect(byColumn(rows).x!.problems).toHaveLength(1)
  })

  it('new categories: listed sorted, off with newCategories: false', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ x: i, colour: ['red', 'purple', 'amber'][i % 3]!, size: 15 }))
    const q = byColumn(rows)
    expect(q.colour!.newCategories).toEqual(['amber', 'purple'])
    expect(q.colour!.problems).toEqual(['new categories not in the reference: amber, purple'])
    expect(byColumn(rows, { newCategories: false }).colour!.problems).toEqual([])
  })

  it('many new categories are summarised', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ x: i, colour: `c${String(i).padStart(2, '0')}`, size: 15 }))
    const problem = byColumn(rows).colour!.problems[0]!
    expect(problem).toMatch(/^new categories not in the reference: c00, c01, .*c09 \(\+20 more\)$/)
  })

  it('out-of-range share: values outside [min, max] over maxOutOfRangeShare, missing values not counted', () => {
    // 20 rows: 2 missing, 3 of the 18 others above 99 (16.7%); size: 1 of 20 below 10 (5%).
    const rows = Array.from({ length: 20 }, (_, i) => ({ x: i < 2 ? null : i < 5 ? 150 + i : i, colour: 'red', size: i === 0 ? 9 : 11 }))
    const q = byColumn(rows, { maxOutOfRangeShare: 0.05, maxMissingShare: 0.5 })
    expect(q.x!.outOfRangeShare).toBeCloseTo(3 / 18)
    expect(q.x!.problems).toEqual(['16.7% of values outside the reference range [0, 99] (allowed 5.0%)'])
    // Exactly at the allowed share is fine.
    expect(q.size!.outOfRangeShare).toBeCloseTo(0.05)
    expect(q.size!.problems).toEqual([])
    expect(byColumn(rows, { maxOutOfRangeShare: 0.01, maxMissingShare: 0.5 }).size!.problems).toHaveLength(1)
    expect(byColumn(rows, { outOfRange: false, maxMissingShare: 0.5 }).x!.problems).toEqual([])
    // The reference's own extremes are in range.
    expect(byColumn([{ x: 0, colour: 'red', size: 10 }, { x: 99, colour: 'blue', size: 19 }]).x!.outOfRangeShare).toBe(0)
  })

  it('a column missing from the window, or of another kind, is a problem', () => {
    const q = byColumn(Array.from({ length: 10 }, (_, i) => ({ x: `v${i}`, colour: 'red' })))
    expect(q.size).toEqual({ column: 'size', missingShare: 1, problems: ['column missing from the window'] })
    expect(q.x!.problems).toEqual(['categorical in the window but numeric in the reference'])
    const numericColour = byColumn(Array.from({ length: 10 }, (_, i) => ({ x: i, colour: i, size: 12 })))
    expect(numericColour.colour!.problems).toEqual(['numeric in the window but categorical in the reference'])
  })

  it('columns the reference does not have are not judged', () => {
    const q = byColumn(Array.from({ length: 10 }, (_, i) => ({ x: i, colour: 'red', size: 12, extra: i * 1000 })))
    expect(q.extra!.problems).toEqual([])
    expect(q.extra!.outOfRangeShare).toBeUndefined()
  })
})

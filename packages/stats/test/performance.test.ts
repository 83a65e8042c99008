import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { accuracy, f1Macro, performanceMetrics, r2Score, rocAuc, rocAucBinary, StatsInputError } from '../src/index.js'

interface Case {
  task: 'classification' | 'regression'
  y_true: (string | number)[]
  y_pred: (string | number)[]
  scores?: Record<string, number>[]
  expected: Record<string, number>
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/performance-reference.json', import.meta.url), 'utf8')) as { sklearn: string; cases: Case[] }

describe(`performance metrics equal scikit-learn ${reference.sklearn}`, () => {
  for (const [i, c] of reference.cases.entries()) {
    it(`case ${i}: ${c.task}, n=${c.y_true.length}`, () => {
      const got = performanceMetrics(c.task, c.y_true, c.y_pred, c.scores)
      for (const [name, value] of Object.entries(c.expected)) {
        expect(got[name as keyof typeof got], name).toBeCloseTo(value, 12)
      }
    })
  }
})

describe('performance metrics: definitions and bad input', () => {
  it('binary AUC counts score ties between classes as one half', () => {
    expect(rocAucBinary([true, false], [0.5, 0.5])).toBe(0.5)
    expect(rocAucBinary([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBe(0.75)
  })
  it('F1 of a class never predicted and never true is left out; a predicted-only class scores 0', () => {
    expect(f1Macro(['a', 'a', 'b'], ['a', 'a', 'b'])).toBe(1)
    expect(f1Macro(['a', 'a'], ['a', 'z'])).toBeCloseTo((2 / 3 + 0) / 2, 15)
  })
  it('r2 of a constant target is 1 for a perfect fit and 0 otherwise', () => {
    expect(r2Score([2, 2], [2, 2])).toBe(1)
    expect(r2Score([2, 2], [1, 2])).toBe(0)
  })
  it('rejects mismatched lengths, empty input and single-class AUC with StatsInputError', () => {
    expect(() => accuracy(['a'], [])).toThrow(StatsInputError)
    expect(() => accuracy([], [])).toThrow(/no values/)
    expect(() => rocAuc(['a', 'a'], [{ a: 1 }, { a: 0 }])).toThrow(/only one class/)
  })
})

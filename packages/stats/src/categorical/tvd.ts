/**
 * Evidently `TVD`: total variation distance between the category shares, with a permutation
 * p-value (1,000 draws after `np.random.seed(0)`, each `np.random.choice(combined, n_ref,
 * replace=False)`, i.e. the first n_ref items of a legacy `permutation`).
 *
 * numpy's legacy permutation is a Fisher-Yates shuffle driven by MT19937 with masked rejection
 * sampling (`random_interval`); replaying it over the rows in their original order reproduces
 * Evidently's p-value exactly. Without row order (counts from a profile), rows are laid out
 * category by category, which gives an equally valid permutation p-value.
 */
import { StatsInputError } from '../errors.js'
import { numpySum } from '../binned/pairwise-sum.js'
import { MersenneTwister } from '../random/mt19937.js'
import type { AlignedCategoryCounts } from './counts.js'
import { requireBothSamples } from './counts.js'

export interface TvdOptions {
  /** Number of permutations (Evidently: 1000). */
  readonly iterations?: number
  /** numpy legacy seed (Evidently: 0). */
  readonly seed?: number
}

export interface TvdResult {
  readonly statistic: number
  readonly pValue: number
}

/** `0.5 * np.sum(np.abs(r / n - c / m))` over categories in sorted order. */
function tvdOfCounts(r: Float64Array, c: Float64Array, n: number, m: number, terms: Float64Array): number {
  for (let i = 0; i < terms.length; i++) terms[i] = Math.abs(r[i]! / n - c[i]! / m)
  return 0.5 * numpySum(terms)
}

function layoutRows(a: AlignedCategoryCounts, combined: Int32Array): void {
  const n = a.referenceTotal
  if (a.referenceCodes && a.currentCodes) {
    combined.set(a.referenceCodes, 0)
    combined.set(a.currentCodes, n)
    return
  }
  let row = 0
  for (const counts of [a.reference, a.current]) {
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k]!
      if (!Number.isInteger(c)) {
        throw new StatsInputError('TVD', `category ${JSON.stringify(a.categories[k])} has a non-integer count ${c}`, 'the permutation test needs whole counts')
      }
      combined.fill(k, row, row + c)
      row += c
    }
  }
}

/** Evidently `TVD` on aligned category counts. */
export function totalVariationDistance(a: AlignedCategoryCounts, options: TvdOptions = {}): TvdResult {
  requireBothSamples(a, 'TVD')
  const iterations = options.iterations ?? 1000
  const seed = options.seed ?? 0
  const k = a.categories.length
  const n = a.referenceTotal
  const m = a.currentTotal
  const total = n + m
  if (total > 0x7fffffff) throw new StatsInputError('TVD', `${total} rows are more than the permutation test supports (2^31 - 1)`)
  const terms = new Float64Array(k)
  const observed = tvdOfCounts(a.reference, a.current, n, m, terms)

  const source = new Int32Array(total)
  layoutRows(a, source)
  const totals = new Float64Array(k)
  for (let i = 0; i < k; i++) totals[i] = a.reference[i]! + a.current[i]!

  const rng = MersenneTwister.fromNumpySeed(seed)
  const rows = new Int32Array(total)
  const picked = new Float64Array(k)
  const rest = new Float64Array(k)
  let atLeastObserved = 0
  for (let it = 0; it < iterations; it++) {
    rows.set(source)
    // legacy shuffle: i from N-1 down to 1 swaps rows[i] with rows[random_interval(i)]. Once i < n the
    // first n rows (the reference pick) only move among themselves, so the swaps can be skipped, but
    // the draws must still be made to keep the stream in step. random_interval(i) is inlined here
    // (mask = smallest 2^k - 1 >= i, reject draws above i): this loop makes ~10^8 draws on 10^5 rows.
    for (let i = total - 1; i >= 1; i--) {
      const mask = 0xffffffff >>> Math.clz32(i)
      let j = rng.nextUint32() & mask
      while (j > i) j = rng.nextUint32() & mask
      if (i >= n) {
        const t = rows[i]!
        rows[i] = rows[j]!
        rows[j] = t
      }
    }
    rest.fill(0)
    for (let r = n; r < total; r++) rest[rows[r]!]!++
    for (let c = 0; c < k; c++) picked[c] = totals[c]! - rest[c]!
    const held = tvdOfCounts(picked, rest, n, m, terms)
    if (observed <= Math.abs(held)) atLeastObserved++
  }
  return { statistic: observed, pValue: atLeastObserved / iterations }
}

/**
 * Category counts: the one input representation of every categorical kernel.
 *
 * A sample is `CategoryCounts` (distinct categories with their counts, in any order), built either
 * from raw labels (`countLabels`, which also keeps each row's category code in row order) or from a
 * stored reference profile (`countsFromProfile`, a category → count map without row order). Two
 * samples are then aligned over the union of their categories in Python's `sorted()` order
 * (`alignCategoryCounts`), which is the order in which Evidently's numpy sums run.
 *
 * Row codes matter only for TVD: its permutation p-value replays numpy's legacy Mersenne Twister
 * stream over the concatenated rows, so with codes it equals Evidently's exactly; from a profile the
 * rows are laid out category by category and the p-value is an equally valid permutation estimate.
 */
import { StatsInputError } from '../errors.js'
import { alignSortedValueCounts } from '../binned/value-counts.js'

/** A category: strings for categorical columns, numbers when a numeric column is treated as categories. */
export type CategoryLabel = string | number

export interface CategoryCounts<K extends CategoryLabel = CategoryLabel> {
  /** Categories, any order; a repeated category has its counts added. */
  readonly categories: readonly K[]
  /** `counts[i]` occurrences of `categories[i]`; non-negative, finite. Zero-count categories are ignored. */
  readonly counts: Float64Array
  /** Optional: the category index (into `categories`) of every row, in row order. */
  readonly codes?: Int32Array
}

/** Two samples over the sorted union of their categories. */
export interface AlignedCategoryCounts<K extends CategoryLabel = CategoryLabel> {
  /** Categories with a non-zero count in either sample, in Python `sorted()` order. */
  readonly categories: readonly K[]
  readonly reference: Float64Array
  readonly current: Float64Array
  readonly referenceTotal: number
  readonly currentTotal: number
  /** Row codes into `categories`, present when both inputs carried codes. */
  readonly referenceCodes?: Int32Array
  readonly currentCodes?: Int32Array
}

/**
 * Python's ordering of str (by code point) for JS strings (UTF-16): code units order the same way,
 * except that surrogates (code points above U+FFFF) must sort after U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800
}

function compareLabels(a: CategoryLabel, b: CategoryLabel): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b)
  throw new TypeError(
    `cannot order category ${JSON.stringify(a)} against ${JSON.stringify(b)}: a column's categories must be all strings or all numbers`,
  )
}

/** Counts of raw labels, keeping the row codes. Drop missing values before calling. */
export function countLabels<K extends CategoryLabel>(labels: readonly K[]): CategoryCounts<K> {
  const index = new Map<K, number>()
  const categories: K[] = []
  const codes = new Int32Array(labels.length)
  let counts = new Float64Array(16)
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    let code = index.get(label)
    if (code === undefined) {
      code = categories.length
      index.set(label, code)
      categories.push(label)
      if (code >= counts.length) {
        const grown = new Float64Array(counts.length * 2)
        grown.set(counts)
        counts = grown
      }
    }
    counts[code]!++
    codes[i] = code
  }
  return { categories, counts: counts.slice(0, categories.length), codes }
}

/** Counts from a stored profile (category → count), e.g. a reference saved without its rows. */
export function countsFromProfile<K extends CategoryLabel>(
  profile: ReadonlyMap<K, number> | Readonly<Record<string, number>>,
): CategoryCounts<K> {
  const entries: [K, number][] =
    profile instanceof Map ? [...(profile as ReadonlyMap<K, number>)] : (Object.entries(profile) as [K, number][])
  const counts = new Float64Array(entries.length)
  const categories: K[] = []
  for (let i = 0; i < entries.length; i++) {
    const [label, count] = entries[i]!
    if (!(Number.isFinite(count) && count >= 0)) {
      throw new RangeError(`category ${JSON.stringify(label)} has count ${count}; counts must be finite and non-negative`)
    }
    categories.push(label)
    counts[i] = count
  }
  return { categories, counts }
}

/**
 * Align two samples over the union of their categories in Python `sorted()` order (numbers ascending,
 * strings by code point). Categories whose count is zero in both samples are left out, as they would be
 * absent from raw data.
 */
export function alignCategoryCounts<K extends CategoryLabel>(
  reference: CategoryCounts<K>,
  current: CategoryCounts<K>,
): AlignedCategoryCounts<K> {
  validate(reference, 'reference')
  validate(current, 'current')
  const present = new Set<K>()
  for (const sample of [reference, current]) {
    for (let i = 0; i < sample.categories.length; i++) if (sample.counts[i]! > 0) present.add(sample.categories[i]!)
  }
  const categories = [...present].sort(compareLabels)
  const slot = new Map<K, number>()
  for (let i = 0; i < categories.length; i++) slot.set(categories[i]!, i)
  const place = (sample: CategoryCounts<K>) => {
    const counts = new Float64Array(categories.length)
    const map = new Int32Array(sample.categories.length).fill(-1)
    let total = 0
    for (let i = 0; i < sample.categories.length; i++) {
      const c = sample.counts[i]!
      total += c
      if (c > 0) {
        const s = slot.get(sample.categories[i]!)!
        counts[s]! += c
        map[i] = s
      }
    }
    let codes: Int32Array | undefined
    if (sample.codes) {
      codes = new Int32Array(sample.codes.length)
      for (let r = 0; r < codes.length; r++) codes[r] = map[sample.codes[r]!]!
    }
    return { counts, total, codes }
  }
  const ref = place(reference)
  const cur = place(current)
  const aligned: AlignedCategoryCounts<K> = {
    categories,
    reference: ref.counts,
    current: cur.counts,
    referenceTotal: ref.total,
    currentTotal: cur.total,
  }
  if (ref.codes && cur.codes) return { ...aligned, referenceCodes: ref.codes, currentCodes: cur.codes }
  return aligned
}

function validate(sample: CategoryCounts, which: string): void {
  if (sample.counts.length !== sample.categories.length) {
    throw new RangeError(`${which}: ${sample.categories.length} categories but ${sample.counts.length} counts`)
  }
  for (let i = 0; i < sample.counts.length; i++) {
    const c = sample.counts[i]!
    if (!(Number.isFinite(c) && c >= 0)) {
      throw new RangeError(`${which}: category ${JSON.stringify(sample.categories[i])} has count ${c}; counts must be finite and non-negative`)
    }
  }
  if (sample.codes) {
    const k = sample.categories.length
    const seen = new Float64Array(k)
    for (let r = 0; r < sample.codes.length; r++) {
      const code = sample.codes[r]!
      if (!(code >= 0 && code < k)) throw new RangeError(`${which}: row ${r} has category code ${code}, outside 0..${k - 1}`)
      seen[code]!++
    }
    for (let i = 0; i < k; i++) {
      if (seen[i] !== sample.counts[i]) {
        throw new RangeError(`${which}: codes hold ${seen[i]} rows of ${JSON.stringify(sample.categories[i])} but counts say ${sample.counts[i]}`)
      }
    }
  }
}

/**
 * A numeric column as categories: its distinct values, ascending, with their counts in each sample
 * (how Evidently's chisquare and z treat a numeric column with few values). Both inputs ascending.
 */
export function alignSortedValues(reference: Float64Array, current: Float64Array): AlignedCategoryCounts<number> {
  const counts = alignSortedValueCounts(reference, current)
  return {
    categories: Array.from(counts.values),
    reference: counts.reference,
    current: counts.current,
    referenceTotal: reference.length,
    currentTotal: current.length,
  }
}

/** Throws the per-test error for an empty sample. */
export function requireBothSamples(a: AlignedCategoryCounts, test: string): void {
  if (a.referenceTotal === 0 || a.currentTotal === 0) {
    const which = a.referenceTotal === 0 ? 'reference' : 'current'
    throw new StatsInputError(test, `the ${which} sample has no values`, 'the test needs values in both samples')
  }
}

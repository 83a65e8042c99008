/**
 * Value counts of two ascending numeric samples over the sorted union of their values: the
 * "one bin per distinct value" binning Evidently uses for numeric columns with at most 20
 * distinct reference values, and the category counts when a numeric column gets chisquare or z.
 */

export interface AlignedValueCounts {
  /** Distinct values of reference ∪ current, ascending (-0 and 0 are one value, as in numpy). */
  readonly values: Float64Array
  /** Occurrences of each value in the reference sample. */
  readonly reference: Float64Array
  /** Occurrences of each value in the current sample. */
  readonly current: Float64Array
}

/** Number of distinct values in an ascending sample. */
export function countDistinctSorted(sorted: Float64Array): number {
  const n = sorted.length
  if (n === 0) return 0
  let distinct = 1
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++
  return distinct
}

/** Number of distinct values in the union of two ascending samples. */
export function countDistinctUnionSorted(a: Float64Array, b: Float64Array): number {
  let i = 0
  let j = 0
  let distinct = 0
  const na = a.length
  const nb = b.length
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a[i]! < b[j]!) ? a[i]! : b[j]!
    distinct++
    while (i < na && a[i] === v) i++
    while (j < nb && b[j] === v) j++
  }
  return distinct
}

/** Counts of every distinct value of `reference ∪ current` in each sample (both ascending). */
export function alignSortedValueCounts(reference: Float64Array, current: Float64Array): AlignedValueCounts {
  const k = countDistinctUnionSorted(reference, current)
  const values = new Float64Array(k)
  const refCounts = new Float64Array(k)
  const curCounts = new Float64Array(k)
  let i = 0
  let j = 0
  const n = reference.length
  const m = current.length
  for (let slot = 0; slot < k; slot++) {
    const v = j >= m || (i < n && reference[i]! < current[j]!) ? reference[i]! : current[j]!
    const i0 = i
    const j0 = j
    while (i < n && reference[i] === v) i++
    while (j < m && current[j] === v) j++
    values[slot] = v
    refCounts[slot] = i - i0
    curCounts[slot] = j - j0
  }
  return { values, reference: refCounts, current: curCounts }
}

/**
 * numpy's histogram machinery as Evidently uses it: `np.histogram_bin_edges(a, bins="sturges")`
 * and `np.histogram(a, edges)`, reproduced operation for operation so that bin membership of values
 * lying on an edge is the same as in numpy.
 */
import { StatsInputError } from '../errors.js'
import { log2CorrectlyRounded } from './log2.js'

/**
 * `np.histogram_bin_edges(a, bins="sturges")` for a sample given by its size, minimum and maximum
 * (all 'sturges' looks at). `isInteger` is numpy's `issubdtype(a.dtype, np.integer)`: for integer
 * arrays numpy raises the bin width to at least 1.
 *
 * @param test - test id reported if numpy would raise ("Too many bins for data range").
 */
export function sturgesEdges(size: number, min: number, max: number, isInteger: boolean, test: string): Float64Array {
  if (size === 0) {
    // numpy: empty input gives range [0, 1] and one bin
    return Float64Array.of(0, 1)
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new StatsInputError(test, `autodetected range of [${min}, ${max}] is not finite`, 'drop infinite values first')
  }
  let first = min
  let last = max
  if (first === last) {
    // numpy expands an empty range to avoid a zero width
    first -= 0.5
    last += 0.5
  }
  // _hist_bin_sturges: ptp(x) / (log2(x.size) + 1)
  let width = (max - min) / (log2CorrectlyRounded(size) + 1.0)
  let bins: number
  if (width) {
    if (isInteger && width < 1) width = 1
    bins = Math.ceil((last - first) / width)
  } else {
    bins = 1
  }
  return linspace(first, last, bins + 1, test)
}

/** `np.linspace(start, stop, num, endpoint=True)` in float64, then numpy's strictly-increasing check. */
function linspace(start: number, stop: number, num: number, test: string): Float64Array {
  const edges = new Float64Array(num)
  const div = num - 1
  const delta = stop - start
  const step = delta / div
  if (step === 0) {
    // numpy's path for denormal steps (gh-5437): (i / div) * delta
    for (let i = 0; i < num; i++) edges[i] = (i / div) * delta + start
  } else {
    for (let i = 0; i < num; i++) edges[i] = i * step + start
  }
  edges[num - 1] = stop
  for (let i = 0; i < div; i++) {
    if (!(edges[i]! < edges[i + 1]!)) {
      throw new StatsInputError(
        test,
        `Too many bins for data range. Cannot create ${div} finite-sized bins.`,
        'the values span too few distinct doubles to be binned',
      )
    }
  }
  return edges
}

/**
 * `np.histogram(sorted, edges)[0]` for ascending data: bin i counts edges[i] <= x < edges[i+1], the
 * last bin also counts x == last edge, and values outside the edges are not counted (numpy's
 * `searchsorted` left/right rule).
 */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nBins = edges.length - 1
  const counts = new Float64Array(nBins)
  const n = sorted.length
  // cumulative[i] = #(x < edges[i]) for i < nBins, #(x <= last edge) for i = nBins
  let j = 0
  let previous = 0
  for (let i = 0; i <= nBins; i++) {
    const edge = edges[i]!
    if (i < nBins) {
      while (j < n && sorted[j]! < edge) j++
    } else {
      while (j < n && sorted[j]! <= edge) j++
    }
    if (i > 0) counts[i - 1] = j - previous
    previous = j
  }
  return counts
}

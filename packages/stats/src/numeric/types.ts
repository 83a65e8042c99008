import { StatsInputError } from '../errors.js'

/** Result of a two-sample test or distance. `pValue` is null for distances (wasserstein, energy...). */
export interface TwoSampleResult {
  statistic: number
  pValue: number | null
}

/**
 * Signature shared by every numeric kernel. Both samples must hold finite values sorted ascending:
 * the caller drops missing values and ±inf, sorts once and keeps the sorted reference profile, so
 * the kernels can merge in linear time instead of sorting again.
 */
export type NumericKernel = (reference: Float64Array, current: Float64Array) => TwoSampleResult

/**
 * Checks the kernels' input contract (finite, ascending) in one linear pass, far cheaper than the
 * tests themselves. Silently wrong results from unsorted input would be worse than an error.
 */
export function assertSortedFinite(test: string, values: Float64Array, sample: 'reference' | 'current'): void {
  let prev = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!(v >= prev) || v === Infinity) {
      if (!Number.isFinite(v)) {
        throw new StatsInputError(
          test,
          `${sample}[${i}] is ${v}: kernels take finite values only`,
          'drop missing values and ±inf before calling the kernel',
        )
      }
      throw new StatsInputError(
        test,
        `${sample} is not sorted ascending (${sample}[${i - 1}] = ${prev} > ${sample}[${i}] = ${v})`,
        'sort the sample (Float64Array.prototype.sort) before calling the kernel',
      )
    }
    prev = v
  }
}

/** Checks that every value is finite (for kernels that accept unsorted input). */
export function assertFinite(test: string, values: Float64Array, sample: 'reference' | 'current'): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new StatsInputError(
        test,
        `${sample}[${i}] is ${values[i]}: kernels take finite values only`,
        'drop missing values and ±inf before calling the kernel',
      )
    }
  }
}

/** numpy's np.round / Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1
  return r
}

export function gcd(a: number, b: number): number {
  while (b) {
    const t = a % b
    a = b
    b = t
  }
  return a
}

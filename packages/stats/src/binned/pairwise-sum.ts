/**
 * numpy's float64 `np.sum` (pairwise summation, `DOUBLE_pairwise_sum` in loops_utils.h.src).
 *
 * Evidently's PSI, KL and JS statistics are `np.sum` over per-bin terms; reproducing numpy's exact
 * association order keeps our results equal to the last bit where the terms cancel (KL, JS near 0),
 * instead of merely close.
 */

const BLOCK = 128

function pairwise(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = -0.0
    for (let i = 0; i < n; i++) res += a[start + i]!
    return res
  }
  if (n <= BLOCK) {
    let r0 = a[start]!
    let r1 = a[start + 1]!
    let r2 = a[start + 2]!
    let r3 = a[start + 3]!
    let r4 = a[start + 4]!
    let r5 = a[start + 5]!
    let r6 = a[start + 6]!
    let r7 = a[start + 7]!
    let i = 8
    const end = n - (n % 8)
    for (; i < end; i += 8) {
      const p = start + i
      r0 += a[p]!
      r1 += a[p + 1]!
      r2 += a[p + 2]!
      r3 += a[p + 3]!
      r4 += a[p + 4]!
      r5 += a[p + 5]!
      r6 += a[p + 6]!
      r7 += a[p + 7]!
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7))
    for (; i < n; i++) res += a[start + i]!
    return res
  }
  let n2 = Math.floor(n / 2)
  n2 -= n2 % 8
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2)
}

/** `np.sum(a)` for a contiguous float64 array: the identity 0.0 plus numpy's pairwise sum. */
export function numpySum(a: Float64Array): number {
  return 0.0 + pairwise(a, 0, a.length)
}

/**
 * Epps-Singleton two-sample test on the empirical characteristic function,
 * scipy.stats.epps_singleton_2samp(reference, current) with t = (0.4, 0.8), as Evidently's `es`.
 *
 * The samples are mapped to g(x) = (cos(t1 x/s), cos(t2 x/s), sin(t1 x/s), sin(t2 x/s)) with
 * s = IQR(reference + current) / 2; W = n d' S⁺ d for d the difference of the mean vectors and S
 * the pooled (biased) covariance, with Epps & Singleton's small-sample correction when both
 * samples have fewer than 25 values; W ~ chi-square with rank(S) degrees of freedom.
 */
import { StatsInputError } from '../errors.js'
import { chi2Sf } from '../special/distributions.js'
import { percentileOfUnion } from './order-statistics.js'
import { assertSortedFinite, type TwoSampleResult } from './types.js'

const T = [0.4, 0.8] as const
const DIM = 4
const EPS = 2.220446049250313e-16

/** Means (compensated) and biased covariance of g over one sample; covariance scaled by `weight`. */
function accumulate(values: Float64Array, ts: readonly number[], meanOut: Float64Array, cov: Float64Array, weight: number): void {
  const n = values.length
  const sum = new Float64Array(DIM)
  const comp = new Float64Array(DIM)
  const g = new Float64Array(DIM)
  const evaluate = (x: number): void => {
    g[0] = Math.cos(ts[0]! * x)
    g[1] = Math.cos(ts[1]! * x)
    g[2] = Math.sin(ts[0]! * x)
    g[3] = Math.sin(ts[1]! * x)
  }
  for (let i = 0; i < n; i++) {
    evaluate(values[i]!)
    for (let r = 0; r < DIM; r++) {
      const v = g[r]!
      const s = sum[r]!
      const t = s + v
      comp[r]! += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s
      sum[r] = t
    }
  }
  for (let r = 0; r < DIM; r++) meanOut[r] = (sum[r]! + comp[r]!) / n
  // second pass: centred products (numpy's cov subtracts the mean first)
  const acc = new Float64Array(DIM * DIM)
  for (let i = 0; i < n; i++) {
    evaluate(values[i]!)
    for (let r = 0; r < DIM; r++) g[r]! -= meanOut[r]!
    for (let r = 0; r < DIM; r++) {
      for (let c = r; c < DIM; c++) acc[r * DIM + c]! += g[r]! * g[c]!
    }
  }
  for (let r = 0; r < DIM; r++) {
    for (let c = r; c < DIM; c++) {
      const v = (acc[r * DIM + c]! / n) * weight
      cov[r * DIM + c]! += v
      if (c !== r) cov[c * DIM + r]! += v
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (accurate eigenvalues). */
function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a)
  const V = new Float64Array(n * n)
  for (let i = 0; i < n; i++) V[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2
    if (off === 0) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!
        if (apq === 0) continue
        const app = A[p * n + p]!
        const aqq = A[q * n + q]!
        const theta = (aqq - app) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!
          const akq = A[k * n + q]!
          A[k * n + p] = c * akp - s * akq
          A[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!
          const aqk = A[q * n + k]!
          A[p * n + k] = c * apk - s * aqk
          A[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!
          const vkq = V[k * n + q]!
          V[k * n + p] = c * vkp - s * vkq
          V[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = A[i * n + i]!
  return { values, vectors: V }
}

/**
 * scipy.stats.epps_singleton_2samp(reference, current). Inputs: finite values sorted ascending,
 * at least 5 in each sample. Throws StatsInputError when the IQR of the pooled sample is 0 (the
 * scale is undefined) or the covariance estimate is rank-deficient (too few distinct values: scipy
 * then warns and its result depends on numpy's pseudo-inverse cutoffs). O(n + m).
 */
export function eppsSingleton(reference: Float64Array, current: Float64Array): TwoSampleResult {
  const nx = reference.length
  const ny = current.length
  assertSortedFinite('es', reference, 'reference')
  assertSortedFinite('es', current, 'current')
  if (nx < 5 || ny < 5) {
    throw new StatsInputError('es', `needs at least 5 values in each sample (reference ${nx}, current ${ny})`)
  }
  const iqr = percentileOfUnion(reference, current, 75) - percentileOfUnion(reference, current, 25)
  if (iqr === 0) {
    throw new StatsInputError(
      'es',
      'interquartile range (IQR) of reference + current is zero, so the test has no scale',
      'use a test that handles tied or near-constant data (ks, wasserstein, chisquare)',
    )
  }
  const sigma = iqr / 2
  const ts = [T[0] / sigma, T[1] / sigma]
  const n = nx + ny
  const meanX = new Float64Array(DIM)
  const meanY = new Float64Array(DIM)
  const cov = new Float64Array(DIM * DIM)
  accumulate(reference, ts, meanX, cov, n / nx)
  accumulate(current, ts, meanY, cov, n / ny)

  const { values, vectors } = symmetricEigen(cov, DIM)
  // numpy: pinv drops singular values <= 1e-15 * largest; matrix_rank of the pseudo-inverse counts
  // its singular values above largest * max(M, N) * eps
  let maxAbs = 0
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v))
  const inverse: number[] = []
  for (const v of values) inverse.push(Math.abs(v) > 1e-15 * maxAbs ? 1 / v : 0)
  let maxInv = 0
  for (const v of inverse) maxInv = Math.max(maxInv, Math.abs(v))
  let rank = 0
  for (const v of inverse) if (Math.abs(v) > maxInv * DIM * EPS) rank++
  if (rank < DIM) {
    throw new StatsInputError(
      'es',
      `covariance of the characteristic-function estimate is rank-deficient (rank ${rank} < ${DIM}, too few distinct values): the statistic is not well defined`,
      'use a test that handles tied data (ks, cramer_von_mises, chisquare)',
    )
  }
  // W = n * sum_k (v_k . d)² / lambda_k
  let w = 0
  for (let k = 0; k < DIM; k++) {
    let proj = 0
    for (let r = 0; r < DIM; r++) proj += vectors[r * DIM + k]! * (meanX[r]! - meanY[r]!)
    w += proj * proj * inverse[k]!
  }
  w *= n
  if (Math.max(nx, ny) < 25) {
    const corr = 1 / (1 + n ** -0.45 + 10.1 * (nx ** -1.7 + ny ** -1.7))
    w *= corr
  }
  return { statistic: w, pValue: chi2Sf(w, rank) }
}

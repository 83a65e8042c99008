import type { PreparedColumn } from '../prepared.js'

/** What the HTML report draws per column: shares of reference and current over common bins. */
export type ColumnHistogram =
  | { kind: 'numeric'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'categorical'; labels: string[]; reference: number[]; current: number[] }

const NUMERIC_BINS = 30
const MAX_CATEGORIES = 20

/** Equal-width bins over the combined range (linear walk over the sorted values), or the top categories. */
export function summarizeHistogram(reference: PreparedColumn, current: PreparedColumn): ColumnHistogram {
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const r = reference.sorted
    const c = current.sorted
    const lo = Math.min(r.length ? r[0]! : Infinity, c.length ? c[0]! : Infinity)
    const hi = Math.max(r.length ? r[r.length - 1]! : -Infinity, c.length ? c[c.length - 1]! : -Infinity)
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { kind: 'numeric', edges: [], reference: [], current: [] }
    const bins = lo === hi ? 1 : NUMERIC_BINS
    const width = lo === hi ? 1 : (hi - lo) / bins
    const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? (lo === hi ? lo + 1 : hi) : lo + i * width))
    // bin k holds edges[k] <= v < edges[k + 1] (the last bin also v = hi): count by binary search per edge
    const shares = (sorted: Float64Array) => {
      const out = new Array<number>(bins)
      let before = 0
      for (let k = 0; k < bins; k++) {
        const upto = k === bins - 1 ? sorted.length : lowerBound(sorted, edges[k + 1]!)
        out[k] = sorted.length ? (upto - before) / sorted.length : 0
        before = upto
      }
      return out
    }
    return { kind: 'numeric', edges, reference: shares(r), current: shares(c) }
  }
  const counts = (column: PreparedColumn): Map<string, number> => {
    const out = new Map<string, number>()
    if (column.kind === 'categorical') {
      const perCode = new Float64Array(column.labels.length)
      for (let i = 0; i < column.codes.length; i++) perCode[column.codes[i]!]!++
      column.labels.forEach((label, i) => {
        if (perCode[i]) out.set(label, perCode[i]!)
      })
    } else {
      for (let i = 0; i < column.sorted.length; i++) {
        const key = String(column.sorted[i])
        out.set(key, (out.get(key) ?? 0) + 1)
      }
    }
    return out
  }
  const rc = counts(reference)
  const cc = counts(current)
  const rn = Math.max(1, [...rc.values()].reduce((a, b) => a + b, 0))
  const cn = Math.max(1, [...cc.values()].reduce((a, b) => a + b, 0))
  const union = [...new Set([...rc.keys(), ...cc.keys()])]
  union.sort((a, b) => (rc.get(b) ?? 0) / rn + (cc.get(b) ?? 0) / cn - ((rc.get(a) ?? 0) / rn + (cc.get(a) ?? 0) / cn))
  const shown = union.slice(0, MAX_CATEGORIES)
  const labels = [...shown]
  const reference_ = shown.map((k) => (rc.get(k) ?? 0) / rn)
  const current_ = shown.map((k) => (cc.get(k) ?? 0) / cn)
  if (union.length > MAX_CATEGORIES) {
    labels.push(`other (${union.length - MAX_CATEGORIES})`)
    reference_.push(Math.max(0, 1 - reference_.reduce((a, b) => a + b, 0)))
    current_.push(Math.max(0, 1 - current_.reduce((a, b) => a + b, 0)))
  }
  return { kind: 'categorical', labels, reference: reference_, current: current_ }
}

/** First index whose value is >= x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

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
    const shares = (sorted: Float64Array) => {
      const counts = new Array<number>(bins).fill(0)
      let bin = 0
      for (let i = 0; i < sorted.length; i++) {
        const v = sorted[i]!
        while (bin < bins - 1 && v >= edges[bin + 1]!) bin++
        counts[bin]!++
      }
      return counts.map((k) => (sorted.length ? k / sorted.length : 0))
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

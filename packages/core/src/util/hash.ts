import { createHash } from 'node:crypto'

/** JSON with object keys sorted, so equal values always hash equally (cache keys, code versions). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      const sorted: Record<string, unknown> = {}
      for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k]
      return sorted
    }
    if (typeof v === 'bigint') return v.toString()
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
    return v
  })
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value))
}

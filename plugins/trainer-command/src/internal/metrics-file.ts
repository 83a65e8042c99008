import { readFile } from 'node:fs/promises'

export type MetricsFileResult = { ok: true; metrics: Record<string, number> } | { ok: false; reason: string }

/**
 * Reads the metrics JSON a training command wrote: one flat object whose values are finite numbers.
 * Returns the reason it is unusable instead of throwing, so the caller can name trainer and path.
 */
export async function readMetricsFile(path: string, required: boolean): Promise<MetricsFileResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return required ? { ok: false, reason: 'the command exited with code 0 but did not write it (set `metrics: "optional"` if it has none)' } : { ok: true, metrics: {} }
    }
    return { ok: false, reason: `cannot be read: ${(error as Error).message}` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // Python's json.dump writes NaN and Infinity, which are not JSON: say so, it is the usual cause.
    const nonFinite = /(?<![\w"])-?(NaN|Infinity)(?![\w"])/.exec(text)
    const why = nonFinite ? `it contains ${nonFinite[0]}, which is not JSON (a metric that is not a finite number; Python's json.dump writes it unless allow_nan=False)` : (error as Error).message
    return { ok: false, reason: `is not valid JSON: ${why}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `expected a JSON object of numbers, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }
  }
  const metrics: Record<string, number> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key === '') return { ok: false, reason: 'a metric has an empty name' }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const got = typeof v === 'object' ? (v === null ? 'null' : Array.isArray(v) ? 'an array' : 'a nested object (metrics are flat: use "a.b" keys)') : `${typeof v} ${JSON.stringify(v)}`
      return { ok: false, reason: `metric "${key}" must be a finite number, got ${got}` }
    }
    metrics[key] = v
  }
  return { ok: true, metrics }
}

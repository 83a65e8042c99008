import { errors, mlopsError } from '@mlops/core'

const HASH_PATTERN = /^[0-9a-f]{64}$/

/**
 * Checks each value before it reaches PostgreSQL, so a bad record fails with a message naming the
 * field instead of a driver error about a parameter (the same checks as @mlops/metadata-sqlite).
 */
export const encode = {
  text(value: unknown, field: string): string {
    if (typeof value !== 'string') throw invalid(field, `expected a string, got ${describe(value)}`)
    return value
  },
  textOrNull(value: unknown, field: string): string | null {
    return value === null ? null : encode.text(value, field)
  },
  integer(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(field, `expected an integer, got ${describe(value)}`)
    return value
  },
  integerOrNull(value: unknown, field: string): number | null {
    return value === null ? null : encode.integer(value, field)
  },
  finite(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, `expected a finite number, got ${describe(value)}`)
    return value
  },
  finiteOrNull(value: unknown, field: string): number | null {
    return value === null ? null : encode.finite(value, field)
  },
  /** JSON columns hold objects (params, environment, meta, payload). */
  json(value: unknown, field: string): string {
    if (typeof value !== 'object' || value === null) throw invalid(field, `expected an object, got ${describe(value)}`)
    return JSON.stringify(value)
  },
  jsonOrNull(value: unknown, field: string): string | null {
    return value === null ? null : encode.json(value, field)
  },
  oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw invalid(field, `expected one of ${allowed.join(', ')}, got ${describe(value)}`)
    }
    return value as T
  },
  hash(value: unknown): string {
    if (typeof value !== 'string' || !HASH_PATTERN.test(value)) throw mlopsError(errors.ArtifactNameInvalid, [String(value)])
    return value
  },
}

export function invalid(where: string, reason: string): Error {
  return mlopsError(errors.InputInvalid, [where, reason])
}

/** `limit` must be a positive integer when given. */
export function limitOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalid(`${where}.limit`, `expected a positive integer, got ${describe(value)}`)
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`
}

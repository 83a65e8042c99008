import { ArtifactNameInvalid, InputInvalid } from '../errors/catalogue.js'
import type { OutboxStatus, RunStatus, StepCompletion, StepStatus } from './kinds.js'
import { mlopsError } from '../errors/mlops-error.js'

const HASH_PATTERN = /^[0-9a-f]{64}$/

/**
 * Field checks for metadata-store implementations: each value is checked before it reaches the
 * database, so a bad record fails with MLOPS_INPUT_INVALID naming the field instead of a driver error
 * (and a boolean never reaches libsql, which aborts the process on one). Every metadata plugin uses the
 * same checks, so they fail alike (the conformance suite's bad-input cases).
 */
export const encodeField = {
  text(value: unknown, field: string): string {
    if (typeof value !== 'string') throw invalidInput(field, `expected a string, got ${describe(value)}`)
    return value
  },
  textOrNull(value: unknown, field: string): string | null {
    return value === null ? null : encodeField.text(value, field)
  },
  integer(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidInput(field, `expected an integer, got ${describe(value)}`)
    return value
  },
  integerOrNull(value: unknown, field: string): number | null {
    return value === null ? null : encodeField.integer(value, field)
  },
  finite(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidInput(field, `expected a finite number, got ${describe(value)}`)
    return value
  },
  finiteOrNull(value: unknown, field: string): number | null {
    return value === null ? null : encodeField.finite(value, field)
  },
  /** JSON columns hold objects (params, environment, meta, payload). */
  json(value: unknown, field: string): string {
    if (typeof value !== 'object' || value === null) throw invalidInput(field, `expected an object, got ${describe(value)}`)
    return sized(JSON.stringify(value), field)
  },
  /** Document values: any JSON (objects, arrays, strings, numbers, booleans). */
  jsonValue(value: unknown, field: string): string {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw invalidInput(field, `expected a JSON value, got ${typeof value}`)
    }
    return sized(JSON.stringify(value), field)
  },
  jsonOrNull(value: unknown, field: string): string | null {
    return value === null ? null : encodeField.json(value, field)
  },
  oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw invalidInput(field, `expected one of ${allowed.join(', ')}, got ${describe(value)}`)
    }
    return value as T
  },
  hash(value: unknown): string {
    if (typeof value !== 'string' || !HASH_PATTERN.test(value)) throw mlopsError(ArtifactNameInvalid, [String(value)])
    return value
  },
}

/**
 * The largest JSON value (params, meta, payloads, documents) a metadata store takes: records are small
 * facts, and bulk data belongs in the artifact store. Every backend refuses the same size.
 */
export const MAX_RECORD_JSON_BYTES = 16 * 1024 * 1024

function sized(json: string, field: string): string {
  // A UTF-16 length is a lower bound of the UTF-8 size: check the cheap one first.
  if (json.length > MAX_RECORD_JSON_BYTES / 3 && Buffer.byteLength(json) > MAX_RECORD_JSON_BYTES) {
    throw invalidInput(
      field,
      `the JSON is ${(Buffer.byteLength(json) / 1024 / 1024).toFixed(1)} MiB; metadata records take at most ${MAX_RECORD_JSON_BYTES / 1024 / 1024} MiB (store bulk data as an artifact and record its hash)`,
    )
  }
  return json
}

export function invalidInput(where: string, reason: string): Error {
  return mlopsError(InputInvalid, [where, reason])
}

/** `limit` must be a positive integer when given. */
export function limitOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidInput(`${where}.limit`, `expected a positive integer, got ${describe(value)}`)
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`
}

/** The values of the contract's status fields, for backends that check them. */
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled']
export const STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'succeeded', 'cached', 'failed', 'cancelled', 'skipped']
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'dead']
export const COMPLETION_STATUSES: readonly StepCompletion['status'][] = ['succeeded', 'cached']
/** Sorts after every character a key can start with (UTF-8 order is code point order): `key < prefix + MAX_KEY_CHAR`. */
export const MAX_KEY_CHAR = '\u{10FFFF}'

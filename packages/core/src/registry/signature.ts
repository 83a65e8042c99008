import { z } from 'zod'
import type { ModelSignature, SignatureColumn } from '../plugin/kinds.js'

type JsonSchema = {
  type?: string | string[]
  enum?: unknown[]
  anyOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
}

function columnType(schema: JsonSchema): { type: SignatureColumn['type']; nullable: boolean; values?: string[] } {
  if (schema.anyOf) {
    const nonNull = schema.anyOf.filter((s) => s.type !== 'null')
    const nullable = nonNull.length < schema.anyOf.length
    if (nonNull.length === 1) return { ...columnType(nonNull[0]!), nullable: nullable || columnType(nonNull[0]!).nullable }
    return { type: 'unknown', nullable }
  }
  if (schema.enum) {
    const values = schema.enum.filter((v): v is string => typeof v === 'string')
    return values.length === schema.enum.length ? { type: 'string', nullable: false, values } : { type: 'unknown', nullable: schema.enum.includes(null) }
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]
  const nullable = types.includes('null')
  const rest = types.filter((t) => t !== 'null')
  const t = rest.length === 1 ? rest[0] : undefined
  return { type: t === 'number' || t === 'integer' || t === 'string' || t === 'boolean' ? t : 'unknown', nullable }
}

/** The signature of a model's input row schema (a zod object), as recorded with each version. */
export function signatureOf(input: z.ZodType, task: ModelSignature['task'], classes?: readonly string[]): ModelSignature {
  const inputSchema = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  const props = ((inputSchema as JsonSchema).properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((inputSchema as JsonSchema).required ?? [])
  const inputs: SignatureColumn[] = Object.entries(props).map(([name, schema]) => {
    const t = columnType(schema)
    return { name, type: t.type, ...(t.values ? { values: t.values } : {}), optional: !required.has(name), nullable: t.nullable }
  })
  return { inputs, inputSchema, task, ...(classes ? { classes } : {}) }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)}`
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/**
 * Checks rows against a recorded signature, column by column, without coercion: a missing required
 * column, a wrong type, a value outside an enum. Columns the signature does not name are dropped (as
 * MLflow's schema enforcement does). Returns the rows restricted to the signature's columns, or one
 * message per problem (at most `maxErrors`).
 */
export function validateRows(
  signature: ModelSignature,
  rows: readonly unknown[],
  maxErrors = 20,
): { ok: true; rows: Record<string, unknown>[] } | { ok: false; errors: string[] } {
  const errors: string[] = []
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < rows.length && errors.length < maxErrors; i++) {
    const row = rows[i]
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      errors.push(`rows[${i}]: expected an object of column values, got ${describe(row)}`)
      continue
    }
    const record = row as Record<string, unknown>
    const clean: Record<string, unknown> = {}
    for (const col of signature.inputs) {
      const value = record[col.name]
      const where = `rows[${i}].${col.name}`
      if (value === undefined) {
        if (!col.optional) errors.push(`${where}: required column is missing`)
        continue
      }
      if (value === null) {
        if (col.nullable) clean[col.name] = null
        else errors.push(`${where}: expected ${col.type}, got null`)
        continue
      }
      let ok: boolean
      switch (col.type) {
        case 'number':
          ok = typeof value === 'number' && Number.isFinite(value)
          break
        case 'integer':
          ok = typeof value === 'number' && Number.isInteger(value)
          break
        case 'string':
          ok = typeof value === 'string' && (col.values === undefined || col.values.includes(value))
          break
        case 'boolean':
          ok = typeof value === 'boolean'
          break
        default:
          ok = true
      }
      if (!ok) {
        errors.push(
          col.values && typeof value === 'string'
            ? `${where}: expected one of ${col.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`
            : `${where}: expected ${col.type}, got ${describe(value)}`,
        )
        continue
      }
      clean[col.name] = value
    }
    out.push(clean)
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows: out }
}

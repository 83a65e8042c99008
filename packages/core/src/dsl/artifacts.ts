import { z } from 'zod'

/**
 * An artifact kind: how a step output is serialised, hashed and read back. `T` is the value a step
 * returns and receives. Methods (not function properties) keep `ArtifactType` covariant in `T`, so a
 * dataset with extra columns may feed a step that needs fewer; a different `kind` never type-checks.
 */
export interface ArtifactType<K extends string = string, T = unknown> {
  readonly kind: K
  readonly mediaType: string
  serialize(value: T): Uint8Array
  deserialize(bytes: Uint8Array): T
  /** Checks a step's returned value; throws with the reason when it does not fit. */
  validate(value: unknown): T
  /** Facts recorded with the artifact (rows, columns, keys). */
  describe(value: T): Record<string, unknown>
  /** Phantom member carrying the value type; never set at run time. */
  readonly __value?: T
}

export type ArtifactValue<A> = A extends ArtifactType<string, infer T> ? T : never

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function jsonType<K extends string, T>(kind: K, schema: z.ZodType<T> | undefined, describe: (value: T) => Record<string, unknown>): ArtifactType<K, T> {
  return {
    kind,
    mediaType: 'application/json',
    serialize: (value) => encoder.encode(JSON.stringify(value)),
    deserialize: (bytes) => JSON.parse(decoder.decode(bytes)) as T,
    validate(value) {
      if (value === undefined) throw new Error('is undefined')
      if (!schema) return value as T
      const parsed = schema.safeParse(value)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new Error(`${issue?.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue?.message ?? 'invalid'}`)
      }
      return parsed.data
    },
    describe,
  }
}

export type DatasetRow = Record<string, unknown>

/** A table as an array of rows; with a row schema every row is validated when a step returns it. */
function dataset<Row extends DatasetRow = DatasetRow>(rowSchema?: z.ZodType<Row>): ArtifactType<'dataset', Row[]> {
  const schema = z.array(rowSchema ?? (z.record(z.string(), z.unknown()) as unknown as z.ZodType<Row>))
  return jsonType('dataset', schema, (rows) => ({ rows: rows.length, columns: rows[0] ? Object.keys(rows[0]) : [] }))
}

/** A trained model as a JSON-serialisable value (e.g. `RandomForestClassifier#toJSON()`). */
function model<M = unknown>(schema?: z.ZodType<M>): ArtifactType<'model', M> {
  return jsonType('model', schema, () => ({}))
}

const MetricsSchema = z.record(z.string(), z.number())
/** Named numbers; every key is also recorded as a run metric. */
function metrics(): ArtifactType<'metrics', Record<string, number>> {
  return jsonType('metrics', MetricsSchema, (value) => ({ keys: Object.keys(value) }))
}

/** Any JSON value, optionally validated by a schema. */
function json<T = unknown>(schema?: z.ZodType<T>): ArtifactType<'json', T> {
  return jsonType('json', schema, () => ({}))
}

/** Raw bytes (an image, a pickle, an ONNX file). */
function file(mediaType = 'application/octet-stream'): ArtifactType<'file', Uint8Array> {
  return {
    kind: 'file',
    mediaType,
    serialize: (value) => value,
    deserialize: (bytes) => bytes,
    validate(value) {
      if (!(value instanceof Uint8Array)) throw new Error(`expected a Uint8Array, got ${typeof value}`)
      return value
    },
    describe: (value) => ({ bytes: value.byteLength }),
  }
}

export const artifact = { dataset, model, metrics, json, file }

import type { ModelSignature, SignatureColumn } from '@mlops/core'

/** Open Inference Protocol (KServe v2) tensor datatypes. */
export const V2_DATATYPES = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'])

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

export interface V2InferRequest {
  id: string | undefined
  rows: Record<string, unknown>[]
  /** Output names asked for (`predict`, `predict_proba`); default `predict`. */
  outputs: string[]
}

export interface V2Tensor {
  name: string
  shape: number[]
  datatype: string
  data: unknown[]
  parameters?: Record<string, unknown>
}

/** The v2 datatype of a signature column. */
export function v2Datatype(type: SignatureColumn['type']): string {
  return type === 'number' ? 'FP64' : type === 'integer' ? 'INT64' : type === 'boolean' ? 'BOOL' : 'BYTES'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function preview(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v) : JSON.stringify(v)
  return `${typeof v === 'object' ? (v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object') : typeof v} ${text ?? ''}`.trim()
}

/** Row-major flattening of nested `data` (the JSON form allows both flat and nested arrays). */
function flatten(data: unknown[]): unknown[] {
  if (!data.some(Array.isArray)) return data
  const out: unknown[] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x)
    else out.push(v)
  }
  walk(data)
  return out
}

function checkDatatype(datatype: string, data: readonly unknown[], where: string): string | undefined {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    let ok: boolean
    if (datatype === 'BOOL') ok = typeof v === 'boolean'
    else if (datatype === 'BYTES') ok = typeof v === 'string'
    else if (datatype.startsWith('FP')) ok = typeof v === 'number'
    else ok = typeof v === 'number' && Number.isInteger(v) && (!datatype.startsWith('U') || v >= 0)
    if (!ok) return `${where}: datatype ${datatype} needs ${datatype === 'BOOL' ? 'booleans' : datatype === 'BYTES' ? 'strings' : datatype.startsWith('FP') ? 'numbers' : datatype.startsWith('U') ? 'non-negative integers' : 'integers'}, got ${preview(v)} at data[${i}]`
  }
  return undefined
}

function parseTensor(value: unknown, i: number): Parsed<V2Tensor> {
  const where = `inputs[${i}]`
  if (!isObject(value)) return { ok: false, message: `${where}: expected a tensor object { name, shape, datatype, data }, got ${preview(value)}` }
  const { name, shape, datatype, data, parameters } = value
  if (typeof name !== 'string' || name === '') return { ok: false, message: `${where}.name: expected a non-empty string` }
  const at = `${where} (${name})`
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    return { ok: false, message: `${at}.shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}` }
  }
  if (typeof datatype !== 'string' || !V2_DATATYPES.has(datatype)) {
    return { ok: false, message: `${at}.datatype: expected one of ${[...V2_DATATYPES].join(', ')}, got ${JSON.stringify(datatype)}` }
  }
  if (!Array.isArray(data)) return { ok: false, message: `${at}.data: expected an array, got ${preview(data)}` }
  const flat = flatten(data)
  const size = (shape as number[]).reduce((a, b) => a * b, 1)
  if (flat.length !== size) return { ok: false, message: `${at}: shape ${JSON.stringify(shape)} holds ${size} values but data has ${flat.length}` }
  const bad = checkDatatype(datatype, flat, at)
  if (bad) return { ok: false, message: bad }
  if (parameters !== undefined && !isObject(parameters)) return { ok: false, message: `${at}.parameters: expected an object` }
  return { ok: true, value: { name, shape: shape as number[], datatype, data: flat, ...(parameters ? { parameters } : {}) } }
}

/**
 * Parses a v2 inference request into rows. Two layouts: one tensor per feature column (shape [N] or
 * [N, 1], as MLServer's pandas codec sends them), or a single 2-D tensor [N, K] whose columns are named by
 * `parameters.columns` or, without it, are the signature's columns in order.
 */
export function parseV2Infer(body: unknown, signature: ModelSignature): Parsed<V2InferRequest> {
  if (!isObject(body)) return { ok: false, message: `expected a JSON object { "inputs": [...] }, got ${preview(body)}` }
  const id = body.id
  if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > 200)) return { ok: false, message: 'id: expected a non-empty string of at most 200 characters' }
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) return { ok: false, message: 'inputs: expected a non-empty array of tensors { name, shape, datatype, data }' }
  const tensors: V2Tensor[] = []
  for (let i = 0; i < body.inputs.length; i++) {
    const t = parseTensor(body.inputs[i], i)
    if (!t.ok) return t
    tensors.push(t.value)
  }
  let outputs = ['predict']
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs) || !body.outputs.every((o) => isObject(o) && typeof o.name === 'string')) return { ok: false, message: 'outputs: expected an array of { name }' }
    outputs = body.outputs.map((o) => (o as { name: string }).name)
    const unknown = outputs.filter((n) => n !== 'predict' && n !== 'predict_proba')
    if (unknown.length) return { ok: false, message: `outputs: unknown output ${unknown.map((n) => JSON.stringify(n)).join(', ')}; this model has "predict" and "predict_proba"` }
    if (outputs.length === 0) outputs = ['predict']
  }
  const first = tensors[0]!
  const twoD = tensors.length === 1 && first.shape.length === 2 && (first.shape[1]! > 1 || Array.isArray(first.parameters?.columns))
  const rows: Record<string, unknown>[] = []
  if (twoD) {
    const [n, k] = first.shape as [number, number]
    const named = first.parameters?.columns
    let columns: string[]
    if (named !== undefined) {
      if (!Array.isArray(named) || !named.every((c) => typeof c === 'string')) return { ok: false, message: `inputs[0] (${first.name}).parameters.columns: expected an array of column names` }
      columns = named as string[]
    } else columns = signature.inputs.map((c) => c.name).slice(0, k)
    if (columns.length !== k) {
      return { ok: false, message: `inputs[0] (${first.name}): a 2-D tensor of shape [${n}, ${k}] needs ${k} column names; ${named ? `parameters.columns has ${columns.length}` : `the model has ${columns.length} input columns (${columns.join(', ')}); name them in parameters.columns`}` }
    }
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = {}
      for (let c = 0; c < k; c++) row[columns[c]!] = first.data[r * k + c]
      rows.push(row)
    }
  } else {
    const n = first.shape[0]!
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!
      if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) {
        return { ok: false, message: `inputs[${i}] (${t.name}): a column tensor has shape [N] or [N, 1], got ${JSON.stringify(t.shape)} (send one 2-D tensor with parameters.columns for a matrix)` }
      }
      if (t.shape[0] !== n) return { ok: false, message: `inputs[${i}] (${t.name}): has ${t.shape[0]} rows but inputs[0] (${first.name}) has ${n}` }
    }
    const seen = new Set<string>()
    for (const t of tensors) {
      if (seen.has(t.name)) return { ok: false, message: `inputs: the tensor "${t.name}" is given twice` }
      seen.add(t.name)
    }
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = {}
      for (const t of tensors) row[t.name] = t.data[r]
      rows.push(row)
    }
  }
  return { ok: true, value: { id: id as string | undefined, rows, outputs } }
}

/** The v2 datatype of a list of model outputs. */
export function outputDatatype(values: readonly unknown[], task: ModelSignature['task']): string {
  let allNumbers = true
  let allIntegers = true
  let allBooleans = true
  for (const v of values) {
    if (typeof v !== 'number') allNumbers = false
    else if (!Number.isInteger(v)) allIntegers = false
    if (typeof v !== 'boolean') allBooleans = false
  }
  if (values.length && allBooleans) return 'BOOL'
  if (allNumbers) return task === 'regression' || !allIntegers ? 'FP64' : 'INT64'
  return 'BYTES'
}

/** A v2 output tensor holding one value per row (non-scalar outputs are sent as JSON strings). */
export function predictTensor(values: readonly unknown[], task: ModelSignature['task']): V2Tensor {
  const datatype = outputDatatype(values, task)
  const data = datatype === 'BYTES' ? values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [...values]
  return { name: 'predict', shape: [values.length], datatype, data }
}

/** Class scores as an [N, C] FP64 tensor; `parameters.classes` names the columns. */
export function probaTensor(scores: readonly Record<string, number>[], classes: readonly string[] | undefined): V2Tensor {
  const names = classes && classes.length ? [...classes] : Object.keys(scores[0] ?? {})
  const data: number[] = []
  for (const s of scores) for (const c of names) data.push(s[c] ?? 0)
  return { name: 'predict_proba', shape: [scores.length, names.length], datatype: 'FP64', data, parameters: { classes: names } }
}

// ---------------------------------------------------------------------------------------------
// MLflow scoring protocol (/invocations)
// ---------------------------------------------------------------------------------------------

const MLFLOW_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const

function columnarRows(value: Record<string, unknown>, where: string): Parsed<Record<string, unknown>[]> {
  const keys = Object.keys(value)
  if (keys.length === 0) return { ok: false, message: `${where}: expected at least one column` }
  const arrays = keys.filter((k) => Array.isArray(value[k]))
  if (arrays.length === 0) return { ok: true, value: [{ ...value }] }
  if (arrays.length !== keys.length) return { ok: false, message: `${where}: mixes list and scalar columns; give every column a list of the same length` }
  const n = (value[keys[0]!] as unknown[]).length
  for (const k of keys) {
    if ((value[k] as unknown[]).length !== n) return { ok: false, message: `${where}: column "${k}" has ${(value[k] as unknown[]).length} values but "${keys[0]}" has ${n}` }
  }
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {}
    for (const k of keys) row[k] = (value[k] as unknown[])[i]
    rows.push(row)
  }
  return { ok: true, value: rows }
}

/**
 * Parses an MLflow 2.x scoring request: exactly one of `dataframe_split` ({ columns, data }),
 * `dataframe_records` ([{ col: value }]), `instances` or `inputs` (a list of row objects, or an object of
 * columns); `params` is accepted and ignored.
 */
export function parseMlflowInvocation(body: unknown, columns: readonly string[]): Parsed<Record<string, unknown>[]> {
  if (!isObject(body)) return { ok: false, message: `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${MLFLOW_FORMATS.join(', ')}; got ${preview(body)}` }
  const given = MLFLOW_FORMATS.filter((f) => f in body)
  const extra = Object.keys(body).filter((k) => !(MLFLOW_FORMATS as readonly string[]).includes(k) && k !== 'params')
  if (given.length !== 1 || extra.length) {
    return {
      ok: false,
      message: `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${MLFLOW_FORMATS.join(', ')}; got ${given.length ? given.join(', ') : 'none of them'}${extra.length ? ` and unknown field(s) ${extra.join(', ')}` : ''}. See https://mlflow.org/docs/latest/deployment/deploy-model-locally.html for the request format.`,
    }
  }
  const format = given[0]!
  const value = body[format]
  if (format === 'dataframe_split') {
    if (!isObject(value)) return { ok: false, message: 'dataframe_split: expected an object { "columns": [...], "data": [[...], ...] }' }
    const { columns, data } = value
    if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) return { ok: false, message: 'dataframe_split.columns: expected an array of column names' }
    if (!Array.isArray(data)) return { ok: false, message: 'dataframe_split.data: expected an array of rows (arrays of values)' }
    const rows: Record<string, unknown>[] = []
    for (let i = 0; i < data.length; i++) {
      const r = data[i]
      if (!Array.isArray(r) || r.length !== columns.length) return { ok: false, message: `dataframe_split.data[${i}]: expected an array of ${columns.length} values (one per column), got ${preview(r)}` }
      const row: Record<string, unknown> = {}
      for (let c = 0; c < columns.length; c++) row[columns[c] as string] = r[c]
      rows.push(row)
    }
    return { ok: true, value: rows }
  }
  if (format === 'dataframe_records') {
    if (!Array.isArray(value) || !value.every(isObject)) return { ok: false, message: 'dataframe_records: expected an array of row objects [{ "column": value, ... }]' }
    return { ok: true, value: value as Record<string, unknown>[] }
  }
  if (Array.isArray(value)) {
    if (value.every(isObject)) return { ok: true, value: value as Record<string, unknown>[] }
    // A list of lists is a 2-D tensor: its columns are the signature's, in order (as MLflow maps them).
    if (value.every(Array.isArray)) {
      const rows: Record<string, unknown>[] = []
      for (let i = 0; i < value.length; i++) {
        const r = value[i] as unknown[]
        if (r.length > columns.length) return { ok: false, message: `${format}[${i}]: has ${r.length} values but the model has ${columns.length} input columns (${columns.join(', ')})` }
        const row: Record<string, unknown> = {}
        for (let c = 0; c < r.length; c++) row[columns[c]!] = r[c]
        rows.push(row)
      }
      return { ok: true, value: rows }
    }
    return { ok: false, message: `${format}: send a list of row objects ([{ "column": value }]), a list of rows ([[v1, v2, ...]] in the columns' order: ${columns.join(', ')}) or an object of columns ({ "column": [values] })` }
  }
  if (isObject(value)) return columnarRows(value, format)
  return { ok: false, message: `${format}: expected a list of row objects or an object of columns, got ${preview(value)}` }
}

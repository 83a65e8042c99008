/** Exit codes shared by every command (ARCHITECTURE.md): 1 a check failed, 2 bad usage/config/input, 70 a bug. */
export type ExitCode = 0 | 1 | 2 | 70

export interface ErrorData<A extends unknown[] = never[]> {
  code: string
  title: string
  message: (...args: A) => string
  hint: string | ((...args: A) => string)
  exit: 1 | 2 | 70
}

export interface ErrorLocation {
  /** File the problem is in (config file, data file, artifact path). */
  file?: string
  /** Line in that file, when known. */
  line?: number
  /** Path inside the config or the data, such as `pipelines.train.steps[2].params.lr`. */
  path?: string
}

const BRAND = Symbol.for('@mlops/core/MlopsError')

/** A user-facing error: says what happened (`message`), where (`loc`) and what to do (`hint`). */
export class MlopsError extends Error {
  readonly [BRAND] = true
  readonly code: string
  readonly title: string
  readonly hint: string
  readonly exit: 1 | 2 | 70
  readonly loc: ErrorLocation | undefined

  constructor(init: { code: string; title: string; message: string; hint: string; exit: 1 | 2 | 70; loc?: ErrorLocation; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'MlopsError'
    this.code = init.code
    this.title = init.title
    this.hint = init.hint
    this.exit = init.exit
    this.loc = init.loc
  }
}

/** Builds an MlopsError from a catalogue entry. */
export function mlopsError<A extends unknown[]>(
  data: ErrorData<A>,
  args: A,
  extra: { loc?: ErrorLocation; cause?: unknown } = {},
): MlopsError {
  const hint = typeof data.hint === 'function' ? data.hint(...args) : data.hint
  return new MlopsError({ code: data.code, title: data.title, message: data.message(...args), hint, exit: data.exit, ...extra })
}

/** Brand check instead of `instanceof`: works across module copies and after rebuilding from a worker. */
export function isMlopsError(value: unknown): value is MlopsError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

export interface SerializedError {
  name: string
  message: string
  stack?: string
  code?: string
  title?: string
  hint?: string
  exit?: number
  loc?: ErrorLocation
  cause?: SerializedError
}

/** Plain-object form that survives structured clone (worker threads) and JSON (`--json`, metadata). */
export function serializeError(error: unknown): SerializedError {
  if (isMlopsError(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      title: error.title,
      hint: error.hint,
      exit: error.exit,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(error.loc ? { loc: error.loc } : {}),
      ...(error.cause !== undefined ? { cause: serializeError(error.cause) } : {}),
    }
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      ...((error as { code?: unknown }).code !== undefined ? { code: String((error as { code?: unknown }).code) } : {}),
      ...(error.cause !== undefined ? { cause: serializeError(error.cause) } : {}),
    }
  }
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) }
}

/** Rebuilds an error serialised by `serializeError`, keeping code, hint and cause. */
export function deserializeError(data: SerializedError): Error {
  const cause = data.cause ? deserializeError(data.cause) : undefined
  if (data.code && data.title !== undefined && data.hint !== undefined && (data.exit === 1 || data.exit === 2 || data.exit === 70)) {
    const error = new MlopsError({
      code: data.code,
      title: data.title,
      message: data.message,
      hint: data.hint,
      exit: data.exit,
      ...(data.loc ? { loc: data.loc } : {}),
      ...(cause ? { cause } : {}),
    })
    if (data.stack) error.stack = data.stack
    return error
  }
  const error = new Error(data.message, cause ? { cause } : undefined)
  error.name = data.name
  if (data.stack) error.stack = data.stack
  if (data.code) (error as Error & { code?: string }).code = data.code
  return error
}

/** 0 is never an error's exit code; unknown errors are bugs (70). */
export function exitCodeFor(error: unknown): 1 | 2 | 70 {
  return isMlopsError(error) ? error.exit : 70
}

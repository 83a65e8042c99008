import { errors, isMlopsError, mlopsError } from '@mlops/core'

/** Deadlock and serialization failures: the transaction was rolled back whole and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001'])

/** The PostgreSQL SQLSTATE (or the Node system error code) of a driver error. */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : undefined
}

export function isRetryable(error: unknown): boolean {
  const code = errorCode(error)
  return code !== undefined && RETRYABLE.has(code)
}

/** What to do about a connection failure, or undefined when the error is not one. */
export function connectionProblem(error: unknown): { reason: string; fix: string } | undefined {
  if (isMlopsError(error)) return undefined
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : String(error)
  const reason = code && !message.includes(code) ? `${message} (${code})` : message
  switch (code) {
    case 'ECONNREFUSED':
      return { reason, fix: 'Nothing accepts connections at that host and port: start PostgreSQL, or fix the host and port in the URL.' }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason, fix: 'The host name does not resolve: fix the host in the URL.' }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason, fix: 'The network path to the server failed: check that the server runs and that the host and port in the URL are right.' }
    case '28P01':
    case '28000':
      return { reason, fix: 'The server refused the credentials: fix the user and password in the URL (keep it in the MLOPS_POSTGRES_URL environment variable, not in the config).' }
    case '3D000':
      return { reason, fix: 'The database does not exist: create it (`createdb NAME`) or fix the database name in the URL.' }
    case '53300':
      return { reason, fix: 'The server has no free connection slots: lower poolSize, or raise max_connections on the server.' }
    case '57P01':
    case '57P02':
    case '57P03':
      return { reason, fix: 'The server is shutting down or starting up: wait for it and try again.' }
  }
  if (code?.startsWith('08')) return { reason, fix: 'The connection failed: check that PostgreSQL runs and that the URL is right.' }
  if (/timeout|Connection terminated|connection ended|Client has encountered a connection error/i.test(message)) {
    return { reason, fix: 'The server did not answer in time: check that PostgreSQL runs at that address, or raise connectTimeoutMs.' }
  }
  return undefined
}

/**
 * Turns driver errors into messages that say which store and what to do: connection failures become
 * MLOPS_SERVICE_UNREACHABLE naming the (masked) URL, bad values MLOPS_INPUT_INVALID. Mlops errors
 * thrown by the store itself pass through unchanged.
 */
export function translateError(error: unknown, what: string, where: string): unknown {
  if (isMlopsError(error)) return error
  const connection = connectionProblem(error)
  if (connection) return mlopsError(errors.ServiceUnreachable, ['PostgreSQL', where, `${what}: ${connection.reason}`, connection.fix], { cause: error })
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : String(error)
  // Class 22: data exceptions (a NUL character in text, a number out of range); class 23: constraints.
  if (code?.startsWith('22') || code?.startsWith('23')) {
    return mlopsError(errors.InputInvalid, [`${what} in ${where}`, `the record violates the schema (${message}, ${code})`], { cause: error })
  }
  if (code === '42P01' || code === '3F000') {
    return mlopsError(errors.InputInvalid, [
      where,
      `${what}: the metadata tables are missing (${message}); was the schema dropped while the store was open? Open the store again to recreate it.`,
    ], { cause: error })
  }
  return error
}

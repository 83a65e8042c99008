import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { createRequire } from 'node:module'
import { errors, mlopsError } from '@mlops/core'
import type LibsqlDatabase from 'libsql'

/** The only values bound to statements: libsql aborts the whole process on a boolean parameter. */
export type SqlValue = string | number | null

type Database = InstanceType<typeof LibsqlDatabase>
type Statement = ReturnType<Database['prepare']>

export interface ConnectionOptions {
  /** How long a write waits for another process's transaction before failing. */
  busyTimeoutMs: number
  /** `full` fsyncs the WAL on every commit (a power cut loses nothing committed); `normal` may lose the last commits. */
  synchronous: 'full' | 'normal'
}

// libsql is CommonJS with a native addon; `require` loads it only when a store opens.
const require = createRequire(import.meta.url)
let libsql: typeof LibsqlDatabase | undefined

/**
 * One SQLite connection with synchronous statements. Every transaction runs from BEGIN to COMMIT
 * without yielding to the event loop: with an async driver, a second store instance in the same
 * process could start BEGIN IMMEDIATE between two statements of the first and then block the only
 * thread in SQLite's busy wait while the first can never reach COMMIT.
 */
export class Connection {
  readonly path: string
  readonly busyTimeoutMs: number
  #db: Database | undefined
  readonly #statements = new Map<string, Statement>()

  constructor(path: string, options: ConnectionOptions) {
    this.path = path
    this.busyTimeoutMs = options.busyTimeoutMs
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    libsql ??= require('libsql') as typeof LibsqlDatabase
    const db = new libsql(path)
    this.#db = db
    try {
      // busy_timeout first: switching to WAL needs a lock another opener may hold for a moment.
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`)
      db.exec('PRAGMA journal_mode = WAL')
      db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
      db.exec('PRAGMA foreign_keys = ON')
    } catch (error) {
      this.close()
      throw this.translate(error, 'open')
    }
  }

  get isOpen(): boolean {
    return this.#db !== undefined
  }

  all<R>(sql: string, params: readonly SqlValue[] = []): R[] {
    return this.#statement(sql).all(bind(params)) as R[]
  }

  get<R>(sql: string, params: readonly SqlValue[] = []): R | undefined {
    return (this.#statement(sql).get(bind(params)) as R | null | undefined) ?? undefined
  }

  run(sql: string, params: readonly SqlValue[] = []): { changes: number } {
    const result = this.#statement(sql).run(bind(params)) as { changes: number }
    return { changes: result.changes }
  }

  exec(sql: string): void {
    this.#open().exec(sql)
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue (busy_timeout) instead of deadlocking. */
  write<T>(what: string, body: () => T): T {
    return this.#transaction('BEGIN IMMEDIATE', what, body)
  }

  /** A read snapshot for reads made of several statements. */
  read<T>(what: string, body: () => T): T {
    return this.#transaction('BEGIN DEFERRED', what, body)
  }

  close(): void {
    const db = this.#db
    this.#db = undefined
    this.#statements.clear()
    db?.close()
  }

  /** Turns SQLite errors into messages that say which store and what to do. */
  translate(error: unknown, what: string): unknown {
    const code = sqliteCode(error)
    if (code === undefined) return error
    const reason = error instanceof Error ? error.message : String(error)
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
      return new Error(
        `${what}: the metadata database ${this.path} stayed locked by another process for more than ${this.busyTimeoutMs} ms. ` +
          'Another mlops command may be stuck: stop it, or raise busyTimeoutMs in the @mlops/metadata-sqlite options.',
        { cause: error },
      )
    }
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      return mlopsError(errors.InputInvalid, [this.path, `${what}: not a readable SQLite database (${reason}). Move it away to start a new metadata store, or restore it from a backup.`], {
        loc: { file: this.path },
        cause: error,
      })
    }
    if (code.startsWith('SQLITE_CONSTRAINT')) {
      return mlopsError(errors.InputInvalid, [`${what} in ${this.path}`, `the record violates the schema (${reason})`], { cause: error })
    }
    return error
  }

  #transaction<T>(begin: string, what: string, body: () => T): T {
    const db = this.#open()
    try {
      db.exec(begin)
    } catch (error) {
      throw this.translate(error, what)
    }
    try {
      const result = body()
      db.exec('COMMIT')
      return result
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw this.translate(error, what)
    }
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.#open().prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  #open(): Database {
    if (!this.#db) throw new Error(`The metadata store ${this.path} is closed; open a new one with openSqliteMetadataStore().`)
    return this.#db
  }
}

function bind(params: readonly SqlValue[]): SqlValue[] {
  for (const value of params) {
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') {
      throw new TypeError(`Internal error: cannot bind a ${typeof value} to a SQLite statement.`)
    }
  }
  return params as SqlValue[]
}

function sqliteCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The test server: MLOPS_TEST_POSTGRES_URL, or the local default of the project's machines. */
export const TEST_URL = process.env.MLOPS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Whether the test server answers `SELECT 1` (within 3 s). Unreachable: the tests skip with the
 * reason in their title, except under CI=true, where a missing service is a failure.
 */
export async function probePostgres(): Promise<{ reachable: boolean; reason: string }> {
  const client = new pg.Client({ connectionString: TEST_URL, connectionTimeoutMillis: 3000 })
  let outcome: { reachable: boolean; reason: string }
  try {
    await client.connect()
    await client.query('SELECT 1')
    outcome = { reachable: true, reason: '' }
  } catch (error) {
    outcome = { reachable: false, reason: `no PostgreSQL at ${new URL(TEST_URL).host} (${error instanceof Error ? error.message : String(error)})` }
  } finally {
    await client.end().catch(() => {})
  }
  if (!outcome.reachable) {
    if (process.env.CI === 'true') throw new Error(`CI=true and ${outcome.reason}: start PostgreSQL or set MLOPS_TEST_POSTGRES_URL.`)
    console.warn(`@mlops/metadata-postgres tests skipped: ${outcome.reason}`)
  }
  return outcome
}

/** Unique schema names for one test file, dropped (with everything in them) by `dropAll`. */
export function schemaNames(label: string) {
  const base = `mlops_t_${label}_${process.pid}_${randomBytes(3).toString('hex')}`
  const created: string[] = []
  let count = 0
  return {
    next(): string {
      const name = `${base}_${count++}`
      created.push(name)
      return name
    },
    async dropAll(): Promise<void> {
      if (created.length === 0) return
      const client = new pg.Client({ connectionString: TEST_URL })
      await client.connect()
      try {
        for (const name of created) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { serializeError, setupPlugin } from '@mlops/core'
import type { MetadataStore, PluginContext } from '@mlops/core'
import pg from 'pg'
import { afterAll, describe, expect, it, vi } from 'vitest'
import metadataPostgres, { LATEST_SCHEMA_VERSION, maskUrl, openPostgresMetadataStore } from '../src/index.js'
import { probePostgres, schemaNames, TEST_URL } from './postgres-service.js'

// Each case creates and migrates a schema: allow for a CI machine busy with every other package's tests.
vi.setConfig({ testTimeout: 30_000 })
const service = await probePostgres()
const schemas = schemaNames('store')
afterAll(() => schemas.dropAll())

function context(env: Record<string, string | undefined>): PluginContext {
  const noop = () => {}
  return { root: process.cwd(), dataDir: '.mlops', logger: { debug: noop, info: noop, warn: noop, error: noop }, signal: new AbortController().signal, env }
}

/** TEST_URL with a password and another port or database, keeping user and host. */
function variantUrl(change: { port?: number; database?: string; password?: string; host?: string }): string {
  const url = new URL(TEST_URL)
  if (change.password !== undefined) url.password = change.password
  if (change.port !== undefined) url.port = String(change.port)
  if (change.host !== undefined) url.hostname = change.host
  if (change.database !== undefined) url.pathname = `/${change.database}`
  return url.toString()
}

async function withClient<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_URL })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

async function caught(action: () => Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code?: string; hint?: string }
  }
  throw new Error('expected a rejection, but the call resolved')
}

/** A TCP relay to the test server, so a test can make the server "go away" under an open store. */
async function startRelay(): Promise<{ port: number; stop: () => Promise<void> }> {
  const target = new URL(TEST_URL)
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('relay has no port')
  return {
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('maskUrl', () => {
  it('replaces the password, in a URL and in text that is not one', () => {
    expect(maskUrl('postgres://app:s3cr%40t@db.internal:5433/prod')).toBe('postgres://app:****@db.internal:5433/prod')
    expect(maskUrl('postgres://app@db/prod')).toBe('postgres://app@db/prod')
    expect(maskUrl('postgres://db/prod?user=app&password=hunter2')).toBe('postgres://db/prod?user=app&password=****')
    expect(maskUrl('postgres://app:hunter2@bad host/prod')).not.toContain('hunter2')
  })
})

describe.skipIf(!service.reachable)(service.reachable ? '@mlops/metadata-postgres' : `@mlops/metadata-postgres (skipped: ${service.reason})`, () => {
  it('is a shared store', async () => {
    const store = await openPostgresMetadataStore({ url: TEST_URL, schema: schemas.next(), poolSize: 2 })
    try {
      expect(store.scope).toBe('shared')
      expect((await store.check()).ok).toBe(true)
    } finally {
      await store.close()
    }
  })

  it('four stores opening one new schema at once migrate it once (advisory lock), and all work', async () => {
    const schema = schemas.next()
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresMetadataStore({ url: TEST_URL, schema, poolSize: 2 })))
    try {
      const versions = await withClient(async (c) => (await c.query(`SELECT version FROM "${schema}".schema_version ORDER BY version`)).rows.map((r) => r.version as number))
      expect(versions).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1))
      await Promise.all(stores.map((s, i) => s.appendEvent({ id: `evt-${i}`, type: 'opened', payload: { i }, createdAt: new Date().toISOString() })))
      expect((await stores[0]!.listEvents()).map((e) => e.id).sort()).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3'])
      for (const store of stores) expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] })
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  })

  it('an unreachable server fails with MLOPS_SERVICE_UNREACHABLE naming the URL with the password masked', async () => {
    const url = variantUrl({ password: 'hunter2-secret', port: 1 })
    const error = await caught(() => openPostgresMetadataStore({ url, schema: schemas.next(), connectTimeoutMs: 3000 }))
    expect(error.code).toBe('MLOPS_SERVICE_UNREACHABLE')
    expect(error.message).toContain(maskUrl(url))
    expect(error.message).toContain(':****@127.0.0.1:1/')
    expect(error.message).toMatch(/ECONNREFUSED/)
    expect(error.hint).toMatch(/start PostgreSQL|host and port/)
    expect(JSON.stringify(serializeError(error))).not.toContain('hunter2-secret')
  })

  it('a database that does not exist is named, with how to create it', async () => {
    const url = variantUrl({ password: 'hunter2-secret', database: 'mlops_no_such_database' })
    const error = await caught(() => openPostgresMetadataStore({ url, schema: schemas.next() }))
    expect(error.code).toBe('MLOPS_SERVICE_UNREACHABLE')
    expect(error.message).toContain('mlops_no_such_database')
    expect(error.message).not.toContain('hunter2-secret')
    expect(error.hint).toMatch(/createdb/)
  })

  it('a URL that is not a postgres:// URL is MLOPS_INPUT_INVALID naming where it came from, without the password', async () => {
    for (const url of ['not a url', 'mysql://root:hunter2-secret@127.0.0.1/test', '']) {
      const error = await caught(() => openPostgresMetadataStore({ url, urlSource: 'the environment variable MLOPS_POSTGRES_URL' }))
      expect(error.code, url).toBe('MLOPS_INPUT_INVALID')
      expect(error.message).toContain('MLOPS_POSTGRES_URL')
      expect(error.message).not.toContain('hunter2-secret')
    }
    const badSchema = await caught(() => openPostgresMetadataStore({ url: TEST_URL, schema: 'Robert"); DROP TABLE x;--' }))
    expect(badSchema.code).toBe('MLOPS_INPUT_INVALID')
  })

  it('check() reports ok:false (and never throws) once the server is unreachable, naming the masked URL', async () => {
    const relay = await startRelay()
    const url = variantUrl({ port: relay.port, password: 'hunter2-secret' })
    let store: MetadataStore | undefined
    try {
      store = await openPostgresMetadataStore({ url, schema: schemas.next(), poolSize: 2, connectTimeoutMs: 2000 })
      const healthy = await store.check!()
      expect(healthy.ok).toBe(true)
      expect(healthy.detail).toContain(`:****@127.0.0.1:${relay.port}/`)
      await relay.stop()
      const started = Date.now()
      const down = await store.check!()
      expect(down.ok).toBe(false)
      expect(down.detail).toContain(`127.0.0.1:${relay.port}`)
      expect(down.detail).not.toContain('hunter2-secret')
      expect(Date.now() - started).toBeLessThan(5000)
      // A method call, unlike check(), fails: with the catalogue error, not a raw socket error.
      const error = await caught(() => store!.listRuns())
      expect(error.code).toBe('MLOPS_SERVICE_UNREACHABLE')
    } finally {
      await relay.stop()
      await store?.close()
    }
  })

  it('refuses a schema written by a newer release, and a schema that is not an mlops store', async () => {
    const newer = schemas.next()
    await (await openPostgresMetadataStore({ url: TEST_URL, schema: newer, poolSize: 1 })).close()
    await withClient((c) => c.query(`INSERT INTO "${newer}".schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00.000Z')`))
    const error = await caught(() => openPostgresMetadataStore({ url: TEST_URL, schema: newer, poolSize: 1 }))
    expect(error.code).toBe('MLOPS_INPUT_INVALID')
    expect(error.message).toMatch(/version 99.*up to 2.*Upgrade @mlops\/metadata-postgres/s)

    const foreign = schemas.next()
    await withClient((c) => c.query(`CREATE SCHEMA "${foreign}"; CREATE TABLE "${foreign}".customers (id int)`))
    const refused = await caught(() => openPostgresMetadataStore({ url: TEST_URL, schema: foreign, poolSize: 1 }))
    expect(refused.code).toBe('MLOPS_INPUT_INVALID')
    expect(refused.message).toMatch(/not an mlops metadata store.*customers/)
    expect(await withClient(async (c) => (await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [foreign])).rows[0].n)).toBe(1)
  })

  it('checkIntegrity finds dangling references once the foreign keys were dropped by hand', async () => {
    const schema = schemas.next()
    const store = await openPostgresMetadataStore({ url: TEST_URL, schema, poolSize: 1 })
    try {
      await withClient(async (c) => {
        await c.query(`ALTER TABLE "${schema}".steps DROP CONSTRAINT steps_run_fk`)
        await c.query(
          `INSERT INTO "${schema}".steps (run_id, step_id, step_name, status, cache_key, code_version, params, attempts) VALUES ('ghost-run', 'fit', 'fit', 'running', 'k', 'v', '{}', 1)`,
        )
      })
      const report = await store.checkIntegrity()
      expect(report.ok).toBe(false)
      expect(report.problems).toEqual(['step fit belongs to run ghost-run, which does not exist'])
    } finally {
      await store.close()
    }
  })

  it('a closed store says so; close() twice is fine', async () => {
    const store = await openPostgresMetadataStore({ url: TEST_URL, schema: schemas.next(), poolSize: 1 })
    await store.close()
    await store.close()
    await expect(store.listRuns()).rejects.toThrow(/is closed; open a new one/)
    expect((await store.check()).ok).toBe(false)
  })

  it('plugin: reads the URL from MLOPS_POSTGRES_URL (or urlEnv), validates options, names a missing variable', async () => {
    const schema = schemas.next()
    const provides = await setupPlugin(metadataPostgres({ schema, poolSize: 2 }), 'mlops.config.ts: plugins[0]', context({ MLOPS_POSTGRES_URL: TEST_URL }))
    try {
      expect(provides.metadata?.scope).toBe('shared')
      await provides.metadata!.createRun({
        id: 'run-plugin',
        pipeline: 'train',
        status: 'running',
        params: {},
        codeVersion: 'c',
        environment: { nodeVersion: 'v20', platform: 'linux', arch: 'x64', osRelease: '6', hostname: 'h', user: null, gitCommit: null, gitDirty: null, lockfileHash: null, packages: {} },
        pid: null,
        hostname: null,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        resumeCount: 0,
      })
    } finally {
      await provides.metadata?.close()
    }
    const other = await setupPlugin(metadataPostgres({ schema, urlEnv: 'TEAM_DB_URL' }), 'plugins[0]', context({ TEAM_DB_URL: TEST_URL }))
    try {
      expect((await other.metadata!.getRun('run-plugin'))?.pipeline).toBe('train')
    } finally {
      await other.metadata?.close()
    }

    const missing = await caught(() => setupPlugin(metadataPostgres(), 'plugins[0]', context({})))
    expect(missing.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    expect(missing.message).toContain('MLOPS_POSTGRES_URL')
    const badSchema = await caught(() => setupPlugin(metadataPostgres({ schema: 'Has-Dash' }), 'plugins[0]', context({ MLOPS_POSTGRES_URL: TEST_URL })))
    expect(badSchema.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
    expect(badSchema.message).toContain('schema')
  })
})

// Switching backend is a config change only: the quickstart, unchanged, run through the real `mlops` bin
// with examples/quickstart/mlops.production.config.ts (PostgreSQL metadata, S3 artifacts on an in-process
// s3rver, steps on two `mlops worker` processes through BullMQ on Redis), every connection detail and
// secret from environment variables. The same metrics as the embedded run, a second run all cache hits,
// runs ls / lineage / doctor against the shared stores, and the secrets nowhere in the stores or the logs.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, startCli, waitFor, type CliResult } from './helpers.js'

const postgresUrl = process.env.MLOPS_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'
const redisUrl = process.env.MLOPS_TEST_REDIS_URL || 'redis://127.0.0.1:6379'
const quickstart = join(repoRoot, 'examples/quickstart')
const CONFIG = ['--config', 'mlops.production.config.ts']

const unique = `${process.pid}_${Date.now().toString(36)}`
const schema = `mlops_prod_e2e_${unique}`
const queueName = `mlops-prod-e2e-${unique}`
const bucket = `mlops-prod-e2e-${unique.replace(/_/g, '-')}`
/** Distinctive secrets: each must appear in no store, log or error message. */
const S3_SECRET = `SECRET-S3-${unique}-k9Qx`
const S3_ACCESS_KEY = `MLOPSE2E${unique.toUpperCase().replace(/[^A-Z0-9]/g, '')}`
let PG_SECRET = `SECRET-PG-${unique}-w7Zr`

/** The test's PostgreSQL URL with a password: trust auth accepts any, so a distinctive one is set unless the URL has its own. */
function urlWithPassword(): string {
  const url = new URL(postgresUrl)
  if (url.password) PG_SECRET = decodeURIComponent(url.password)
  else url.password = PG_SECRET
  return url.toString()
}

async function servicesUnreachable(): Promise<string | undefined> {
  const problems: string[] = []
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    problems.push(`no PostgreSQL at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}; set MLOPS_TEST_POSTGRES_URL)`)
  } finally {
    await client.end().catch(() => {})
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null, enableOfflineQueue: false })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    problems.push(`no Redis at ${redisUrl} (${(error as Error).message}; set MLOPS_TEST_REDIS_URL)`)
  } finally {
    redis.disconnect()
  }
  if (problems.length === 0) return undefined
  const reason = problems.join('; ')
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`)
  console.warn(`skipping the production-backends e2e: ${reason}`)
  return reason
}

const unreachable = await servicesUnreachable()

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Every file under `dir` (recursively), as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else out.push({ path, bytes: readFileSync(path) })
  }
  return out
}

interface RunJson {
  run: { id: string; status: string }
  steps: { stepId: string; status: string }[]
  metrics: { stepId: string; key: string; value: number }[]
  artifacts: { stepId: string; name: string; kind: string; hash: string }[]
}

const byKey = <T extends { stepId: string }>(rows: T[], key: (r: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)))
/** A run's metrics as step.key → value (run ids and times left out). */
const metricsOf = (run: RunJson) => Object.fromEntries(byKey(run.metrics, (m) => `${m.stepId}.${m.key}`).map((m) => [`${m.stepId}.${m.key}`, m.value]))

describe.skipIf(unreachable !== undefined)(`the quickstart on PostgreSQL + S3 + BullMQ, by config only${unreachable ? ` (skipped: ${unreachable})` : ''}`, () => {
  let dir: string
  let s3: { endpoint: string; close(): Promise<void> }
  let env: Record<string, string>
  /** Everything every process printed, for the secret check. */
  const outputs: { what: string; text: () => string }[] = []
  const workers: ReturnType<typeof startCli>[] = []
  let embedded: RunJson
  let pair: { worker: ReturnType<typeof startCli>; log(): string }[] = []
  let first: RunJson

  async function mlops(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const result = await startCli(args, dir, { ...env, ...extraEnv }).done
    outputs.push({ what: `mlops ${args.join(' ')}`, text: () => result.stdout + result.stderr })
    return result
  }

  async function mlopsJson<T>(args: string[], extraEnv: Record<string, string> = {}): Promise<{ result: CliResult; data: T }> {
    const result = await mlops([...args, '--json'], extraEnv)
    try {
      return { result, data: JSON.parse(result.stdout) as T }
    } catch {
      throw new Error(`mlops ${args.join(' ')} printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
    }
  }

  /** `mlops worker --config mlops.production.config.ts`; its stdout and stderr go to `outputs`. */
  function startWorker(what: string, extraEnv: Record<string, string> = {}): { worker: ReturnType<typeof startCli>; log(): string } {
    const worker = startCli(['worker', ...CONFIG], dir, { ...env, ...extraEnv })
    let text = ''
    worker.child.stdout!.on('data', (d: Buffer) => (text += d.toString()))
    worker.child.stderr!.on('data', (d: Buffer) => (text += d.toString()))
    outputs.push({ what, text: () => text })
    workers.push(worker)
    return { worker, log: () => text }
  }

  /** SIGTERM to the running workers: each finishes its steps and exits 0. */
  async function stopWorkers(): Promise<void> {
    const running = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null)
    for (const w of running) w.child.kill('SIGTERM')
    for (const w of running) {
      const stopped = await w.done
      expect(stopped.code, stopped.stderr).toBe(0)
    }
  }

  beforeAll(async () => {
    // The quickstart as it is, in a folder inside the repository (so @mlops/* resolve through the workspace).
    const tmpRoot = join(repoRoot, 'test/.tmp')
    mkdirSync(tmpRoot, { recursive: true })
    dir = mkdtempSync(join(tmpRoot, 'quickstart-production-'))
    for (const name of ['mlops.config.ts', 'mlops.production.config.ts', 'steps.ts', 'data']) cpSync(join(quickstart, name), join(dir, name), { recursive: true })

    // A real S3 API in this process; it knows the test's access key (s3rver checks the key id, not the v4 signature).
    const require = createRequire(import.meta.url)
    const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
    DUMMY_ACCOUNT.createKeyPair(S3_ACCESS_KEY, S3_SECRET)
    const directory = mkdtempSync(join(tmpdir(), 'mlops-prod-s3rver-'))
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] })
    const { port } = await server.run()
    s3 = {
      endpoint: `http://127.0.0.1:${port}`,
      async close() {
        ;(server as unknown as { httpServer?: { closeAllConnections(): void } }).httpServer?.closeAllConnections()
        await server.close()
        rmSync(directory, { recursive: true, force: true })
      },
    }

    env = {
      MLOPS_POSTGRES_URL: urlWithPassword(),
      MLOPS_POSTGRES_SCHEMA: schema,
      MLOPS_S3_BUCKET: bucket,
      MLOPS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3_SECRET,
      MLOPS_REDIS_URL: redisUrl,
      MLOPS_QUEUE: queueName,
    }
    // Started now, ready by the time the embedded reference run is done.
    pair = [startWorker('worker 0'), startWorker('worker 1')]
  })

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end())
    const queue = new Queue(queueName, { connection: { url: redisUrl, maxRetriesPerRequest: null } })
    await queue.obliterate({ force: true }).finally(() => queue.close())
    await s3?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('runs embedded with the default config (the reference)', async () => {
    const { result, data } = await mlopsJson<RunJson>(['run', 'train'])
    expect(result.code, result.stderr).toBe(0)
    expect(data.steps.map((s) => [s.stepId, s.status])).toEqual(['load', 'validate', 'split', 'train', 'evaluate'].map((s) => [s, 'succeeded']))
    embedded = data
  })

  it('mlops.production.config.ts differs from mlops.config.ts only in its plugins', async () => {
    // One module cache: the production config's `import base from './mlops.config.js'` is this very module.
    const { createJiti } = await import('jiti')
    const jiti = createJiti(import.meta.url)
    const base = (await jiti.import(join(dir, 'mlops.config.ts'), { default: true })) as Record<string, unknown>
    const production = (await jiti.import(join(dir, 'mlops.production.config.ts'), { default: true })) as (e: unknown) => Promise<Record<string, unknown>>
    const { plugins, ...rest } = await production({ command: 'run', env })
    expect(Object.keys(rest).sort()).toEqual(Object.keys(base).sort())
    for (const key of Object.keys(base)) expect(rest[key], key).toBe(base[key])
    expect(base.plugins).toBeUndefined()
    expect((plugins as { name: string }[]).map((p) => p.name)).toEqual(['@mlops/metadata-postgres', '@mlops/storage-s3', '@mlops/executor-bullmq'])
    // The secrets stay in the environment: the config's plugin options hold none of them.
    const options = JSON.stringify((plugins as { rawOptions: unknown }[]).map((p) => p.rawOptions))
    expect(options).not.toContain(S3_SECRET)
    expect(options).not.toContain(PG_SECRET)
  })

  it('two workers run the steps; the run succeeds with exactly the embedded metrics and artifacts, from PostgreSQL and S3', async () => {
    const workerLog = (i: number) => pair[i]!.log()
    await waitFor(() => pair.every((w) => w.log().includes(`ready: queue ${queueName}`)), 30_000).catch((error) => {
      throw new Error(`workers did not start:\n${workerLog(0)}\n---\n${workerLog(1)}`, { cause: error })
    })

    const { result, data } = await mlopsJson<RunJson>(['run', 'train', ...CONFIG])
    expect(result.code, `${result.stderr}\n--- workers ---\n${workerLog(0)}\n---\n${workerLog(1)}`).toBe(0)
    expect(data.run.status).toBe('succeeded')
    expect(data.steps.map((s) => [s.stepId, s.status])).toEqual(['load', 'validate', 'split', 'train', 'evaluate'].map((s) => [s, 'succeeded']))
    // Same code, same data, same params: the same numbers and the same content-addressed artifacts.
    expect(metricsOf(data)).toEqual(metricsOf(embedded))
    expect(Object.keys(metricsOf(data)).length).toBeGreaterThanOrEqual(10)
    const artifactKey = (a: RunJson['artifacts'][number]) => `${a.stepId}.${a.name}`
    const strip = (rows: RunJson['artifacts']) => byKey(rows, artifactKey).map((a) => ({ stepId: a.stepId, name: a.name, kind: a.kind, hash: a.hash }))
    expect(strip(data.artifacts)).toEqual(strip(embedded.artifacts))
    first = data

    // Every step ran in a worker process, none in `mlops run`.
    const finished = [0, 1].flatMap((i) => [...workerLog(i).matchAll(/✓ (\w+) \(run ([0-9a-f]+)/g)].filter((m) => data.run.id.startsWith(m[2]!)).map((m) => m[1]!))
    expect(finished.sort()).toEqual(['evaluate', 'load', 'split', 'train', 'validate'])

    // The records are in PostgreSQL, the bytes in the bucket under the prefix.
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    try {
      const runs = await client.query(`select id, status from "${schema}".runs`)
      expect(runs.rows).toEqual([{ id: data.run.id, status: 'succeeded' }])
    } finally {
      await client.end()
    }
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket }))
    const keys = (listed.Contents ?? []).map((o) => o.Key!)
    for (const a of data.artifacts) expect(keys).toContain(`mlops/quickstart/objects/${a.hash}`)
  })

  it('a second run is all cache hits, from the shared stores', async () => {
    const { result, data } = await mlopsJson<RunJson>(['run', 'train', ...CONFIG])
    expect(result.code, result.stderr).toBe(0)
    expect(data.steps.map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'cached', 'cached'])
    expect(metricsOf(data)).toEqual(metricsOf(first))
    expect(data.run.id).not.toBe(first.run.id)
  })

  it('runs ls and lineage read PostgreSQL', async () => {
    const model = first.artifacts.find((a) => a.name === 'model')!
    const [runs, lineage] = await Promise.all([
      mlopsJson<{ runs: { id: string; status: string; pipeline: string }[] }>(['runs', 'ls', ...CONFIG]),
      mlopsJson<{ nodes: { type: string; stepId?: string; hash?: string }[] }>(['lineage', model.hash, ...CONFIG]),
    ])
    expect(runs.result.code, runs.result.stderr).toBe(0)
    expect(runs.data.runs).toHaveLength(2)
    expect(runs.data.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect(runs.data.runs.map((r) => r.id)).toContain(first.run.id)

    expect(lineage.result.code, lineage.result.stderr).toBe(0)
    const steps = lineage.data.nodes.filter((n) => n.type === 'step').map((n) => n.stepId)
    expect(steps.sort()).toEqual(['load', 'split', 'train', 'validate'])
    expect(lineage.data.nodes.some((n) => n.type === 'artifact' && n.hash === model.hash)).toBe(true)
  })

  it('mlops doctor: exit 0 with every backend reachable; exit 2 naming the backend when S3 or PostgreSQL is not', async () => {
    type Doctor = { ok: boolean; checks: { name: string; kind: string; ok: boolean; detail: string }[] }
    const port = await closedPort()
    const wrongPg = new URL(env.MLOPS_POSTGRES_URL!)
    wrongPg.port = String(port)
    const [healthy, noS3, noPg] = await Promise.all([
      mlopsJson<Doctor>(['doctor', ...CONFIG]),
      mlopsJson<Doctor>(['doctor', '--timeout', '5000', ...CONFIG], { MLOPS_S3_ENDPOINT: `http://127.0.0.1:${port}` }),
      mlopsJson<Doctor>(['doctor', '--timeout', '5000', ...CONFIG], { MLOPS_POSTGRES_URL: wrongPg.toString() }),
    ])
    expect(healthy.result.code, healthy.result.stderr).toBe(0)
    expect(healthy.data.ok).toBe(true)
    expect(healthy.data.checks.map((c) => [c.name, c.kind, c.ok])).toEqual([
      ['@mlops/metadata-postgres', 'metadata', true],
      ['@mlops/storage-s3', 'storage', true],
      ['@mlops/executor-bullmq', 'executor', true],
    ])

    expect(noS3.result.code, noS3.result.stderr).toBe(2)
    expect(noS3.data.ok).toBe(false)
    expect(noS3.result.stderr).toContain('@mlops/storage-s3')
    expect(noS3.data.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['@mlops/storage-s3'])
    expect(noS3.data.checks.find((c) => !c.ok)!.detail).toContain(`127.0.0.1:${port}`)

    expect(noPg.result.code, noPg.result.stderr).toBe(2)
    expect(noPg.result.stderr).toContain('@mlops/metadata-postgres')
    expect(noPg.data.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['@mlops/metadata-postgres'])
    expect(noPg.data.checks.find((c) => !c.ok)!.detail).toContain(`127.0.0.1:${port}`)
  })

  it('a worker with a wrong S3 endpoint fails the step naming the endpoint; a missing variable is named; no message holds a secret', async () => {
    // Only the misconfigured worker takes steps now.
    await stopWorkers()
    const port = await closedPort()
    const bad = startWorker('worker with a wrong S3 endpoint', { MLOPS_S3_ENDPOINT: `http://127.0.0.1:${port}` })
    await waitFor(() => bad.log().includes(`ready: queue ${queueName}`), 30_000)
    const failed = await mlops(['run', 'train', '--no-cache', ...CONFIG])
    bad.worker.child.kill('SIGTERM')
    await bad.worker.done
    // The store's own error, passed through from the worker: exit 2 (fix the config), the endpoint named, how to check.
    expect(failed.code, failed.stderr).toBe(2)
    expect(failed.stderr).toMatch(/✗ load .*Could not reach the S3 endpoint/)
    expect(failed.stderr).toContain(`http://127.0.0.1:${port}`)
    expect(failed.stderr).toContain('MLOPS_S3_UNREACHABLE')
    expect(bad.log()).toContain(`127.0.0.1:${port}`)

    const missing = await mlops(['run', 'train', ...CONFIG], { MLOPS_S3_BUCKET: '' })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('the environment variable MLOPS_S3_BUCKET is not set')
    for (const text of [failed.stdout + failed.stderr, bad.log(), missing.stdout + missing.stderr]) {
      expect(text).not.toContain(S3_SECRET)
      expect(text).not.toContain(PG_SECRET)
    }
  })

  it('the secrets appear in no table, object, Redis key, log or file of the project', async () => {
    await stopWorkers()
    const secrets = [S3_SECRET, PG_SECRET]
    const leaks: string[] = []
    const scan = (where: string, text: string | Buffer) => {
      for (const secret of secrets) if (text.includes(secret)) leaks.push(`${where} holds ${secret}`)
    }

    // Every row of every table of the schema, as text.
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    let rows = 0
    try {
      const tables = await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`, [schema])
      expect(tables.rows.map((t) => t.table_name)).toContain('runs')
      for (const { table_name } of tables.rows) {
        const dump = await client.query<{ row: string }>(`select t::text as row from "${schema}"."${table_name}" t`)
        rows += dump.rows.length
        scan(`table ${schema}.${table_name}`, dump.rows.map((r) => r.row).join('\n'))
      }
    } finally {
      await client.end()
    }
    expect(rows).toBeGreaterThan(20)

    // Every object in the bucket.
    const s3c = s3Client()
    const listed = await s3c.send(new ListObjectsV2Command({ Bucket: bucket }))
    expect(listed.Contents?.length).toBeGreaterThanOrEqual(first.artifacts.length)
    for (const object of listed.Contents ?? []) {
      const body = await s3c.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }))
      scan(`s3://${bucket}/${object.Key}`, Buffer.from(await body.Body!.transformToByteArray()))
    }
    s3c.destroy()

    // Every key of the queue in Redis (jobs, events).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null })
    try {
      const keys = await redis.keys(`bull:${queueName}:*`)
      expect(keys.length).toBeGreaterThan(0)
      for (const key of keys) {
        const type = await redis.type(key)
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? JSON.stringify(await redis.hgetall(key))
              : type === 'list'
                ? JSON.stringify(await redis.lrange(key, 0, -1))
                : type === 'set'
                  ? JSON.stringify(await redis.smembers(key))
                  : type === 'zset'
                    ? JSON.stringify(await redis.zrange(key, 0, -1))
                    : type === 'stream'
                      ? JSON.stringify(await redis.xrange(key, '-', '+'))
                      : ''
        scan(`redis ${key}`, `${key}\n${value ?? ''}`)
      }
    } finally {
      redis.disconnect()
    }

    // Every process's stdout and stderr, and every file of the project (.mlops/ included).
    expect(outputs.length).toBeGreaterThanOrEqual(10)
    for (const output of outputs) scan(output.what, output.text())
    const files = filesUnder(dir)
    expect(files.some((f) => f.path.includes('.mlops'))).toBe(true)
    for (const file of files) scan(file.path, file.bytes)

    expect(leaks).toEqual([])
  })

  function s3Client(): S3Client {
    return new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }
})

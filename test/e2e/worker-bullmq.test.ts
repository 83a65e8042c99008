import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, makeProject, repoRoot, startCli, waitFor, type CliResult } from './helpers.js'

const redisUrl = process.env.MLOPS_TEST_REDIS_URL || 'redis://127.0.0.1:6379'
const postgresUrl = process.env.MLOPS_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'
const fixtures = join(repoRoot, 'plugins/executor-bullmq/test/fixtures')

/** Why Redis or PostgreSQL cannot be used (undefined: both answer); with CI=true an unreachable one fails the run. */
async function servicesUnreachable(): Promise<string | undefined> {
  const problems: string[] = []
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500, retryStrategy: () => null, enableOfflineQueue: false })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    problems.push(`no Redis at ${redisUrl} (${(error as Error).message}); set MLOPS_TEST_REDIS_URL`)
  } finally {
    client.disconnect()
  }
  const db = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 })
  db.on('error', () => {})
  try {
    await db.connect()
    await db.query('select 1')
  } catch (error) {
    problems.push(`no PostgreSQL at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}); set MLOPS_TEST_POSTGRES_URL`)
  } finally {
    await db.end().catch(() => {})
  }
  if (problems.length === 0) return undefined
  const reason = problems.join('; ')
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`)
  console.warn(`skipping mlops worker e2e: ${reason}`)
  return reason
}

const unreachable = await servicesUnreachable()

function readdirRecursive(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]) : []
}

/** The worker fixture in a fresh folder inside the repository (so `@mlops/*` resolve through the workspace). */
function makeWorkerProject(): { dir: string; remove(): void } {
  const tmpRoot = join(repoRoot, 'test/.tmp')
  mkdirSync(tmpRoot, { recursive: true })
  const dir = mkdtempSync(join(tmpRoot, 'worker-'))
  copyFileSync(join(fixtures, 'worker-project/mlops.config.ts'), join(dir, 'mlops.config.ts'))
  copyFileSync(join(fixtures, 'shared-local-stores.ts'), join(dir, 'shared-local-stores.ts'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

describe.skipIf(unreachable !== undefined)(`mlops worker on BullMQ${unreachable ? ` (skipped: ${unreachable})` : ''}`, () => {
  let project: { dir: string; remove(): void }
  let scratch: string
  let env: Record<string, string>
  let s3: S3rver
  const unique = `${process.pid}_${Date.now().toString(36)}`
  const queue = `mlops-e2e-worker-${unique}`
  const schema = `mlops_worker_e2e_${unique}`

  beforeAll(async () => {
    project = makeWorkerProject()
    scratch = mkdtempSync(join(tmpdir(), 'mlops-worker-e2e-'))
    mkdirSync(join(scratch, 'markers'))
    // Artifacts in S3 (s3rver, in this process, reached over HTTP by every CLI process).
    s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: join(scratch, 's3'), silent: true, configureBuckets: [{ name: 'mlops-e2e', configs: [] }] })
    const { port } = await s3.run()
    env = {
      MLOPS_TEST_REDIS_URL: redisUrl,
      MLOPS_TEST_QUEUE: queue,
      MLOPS_TEST_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      MLOPS_TEST_S3_BUCKET: 'mlops-e2e',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      MLOPS_TEST_POSTGRES_URL: postgresUrl,
      MLOPS_TEST_POSTGRES_SCHEMA: schema,
      MLOPS_TEST_MARKERS: join(scratch, 'markers'),
    }
  })

  afterAll(async () => {
    const q = new Queue(queue, { connection: { url: redisUrl, maxRetriesPerRequest: null } })
    await q.obliterate({ force: true }).finally(() => q.close())
    ;(s3 as unknown as { httpServer?: import('node:http').Server } | undefined)?.httpServer?.closeAllConnections()
    await s3?.close()
    const db = new pg.Client({ connectionString: postgresUrl })
    await db.connect()
    await db.query(`drop schema if exists "${schema}" cascade`).finally(() => db.end())
    project?.remove()
    rmSync(scratch, { recursive: true, force: true })
  })

  it('a worker killed with SIGKILL mid-step: another worker re-runs the step, the run succeeds, each step is recorded once', async () => {
    const workers = [0, 1].map(() => startCli(['worker', '--concurrency', '1'], project.dir, env))
    const stderrOf = (i: number) => {
      let text = ''
      workers[i]!.child.stderr!.on('data', (d: Buffer) => (text += d.toString()))
      return () => text
    }
    const logs = [stderrOf(0), stderrOf(1)]
    try {
      await waitFor(() => logs.every((log) => log().includes('ready: queue')), 30_000)
      const run = startCli(['run', 'kill', '--json'], project.dir, env)
      const pidFile = join(env.MLOPS_TEST_MARKERS!, 'hold.pid')
      await waitFor(() => existsSync(pidFile), 30_000)
      const holder = Number(readFileSync(pidFile, 'utf8'))
      const victim = workers.find((w) => w.child.pid === holder)
      expect(victim, `hold ran in pid ${holder}, none of the workers`).toBeDefined()
      victim!.child.kill('SIGKILL')
      const killed = await victim!.done
      expect(killed.signal).toBe('SIGKILL')

      const result: CliResult = await run.done
      expect(result.code, `${result.stderr}\n--- workers ---\n${logs.map((l) => l()).join('\n---\n')}`).toBe(0)
      const data = JSON.parse(result.stdout)
      expect(data.run.status).toBe('succeeded')
      // One row per step, each succeeded once; the held step on its first attempt (a crash is no failed attempt).
      expect(data.steps.map((s: any) => [s.stepId, s.status, s.attempts]).sort()).toEqual([
        ['fit', 'succeeded', 1],
        ['hold', 'succeeded', 1],
        ['make', 'succeeded', 1],
      ])
      const survivor = workers.find((w) => w !== victim)!
      expect(Number(readFileSync(pidFile, 'utf8')), 'the surviving worker ran the step again').toBe(survivor.child.pid)
      expect(Number(readFileSync(join(env.MLOPS_TEST_MARKERS!, 'hold.count'), 'utf8'))).toBe(2)
      expect(data.metrics.find((m: any) => m.key === 'w').value).toBeCloseTo(3, 10)

      const { openPostgresMetadataStore } = await import('@mlops/metadata-postgres')
      const store = await openPostgresMetadataStore({ url: postgresUrl, schema })
      try {
        expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] })
        const io = await store.listStepIo(data.run.id)
        expect(io.filter((e) => e.direction === 'output').map((e) => `${e.stepId}.${e.name}`).sort()).toEqual(['fit.metrics', 'fit.model', 'hold.data', 'make.data'])
        expect((await store.listEvents({ type: 'run.succeeded' })).map((e) => e.payload.runId)).toEqual([data.run.id])
      } finally {
        await store.close()
      }

      // The artifacts went to S3, not to the project folder.
      const model = data.artifacts.find((a: any) => a.name === 'model')
      expect(existsSync(join(scratch, 's3', 'mlops-e2e', 'worker-e2e', 'objects', model.hash)) || readdirRecursive(join(scratch, 's3')).some((f) => f.includes(model.hash))).toBe(true)
      expect(existsSync(join(project.dir, '.mlops', 'artifacts'))).toBe(false)

      survivor.child.kill('SIGTERM')
      const stopped = await survivor.done
      expect(stopped.code, stopped.stderr).toBe(0)
      expect(stopped.stdout).toMatch(/worker stopped: \d+ steps? finished, 0 failed/)
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
    }
  }, 90_000)

  it('refuses local stores: `mlops worker` and `mlops run` exit 2 naming the local stores and the fix, recording nothing', async () => {
    const localEnv = { MLOPS_TEST_REDIS_URL: redisUrl, MLOPS_TEST_QUEUE: queue, MLOPS_TEST_MARKERS: env.MLOPS_TEST_MARKERS! }
    for (const args of [['worker'], ['run', 'kill']]) {
      const result = await cli(args, project.dir, localEnv)
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toContain('the metadata store (runs, lineage) and the artifact store (storage) are local to this machine')
      expect(result.stderr).toMatch(/@mlops\/metadata-postgres.*@mlops\/storage-s3/)
    }
    const { openSqliteMetadataStore } = await import('@mlops/metadata-sqlite')
    const store = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
    try {
      expect(await store.listRuns()).toEqual([])
    } finally {
      await store.close()
    }
  })

  it('`mlops worker` without a remote executor in the config exits 2 and says which plugin to add', async () => {
    const plain = makeProject()
    try {
      const result = await cli(['worker'], plain.dir)
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toContain('the config\'s executor is "local"')
      expect(result.stderr).toContain('@mlops/executor-bullmq')
      const usage = await cli(['worker', '--concurrency', '0'], plain.dir)
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain('--concurrency must be a whole number of at least 1')
    } finally {
      plain.remove()
    }
  })
})

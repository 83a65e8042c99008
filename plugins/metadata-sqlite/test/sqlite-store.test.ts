import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setupPlugin } from '@mlops/core'
import type { PluginContext } from '@mlops/core'
import { afterAll, describe, expect, it } from 'vitest'
import metadataSqlite, { LATEST_SCHEMA_VERSION, openSqliteMetadataStore } from '../src/index.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const distEntry = join(packageDir, 'dist', 'index.js')
const root = await mkdtemp(join(tmpdir(), 'mlops-metadata-sqlite-'))
afterAll(() => rm(root, { recursive: true, force: true }))
let count = 0
const freshPath = () => join(root, `case-${count++}`, 'metadata.sqlite')

/** A raw connection, for doing what the store never would (foreign keys off, bumping the schema). */
function rawDatabase(path: string) {
  const Database = createRequire(import.meta.url)('libsql') as new (path: string) => {
    exec(sql: string): void
    close(): void
  }
  return new Database(path)
}

function context(projectRoot: string): PluginContext {
  const noop = () => {}
  return {
    root: projectRoot,
    dataDir: join(projectRoot, '.mlops'),
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    signal: new AbortController().signal,
    env: {},
  }
}

/** Runs `body` (an ES module body with `store` opened on argv[1]) in a real Node process. */
function spawnWriter(body: string, dbPath: string, ...args: string[]): ChildProcess {
  const script = `
    const { openSqliteMetadataStore } = await import(${JSON.stringify(distEntry)})
    const store = await openSqliteMetadataStore(process.argv[1])
    ${body}
  `
  return spawn(process.execPath, ['--input-type=module', '-e', script, dbPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })))
}

/** Resolves with the first number the child prints that is at least `target`, calling `onReach` at once. */
function progressOf(child: ChildProcess, target: number, onReach: () => void = () => {}): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      const reached = lines.map(Number).find((n) => n >= target)
      if (reached !== undefined) {
        onReach()
        child.stdout?.off('data', onData)
        resolve(reached)
      }
    }
    child.stdout?.on('data', onData)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited (code ${code}) before reaching ${target}`))
    })
  })
}

const run = (id: string, minutes = 0) => ({
  id,
  pipeline: 'train',
  status: 'running' as const,
  params: {},
  codeVersion: 'c0de',
  environment: { nodeVersion: 'v20', platform: 'linux', arch: 'x64', osRelease: '6', hostname: 'h', user: null, gitCommit: null, gitDirty: null, lockfileHash: null, packages: {} },
  pid: 1,
  hostname: 'h',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString(),
  finishedAt: null,
  error: null,
  resumeCount: 0,
})

describe('crash consistency', () => {
  it('a writer killed with SIGKILL mid-transaction leaves every completeStep all-or-nothing', async () => {
    expect(existsSync(distEntry), `build first: npx tsc -b plugins/metadata-sqlite (${distEntry} is missing)`).toBe(true)
    let interrupted = 0
    // Each attempt kills a real writer right after it announces a big completeStep (3 artifacts, 3
    // edges, 3000 metrics: one synchronous transaction of tens of ms). A kill that lands after the
    // commit proves nothing, so attempts repeat until one has provably interrupted the transaction.
    for (let attempt = 0; attempt < 6 && interrupted < 2; attempt++) {
      const path = freshPath()
      const child = spawnWriter(
        `
        const hex = (i, k) => (i * 1000 + k).toString(16).padStart(64, '0')
        for (let i = 0; ; i++) {
          const id = 'run-' + i
          await store.createRun({ ...${JSON.stringify(run('RUN'))}, id })
          await store.upsertStep({ runId: id, stepId: 'fit', stepName: 'fit', status: 'running', cacheKey: 'k' + i, codeVersion: 'c', params: {}, attempts: 1, startedAt: null, finishedAt: null, durationMs: null, cachedFromRunId: null, error: null })
          const artifacts = [0, 1, 2].map((k) => ({ hash: hex(i, k), kind: 'json', size: k, mediaType: 'application/json', createdAt: 'now', meta: { k } }))
          const completion = {
            status: 'succeeded', finishedAt: 'now', durationMs: 1, attempts: 1, artifacts,
            inputs: [], outputs: artifacts.map((a, k) => ({ name: 'out' + k, hash: a.hash })),
            metrics: Array.from({ length: 3000 }, (_, m) => ({ key: 'm' + m, value: m })),
          }
          // stdout to a pipe is synchronous on Linux: the line is out before the transaction starts.
          process.stdout.write(i + '\\n')
          await store.completeStep(id, 'fit', completion)
          await store.appendEvent({ id: 'evt-' + i, type: 'step.finished', payload: { run: id }, createdAt: 'now' })
        }
        `,
        path,
      )
      const exited = exitOf(child)
      const announced = await progressOf(child, 5, () => child.kill('SIGKILL'))
      expect((await exited).signal).toBe('SIGKILL')

      const store = await openSqliteMetadataStore(path)
      try {
        expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] })
        const runs = await store.listRuns()
        expect(runs.length).toBeGreaterThanOrEqual(announced)
        for (const r of runs) {
          const steps = await store.listSteps(r.id)
          const io = await store.listStepIo(r.id)
          const metrics = await store.listMetrics(r.id)
          if (steps[0]?.status === 'succeeded') {
            expect(io).toHaveLength(3)
            expect(metrics).toHaveLength(3000)
            for (const edge of io) expect(await store.getArtifact(edge.hash)).toBeDefined()
          } else {
            expect(io).toHaveLength(0)
            expect(metrics).toHaveLength(0)
          }
        }
        const completed = await Promise.all(runs.map(async (r) => (await store.listSteps(r.id))[0]?.status === 'succeeded'))
        expect(completed.filter(Boolean).length).toBeGreaterThanOrEqual(announced)
        if ((await store.listSteps(`run-${announced}`))[0]?.status === 'running') interrupted++
        // The store is writable after the crash (the killed writer's lock died with it).
        await store.createRun(run('after-crash'))
        expect((await store.getRun('after-crash'))?.id).toBe('after-crash')
      } finally {
        await store.close()
      }
    }
    expect(interrupted, 'no attempt killed the writer inside its transaction').toBeGreaterThanOrEqual(1)
  }, 120_000)

  it('two processes writing at once (and migrating a new file at once) both succeed and lose nothing', async () => {
    const path = freshPath()
    const writer = (name: string) =>
      spawnWriter(
        `
        const name = process.argv[2]
        await store.createRun({ ...${JSON.stringify(run('RUN'))}, id: 'run-' + name })
        for (let i = 0; i < 300; i++) {
          await store.appendEvent({ id: name + '-' + i, type: 'writer.' + name, payload: { i }, createdAt: 'now' })
          if (i % 3 === 0) await store.upsertStep({ runId: 'run-' + name, stepId: 's' + i, stepName: 's', status: 'pending', cacheKey: 'k', codeVersion: 'c', params: {}, attempts: 0, startedAt: null, finishedAt: null, durationMs: null, cachedFromRunId: null, error: null })
        }
        await store.close()
        `,
        path,
        name,
      )
    const results = await Promise.all([exitOf(writer('a')), exitOf(writer('b'))])
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 })

    const store = await openSqliteMetadataStore(path)
    try {
      const events = await store.listEvents()
      expect(events).toHaveLength(600)
      expect(events.filter((e) => e.type === 'writer.a').map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => `a-${i}`))
      expect(events.filter((e) => e.type === 'writer.b').map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => `b-${i}`))
      expect(await store.listSteps('run-a')).toHaveLength(100)
      expect(await store.listSteps('run-b')).toHaveLength(100)
      expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] })
    } finally {
      await store.close()
    }
  }, 120_000)
})

describe('schema', () => {
  it('refuses a database written by a newer schema, with a message that says what to do', async () => {
    const path = freshPath()
    await (await openSqliteMetadataStore(path)).close()
    const raw = rawDatabase(path)
    raw.exec(`INSERT INTO schema_version (version, description, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 7}, 'from the future', 'later')`)
    raw.close()
    const error = await openSqliteMetadataStore(path).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MLOPS_INPUT_INVALID', exit: 2 })
    expect((error as Error).message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 7}`)
    expect((error as Error).message).toContain('Upgrade @mlops/metadata-sqlite')
    expect((error as Error).message).toContain(path)
  })

  it('refuses a file that is not SQLite, and a SQLite database that is not an mlops store', async () => {
    const dir = dirname(freshPath())
    await mkdir(dir, { recursive: true })
    const garbage = join(dir, 'garbage.sqlite')
    await writeFile(garbage, 'not a database '.repeat(200))
    const notSqlite = await openSqliteMetadataStore(garbage).catch((e: unknown) => e)
    expect(notSqlite).toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
    expect((notSqlite as Error).message).toMatch(/not a readable SQLite database/)

    const foreign = join(dir, 'other.sqlite')
    const raw = rawDatabase(foreign)
    raw.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)')
    raw.close()
    const other = await openSqliteMetadataStore(foreign).catch((e: unknown) => e)
    expect(other).toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
    expect((other as Error).message).toMatch(/not an mlops metadata store \(it has the tables invoices/)
  })

  it('migrates once: reopening an up-to-date database changes nothing', async () => {
    const path = freshPath()
    const first = await openSqliteMetadataStore(path)
    await first.createRun(run('kept'))
    await first.close()
    const second = await openSqliteMetadataStore(path)
    expect((await second.getRun('kept'))?.id).toBe('kept')
    expect(await second.checkIntegrity()).toEqual({ ok: true, problems: [] })
    await second.close()
  })
})

describe('checkIntegrity', () => {
  it('reports dangling references written behind the store’s back', async () => {
    const path = freshPath()
    const store = await openSqliteMetadataStore(path)
    await store.createRun(run('run-ok'))
    const raw = rawDatabase(path)
    raw.exec('PRAGMA foreign_keys = OFF')
    raw.exec(`INSERT INTO steps (run_id, step_id, step_name, status, cache_key, code_version, params, attempts)
              VALUES ('run-gone', 'fit', 'fit', 'running', 'k', 'c', '{}', 1), ('run-ok', 'prep', 'prep', 'succeeded', 'k', 'c', '{}', 1)`)
    raw.exec(`INSERT INTO step_io (run_id, step_id, direction, name, hash) VALUES ('run-ok', 'prep', 'output', 'table', '${'e'.repeat(64)}')`)
    raw.exec(`INSERT INTO metrics (run_id, step_id, key, value, recorded_at) VALUES ('run-ok', 'nostep', 'loss', 1, 'now')`)
    raw.close()
    const report = await store.checkIntegrity()
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual([
      'step fit belongs to run run-gone, which does not exist',
      `output "table" of step prep in run run-ok names artifact ${'e'.repeat(64)}, which is not recorded`,
      'metric "loss" belongs to step nostep of run run-ok, which does not exist',
    ])
    await store.close()
  })
})

describe('plugin', () => {
  it('defaults to <dataDir>/metadata.sqlite and resolves a relative path against the project root', async () => {
    const project = dirname(freshPath())
    const provides = await setupPlugin(metadataSqlite(), 'mlops.config.ts: plugins[1]', context(project))
    await provides.metadata!.createRun(run('via-plugin'))
    await provides.metadata!.close()
    expect(existsSync(join(project, '.mlops', 'metadata.sqlite'))).toBe(true)

    const custom = await setupPlugin(metadataSqlite({ path: 'db/meta.sqlite', synchronous: 'normal' }), 'mlops.config.ts: plugins[1]', context(project))
    expect(await custom.metadata!.getRun('via-plugin')).toBeUndefined()
    await custom.metadata!.close()
    expect(existsSync(join(project, 'db', 'meta.sqlite'))).toBe(true)
  })

  it('rejects invalid options naming the plugin and the option', async () => {
    const plugin = metadataSqlite({ busyTimeoutMs: -5 })
    const error = await setupPlugin(plugin, 'mlops.config.ts: plugins[1]', context(dirname(freshPath()))).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID' })
    expect((error as Error).message).toContain('@mlops/metadata-sqlite')
    expect((error as Error).message).toContain('busyTimeoutMs')
  })

  it('a closed store refuses calls with a message naming the file', async () => {
    const path = freshPath()
    const store = await openSqliteMetadataStore(path)
    await store.close()
    await expect(store.getRun('x')).rejects.toThrow(`The metadata store ${path} is closed`)
  })
})

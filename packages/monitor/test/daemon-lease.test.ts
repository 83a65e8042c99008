import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalExecutor, createWorkerPool, isMlopsError, monitor, onSchedule, type LoadedConfig, type Logger, type MetadataStore } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { createFsArtifactStore, type FsArtifactStore } from '@mlops/storage-fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DAEMON_STATE, runDaemon, type DaemonServices } from '../src/index.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

interface Lease {
  pid: number
  hostname: string
  expiresAt: string
}

describe('runDaemon: the project lease', () => {
  let root: string
  let metadata: MetadataStore
  let storage: FsArtifactStore
  let services: DaemonServices

  function config(extra: Partial<LoadedConfig> = {}): LoadedConfig {
    return {
      file: join(root, 'mlops.config.ts'),
      root,
      project: 'daemon-lease',
      plugins: [],
      pipelines: new Map(),
      models: new Map(),
      monitors: new Map(),
      triggers: [],
      notifications: {},
      execution: { concurrency: 1, cache: true },
      ...extra,
    }
  }
  const lease = async () => (await metadata.getDocument(DAEMON_STATE, 'lease')) as { revision: number; value: Lease | null } | null | undefined

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'mlops-daemon-lease-'))
    metadata = await openSqliteMetadataStore(join(root, 'metadata.sqlite'))
    storage = await createFsArtifactStore(join(root, 'artifacts'))
    services = { config: config(), metadata, storage, executor: createLocalExecutor(), pool: createWorkerPool(), logger: silent, notifiers: [] }
  })
  afterEach(async () => {
    await services.executor.close()
    await services.pool.close()
    await metadata.close()
    await storage.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('the heartbeat renews the lease between ticks (a long tick does not let it lapse), and stopping releases it', async () => {
    const stop = new AbortController()
    let ticks = 0
    // One tick, then a 2 s sleep: only the heartbeat (every leaseMs / 3 = 100 ms) keeps the 300 ms lease alive.
    const running = runDaemon(services, { signal: stop.signal, actor: 'test', tickMs: 2000, leaseMs: 300, onTick: () => ticks++ })
    await new Promise((r) => setTimeout(r, 100))
    const early = await lease()
    expect(early?.value).toMatchObject({ pid: process.pid, hostname: hostname() })
    await new Promise((r) => setTimeout(r, 700))
    const later = await lease()
    expect(ticks).toBe(1)
    expect(later!.revision).toBeGreaterThanOrEqual(early!.revision + 3)
    expect(Date.parse(later!.value!.expiresAt)).toBeGreaterThan(Date.now())
    stop.abort()
    await running
    expect((await lease())?.value ?? null).toBeNull()
  })

  it('a daemon whose lease was taken over stops with MLOPS_DAEMON_LEASE_LOST and leaves the new holder alone', async () => {
    const stop = new AbortController()
    const running = runDaemon(services, { signal: stop.signal, actor: 'test', tickMs: 50, leaseMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    await new Promise((r) => setTimeout(r, 60))
    // Another host's daemon took the lease (as after a long pause of this one).
    const held = await lease()
    const theirs = { pid: 1, hostname: 'other-host.example', startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() }
    await metadata.commit({ writes: [{ collection: DAEMON_STATE, key: 'lease', value: theirs, expectedRevision: held!.revision }] })
    const error = await running
    expect(isMlopsError(error) && error.code).toBe('MLOPS_DAEMON_LEASE_LOST')
    expect(isMlopsError(error) && error.exit).toBe(1)
    expect((await lease())?.value).toEqual(theirs)
    // …and this host cannot start another daemon while that lease runs.
    const refused = await runDaemon(services, { signal: stop.signal, actor: 'test' }).catch((e: unknown) => e)
    expect(isMlopsError(refused) && refused.code).toBe('MLOPS_DAEMON_RUNNING')
    expect(String((refused as Error).message)).toContain('pid 1 on other-host.example')
  })

  it('a bad cron expression is a config error (exit 2) before the lease is taken', async () => {
    services.config = config({
      monitors: new Map([['nightly', monitor({ current: { path: 'x.csv' }, reference: { path: 'y.csv' }, schedule: '0 25 * * *', checks: {} })]]),
      triggers: [onSchedule({ cron: 'every day', run: 'train' })],
    })
    const error = await runDaemon(services, { signal: new AbortController().signal, actor: 'test' }).catch((e: unknown) => e)
    expect(isMlopsError(error) && error.code).toBe('MLOPS_CONFIG_INVALID')
    expect(isMlopsError(error) && error.exit).toBe(2)
    const message = String((error as Error).message)
    expect(message).toMatch(/monitors\.nightly\.schedule: "0 25 \* \* \*" is not a cron expression/)
    expect(message).toMatch(/triggers\[0\]\.cron: "every day" is not a cron expression/)
    expect(await lease()).toBeFalsy()
  })
})

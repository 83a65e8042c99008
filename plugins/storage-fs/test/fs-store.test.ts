import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, chmod, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import { setupPlugin } from '@mlops/core'
import type { PluginContext } from '@mlops/core'
import { afterAll, describe, expect, it } from 'vitest'
import storageFs, { createFsArtifactStore, FsArtifactStore } from '../src/index.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const root = await mkdtemp(join(tmpdir(), 'mlops-storage-fs-'))
afterAll(() => rm(root, { recursive: true, force: true }))
let count = 0
const freshDir = () => join(root, `case-${count++}`)
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex')

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
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

describe('layout', () => {
  it('stores objects at <dir>/ab/cdef… as read-only files and nothing else', async () => {
    const dir = freshDir()
    const store = await createFsArtifactStore(dir)
    const { hash } = await store.put(new TextEncoder().encode('layout'))
    const file = join(dir, hash.slice(0, 2), hash.slice(2))
    expect(store.describe(hash)).toBe(file)
    expect(await readFile(file, 'utf8')).toBe('layout')
    expect((await stat(file)).mode & 0o777).toBe(0o444)
    expect(await readdir(join(dir, 'tmp'))).toEqual([]) // the temp file was renamed, not copied
  })

  it('ignores stray files and folders that are not well-formed object names', async () => {
    const dir = freshDir()
    const store = await createFsArtifactStore(dir)
    const { hash } = await store.put(new TextEncoder().encode('real'))
    const shard = join(dir, hash.slice(0, 2))
    await writeFile(join(shard, `${hash.slice(2)}.partial`), 'half')
    await writeFile(join(shard, hash.slice(2, 40)), 'short name')
    await writeFile(join(shard, hash.slice(2).toUpperCase()), 'upper case')
    await mkdir(join(dir, 'zz'), { recursive: true })
    await writeFile(join(dir, 'zz', 'a'.repeat(62)), 'not a hex shard')
    await mkdir(join(dir, 'ff', 'f'.repeat(62)), { recursive: true }) // a folder where an object would be
    await writeFile(join(dir, 'README'), 'notes')
    expect(await collect(store.list())).toEqual([{ hash, size: 4 }])
    expect(await store.has(`ff${'f'.repeat(62)}`)).toBe(false)
  })
})

describe('repair and verification', () => {
  it('a put replaces a truncated object; a same-size corruption is caught on read', async () => {
    const store = await createFsArtifactStore(freshDir())
    const data = new TextEncoder().encode('x'.repeat(10_000))
    const { hash } = await store.put(data)
    const file = store.describe(hash)
    await chmod(file, 0o644)
    await truncate(file, 5000)
    await expect(store.get(hash)).rejects.toMatchObject({ code: 'MLOPS_ARTIFACT_CORRUPTED', loc: { file } })
    await store.put(data)
    expect(Buffer.from(await store.get(hash)).equals(Buffer.from(data))).toBe(true)

    await chmod(file, 0o644)
    await writeFile(file, 'y'.repeat(10_000))
    const error = await store.get(hash).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MLOPS_ARTIFACT_CORRUPTED', exit: 2 })
    expect((error as Error).message).toContain(file)
    expect((error as Error).message).toContain(sha256('y'.repeat(10_000)))
  })

  it('an aborted streaming put leaves no temp file', async () => {
    const dir = freshDir()
    const store = await createFsArtifactStore(dir)
    const controller = new AbortController()
    async function* source() {
      yield new Uint8Array(1000)
      controller.abort()
      yield new Uint8Array(1000)
    }
    await expect(store.put(source(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
  })

  it('a closed store refuses calls', async () => {
    const store = await createFsArtifactStore(freshDir())
    await store.close()
    await expect(store.put(new Uint8Array(1))).rejects.toThrow(/closed/)
  })
})

describe('crash consistency', () => {
  const distEntry = join(packageDir, 'dist', 'index.js')

  it('a temp file left by a killed writer is invisible, and removed on open once stale', async () => {
    expect(existsSync(distEntry), `build first: npx tsc -b plugins/storage-fs (${distEntry} is missing)`).toBe(true)
    const dir = freshDir()
    // A real process streams an endless artifact; it is killed with SIGKILL mid-write.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const { createFsArtifactStore } = await import(${JSON.stringify(distEntry)})
        const store = await createFsArtifactStore(process.argv[1])
        async function* endless() {
          for (let i = 0; ; i++) {
            yield new Uint8Array(64 * 1024).fill(i & 0xff)
            if (i === 8) process.stdout.write('writing\\n')
            await new Promise((r) => setTimeout(r, 2))
          }
        }
        await store.put(endless())
        `,
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('writing')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`the writer exited early with code ${code}`)))
    })
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    const leftovers = await readdir(join(dir, 'tmp'))
    expect(leftovers).toHaveLength(1)
    const leftover = join(dir, 'tmp', leftovers[0]!)
    expect((await stat(leftover)).size).toBeGreaterThan(8 * 64 * 1024)

    // A fresh leftover may belong to a live writer in another process: kept, but invisible.
    const store = await createFsArtifactStore(dir)
    expect(await collect(store.list())).toEqual([])
    expect(existsSync(leftover)).toBe(true)

    // Once stale it is a dead writer's: the next open deletes it.
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(leftover, twoHoursAgo, twoHoursAgo)
    await createFsArtifactStore(dir)
    expect(existsSync(leftover)).toBe(false)
    // The store still works after the crash.
    const { hash } = await store.put(new TextEncoder().encode('after the crash'))
    expect(new TextDecoder().decode(await store.get(hash))).toBe('after the crash')
  }, 30_000)

  it('staleTempMs decides what counts as stale', async () => {
    const dir = freshDir()
    await mkdir(join(dir, 'tmp'), { recursive: true })
    const file = join(dir, 'tmp', 'abc.partial')
    await writeFile(file, 'half')
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000)
    await utimes(file, tenMinutesAgo, tenMinutesAgo)
    await createFsArtifactStore(dir)
    expect(existsSync(file)).toBe(true)
    const store = await createFsArtifactStore(dir, { staleTempMs: 5 * 60 * 1000 })
    expect(existsSync(file)).toBe(false)
    expect(store).toBeInstanceOf(FsArtifactStore)
  })
})

describe('plugin', () => {
  it('defaults to <dataDir>/artifacts and resolves a relative path against the project root', async () => {
    const project = freshDir()
    const provides = await setupPlugin(storageFs(), 'mlops.config.ts: plugins[0]', context(project))
    const { hash } = await provides.storage!.put(new TextEncoder().encode('default'))
    expect(provides.storage!.describe(hash)).toBe(join(project, '.mlops', 'artifacts', hash.slice(0, 2), hash.slice(2)))

    const custom = await setupPlugin(storageFs({ path: 'blobs' }), 'mlops.config.ts: plugins[0]', context(project))
    expect(custom.storage!.describe(hash)).toBe(join(project, 'blobs', hash.slice(0, 2), hash.slice(2)))
  })

  it('rejects invalid options naming the plugin and the option', async () => {
    const plugin = storageFs({ path: 5 } as unknown as { path: string })
    const error = await setupPlugin(plugin, 'mlops.config.ts: plugins[0]', context(freshDir())).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID' })
    expect((error as Error).message).toContain('@mlops/storage-fs')
    expect((error as Error).message).toContain('path')
  })
})

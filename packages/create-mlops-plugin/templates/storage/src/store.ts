import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { ArtifactStore, CallOptions, ContentHash, HealthCheckResult, StoredObject } from '@mlops/core'

const HASH = /^[0-9a-f]{64}$/
const PREFIX = /^[0-9a-f]{0,64}$/

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT'
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return `a ${typeof value}`
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

/**
 * Content-addressed files: `<dir>/ab/cdef…` holds the bytes whose sha256 is `abcdef…`. A put writes a
 * temp file in `<dir>/tmp/` and renames it into place (atomic: readers never see a partial object);
 * every read re-hashes the bytes and rejects corrupted ones.
 */
export class DirArtifactStore implements ArtifactStore {
  readonly scope = 'local' as const
  readonly dir: string

  constructor(dir: string) {
    this.dir = resolve(dir)
  }

  describe(hash: ContentHash): string {
    if (typeof hash !== 'string' || !HASH.test(hash)) throw mlopsError(errors.ArtifactNameInvalid, [String(hash)])
    return join(this.dir, hash.slice(0, 2), hash.slice(2))
  }

  async put(data: Uint8Array | AsyncIterable<Uint8Array>, options: CallOptions = {}): Promise<StoredObject> {
    options.signal?.throwIfAborted()
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] =
      data instanceof Uint8Array
        ? [data]
        : data !== null && typeof data === 'object' && Symbol.asyncIterator in data
          ? data
          : (() => {
              throw mlopsError(errors.InputInvalid, ['artifact put', `expected a Uint8Array or an AsyncIterable<Uint8Array>, got ${describeValue(data)}`])
            })()
    await mkdir(join(this.dir, 'tmp'), { recursive: true })
    const temp = join(this.dir, 'tmp', `${randomUUID()}.partial`)
    const handle = await open(temp, 'wx')
    try {
      const hasher = createHash('sha256')
      let size = 0
      for await (const chunk of chunks) {
        options.signal?.throwIfAborted()
        if (!(chunk instanceof Uint8Array)) {
          throw mlopsError(errors.InputInvalid, ['artifact put', `every streamed chunk must be a Uint8Array, got ${describeValue(chunk)}`])
        }
        hasher.update(chunk)
        size += chunk.byteLength
        await handle.write(chunk)
      }
      options.signal?.throwIfAborted()
      await handle.sync()
      await handle.close()
      const hash = hasher.digest('hex')
      const target = this.describe(hash)
      await mkdir(join(target, '..'), { recursive: true })
      await rename(temp, target) // same content, same name: a concurrent put of the same bytes is harmless
      return { hash, size }
    } catch (error) {
      await handle.close().catch(() => undefined)
      await rm(temp, { force: true })
      throw error
    }
  }

  async get(hash: ContentHash, options: CallOptions = {}): Promise<Uint8Array> {
    const file = this.describe(hash)
    options.signal?.throwIfAborted()
    let bytes: Buffer
    try {
      bytes = await readFile(file, options.signal ? { signal: options.signal } : {})
    } catch (error) {
      throw isNotFound(error) ? mlopsError(errors.ArtifactNotFound, [hash], { loc: { file }, cause: error }) : error
    }
    const actual = createHash('sha256').update(bytes).digest('hex')
    if (actual !== hash) throw mlopsError(errors.ArtifactCorrupted, [hash, file, actual], { loc: { file } })
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Streams the object while hashing it: a corrupted object throws after its last chunk. */
  async *getStream(hash: ContentHash, options: CallOptions = {}): AsyncGenerator<Uint8Array> {
    const file = this.describe(hash)
    options.signal?.throwIfAborted()
    let handle
    try {
      handle = await open(file, 'r')
    } catch (error) {
      throw isNotFound(error) ? mlopsError(errors.ArtifactNotFound, [hash], { loc: { file }, cause: error }) : error
    }
    try {
      const hasher = createHash('sha256')
      for (;;) {
        options.signal?.throwIfAborted()
        const chunk = Buffer.alloc(256 * 1024) // a fresh buffer per chunk: the consumer may keep it
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
        if (bytesRead === 0) break
        hasher.update(chunk.subarray(0, bytesRead))
        yield chunk.subarray(0, bytesRead)
      }
      const actual = hasher.digest('hex')
      if (actual !== hash) throw mlopsError(errors.ArtifactCorrupted, [hash, file, actual], { loc: { file } })
    } finally {
      await handle.close()
    }
  }

  async has(hash: ContentHash, options: CallOptions = {}): Promise<boolean> {
    const file = this.describe(hash)
    options.signal?.throwIfAborted()
    try {
      return (await stat(file)).isFile()
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }

  async *list(options: CallOptions & { prefix?: string } = {}): AsyncGenerator<StoredObject> {
    const prefix = options.prefix ?? ''
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) throw mlopsError(errors.ArtifactNameInvalid, [String(prefix)])
    const shards = (await readdir(this.dir).catch(() => [] as string[])).filter((s) => /^[0-9a-f]{2}$/.test(s) && s.startsWith(prefix.slice(0, 2))).sort()
    for (const shard of shards) {
      options.signal?.throwIfAborted()
      const names = (await readdir(join(this.dir, shard)).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{62}$/.test(n)).sort()
      for (const rest of names) {
        const hash = shard + rest
        if (!hash.startsWith(prefix)) continue
        const info = await stat(join(this.dir, shard, rest)).catch(() => undefined)
        if (info?.isFile()) yield { hash, size: info.size }
      }
    }
  }

  async delete(hash: ContentHash, options: CallOptions = {}): Promise<void> {
    const file = this.describe(hash)
    options.signal?.throwIfAborted()
    await rm(file, { force: true })
  }

  async check(): Promise<HealthCheckResult> {
    try {
      const { hash } = await this.put(new TextEncoder().encode('mlops health check\n'))
      await this.get(hash)
      return { ok: true, detail: `objects in ${this.dir}` }
    } catch (error) {
      return { ok: false, detail: `cannot write and read ${this.dir}: ${(error as Error).message}` }
    }
  }

  async close(): Promise<void> {}
}

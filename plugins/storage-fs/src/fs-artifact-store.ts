import { createHash, randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { access, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { errors, mlopsError } from '@mlops/core'
import type { ArtifactStore, CallOptions, ContentHash, StoredObject } from '@mlops/core'

const HASH_PATTERN = /^[0-9a-f]{64}$/
const PREFIX_PATTERN = /^[0-9a-f]{0,64}$/
const SHARD_PATTERN = /^[0-9a-f]{2}$/
const REST_PATTERN = /^[0-9a-f]{62}$/
/** Temp files live here, beside the shards, so the final `rename` stays on one filesystem (atomic). */
const TEMP_DIR = 'tmp'
const TEMP_SUFFIX = '.partial'
const READ_CHUNK_BYTES = 256 * 1024
const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000

export interface FsArtifactStoreOptions {
  /**
   * A temp file not modified for this long is a leftover of a killed writer and is deleted when a
   * store opens. A live writer touches its file on every chunk, so only a stalled producer would lose
   * its upload. Default: one hour.
   */
  staleTempMs?: number
}

/**
 * Content-addressed artifact bytes on the local filesystem: `<dir>/ab/cdef…` holds the object whose
 * sha256 is `abcdef…`. Objects are written to `<dir>/tmp/`, fsynced and renamed into place, so a reader
 * (or a crash) never sees a partial object; every read re-hashes the bytes.
 */
export class FsArtifactStore implements ArtifactStore {
  readonly scope = 'local' as const
  readonly dir: string
  #closed = false

  constructor(dir: string) {
    this.dir = resolve(dir)
  }

  async put(data: Uint8Array | AsyncIterable<Uint8Array>, options?: CallOptions): Promise<StoredObject> {
    this.#assertOpen()
    options?.signal?.throwIfAborted()
    if (data instanceof Uint8Array) return this.#putBuffer(data, options)
    if (data !== null && typeof data === 'object' && Symbol.asyncIterator in data) return this.#putStream(data, options)
    throw mlopsError(errors.InputInvalid, [
      'artifact put',
      `expected a Uint8Array or an AsyncIterable<Uint8Array>, got ${describeValue(data)}`,
    ])
  }

  async get(hash: ContentHash, options?: CallOptions): Promise<Uint8Array> {
    this.#assertOpen()
    const file = this.#pathOf(hash)
    options?.signal?.throwIfAborted()
    let bytes: Buffer
    try {
      bytes = await readFile(file, options?.signal ? { signal: options.signal } : undefined)
    } catch (error) {
      throw this.#notFoundOr(error, hash)
    }
    const actual = createHash('sha256').update(bytes).digest('hex')
    if (actual !== hash) throw corrupted(hash, file, actual)
    return bytes
  }

  /**
   * Streams the object while hashing it. A corrupted object makes the iterator throw after its last
   * chunk instead of completing, so a consumer must not commit what it read before iteration ends
   * (re-reading the file first would double the I/O of every large read).
   */
  async *getStream(hash: ContentHash, options?: CallOptions): AsyncGenerator<Uint8Array, void, undefined> {
    this.#assertOpen()
    const file = this.#pathOf(hash)
    options?.signal?.throwIfAborted()
    let handle: FileHandle
    try {
      handle = await open(file, 'r')
    } catch (error) {
      throw this.#notFoundOr(error, hash)
    }
    try {
      const hasher = createHash('sha256')
      for (;;) {
        options?.signal?.throwIfAborted()
        // A fresh buffer per chunk: the consumer may keep the chunks it was given.
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
        const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK_BYTES, null)
        if (bytesRead === 0) break
        const view = chunk.subarray(0, bytesRead)
        hasher.update(view)
        yield view
      }
      const actual = hasher.digest('hex')
      if (actual !== hash) throw corrupted(hash, file, actual)
    } finally {
      await handle.close()
    }
  }

  /** The folder exists and this process may write into it. */
  async check(): Promise<{ ok: boolean; detail: string }> {
    try {
      await access(this.dir, fsConstants.R_OK | fsConstants.W_OK)
      return { ok: true, detail: this.dir }
    } catch (error) {
      return { ok: false, detail: `${this.dir}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  async has(hash: ContentHash, options?: CallOptions): Promise<boolean> {
    this.#assertOpen()
    const file = this.#pathOf(hash)
    options?.signal?.throwIfAborted()
    try {
      return (await stat(file)).isFile()
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }

  /** Objects in hash order. Only well-formed names count: temp files and strays are invisible. */
  async *list(options?: CallOptions & { prefix?: string }): AsyncGenerator<StoredObject, void, undefined> {
    this.#assertOpen()
    const prefix = options?.prefix ?? ''
    if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) throw invalidKey(prefix)
    options?.signal?.throwIfAborted()
    const shards =
      prefix.length >= 2 ? [prefix.slice(0, 2)] : (await readdirOrEmpty(this.dir)).filter((name) => SHARD_PATTERN.test(name) && name.startsWith(prefix)).sort()
    for (const shard of shards) {
      options?.signal?.throwIfAborted()
      const names = (await readdirOrEmpty(join(this.dir, shard))).filter((name) => REST_PATTERN.test(name)).sort()
      for (const rest of names) {
        const hash = shard + rest
        if (!hash.startsWith(prefix)) continue
        let size: number
        try {
          const info = await stat(join(this.dir, shard, rest))
          if (!info.isFile()) continue
          size = info.size
        } catch (error) {
          if (isNotFound(error)) continue // deleted while listing
          throw error
        }
        yield { hash, size }
      }
    }
  }

  async delete(hash: ContentHash, options?: CallOptions): Promise<void> {
    this.#assertOpen()
    const file = this.#pathOf(hash)
    options?.signal?.throwIfAborted()
    try {
      await unlink(file)
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }

  describe(hash: ContentHash): string {
    return this.#pathOf(hash)
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Deletes temp files older than `staleTempMs` (leftovers of killed writers). Returns how many. */
  async removeStaleTempFiles(staleTempMs = DEFAULT_STALE_TEMP_MS): Promise<number> {
    const tempDir = join(this.dir, TEMP_DIR)
    const cutoff = Date.now() - staleTempMs
    let removed = 0
    for (const name of await readdirOrEmpty(tempDir)) {
      if (!name.endsWith(TEMP_SUFFIX)) continue
      const file = join(tempDir, name)
      try {
        if ((await stat(file)).mtimeMs < cutoff) {
          await unlink(file)
          removed++
        }
      } catch (error) {
        if (!isNotFound(error)) throw error // another process cleaned it first
      }
    }
    return removed
  }

  async #putBuffer(data: Uint8Array, options?: CallOptions): Promise<StoredObject> {
    const hash = createHash('sha256').update(data).digest('hex')
    const stored = { hash, size: data.byteLength }
    if (await this.#isStored(hash, data.byteLength)) return stored
    const temp = await this.#openTemp()
    try {
      await temp.handle.writeFile(data)
      options?.signal?.throwIfAborted()
      await this.#commit(temp, hash)
    } catch (error) {
      await discard(temp)
      throw error
    }
    return stored
  }

  async #putStream(data: AsyncIterable<Uint8Array>, options?: CallOptions): Promise<StoredObject> {
    const temp = await this.#openTemp()
    try {
      const hasher = createHash('sha256')
      let size = 0
      for await (const chunk of data) {
        options?.signal?.throwIfAborted()
        if (!(chunk instanceof Uint8Array)) {
          throw mlopsError(errors.InputInvalid, [
            'artifact put',
            `every chunk of a streamed put must be a Uint8Array, got ${describeValue(chunk)} (open the source without an encoding)`,
          ])
        }
        hasher.update(chunk)
        size += chunk.byteLength
        // Await each write before pulling the next chunk, so a producer reusing its buffer is safe.
        await temp.handle.write(chunk)
      }
      options?.signal?.throwIfAborted()
      const hash = hasher.digest('hex')
      if (await this.#isStored(hash, size)) {
        await discard(temp)
      } else {
        await this.#commit(temp, hash)
      }
      return { hash, size }
    } catch (error) {
      await discard(temp)
      throw error
    }
  }

  /**
   * An object of the right size is trusted as present (puts are idempotent without re-reading it);
   * a truncated one is replaced. Same-size corruption is caught on read, not here.
   */
  /**
   * True when a valid copy is already stored. The bytes are re-hashed (a read costs far less than the
   * write + fsync it saves), so a put over a corrupted copy rewrites it: re-running a step repairs it.
   */
  async #isStored(hash: string, size: number): Promise<boolean> {
    const file = this.#pathOf(hash)
    try {
      const info = await stat(file)
      if (!info.isFile() || info.size !== size) return false
      return createHash('sha256').update(await readFile(file)).digest('hex') === hash
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }

  async #openTemp(): Promise<TempFile> {
    const tempDir = join(this.dir, TEMP_DIR)
    const path = join(tempDir, `${randomBytes(12).toString('hex')}${TEMP_SUFFIX}`)
    // Read-only mode (like git's objects): a stored artifact is never edited in place. The handle
    // opened here still writes, because the mode applies to later opens.
    const flags = fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY
    try {
      return { path, handle: await open(path, flags, 0o444) }
    } catch (error) {
      if (!isNotFound(error)) throw error
      await mkdir(tempDir, { recursive: true })
      return { path, handle: await open(path, flags, 0o444) }
    }
  }

  /** fsync the bytes, rename into place, fsync the directory: durable once this resolves. */
  async #commit(temp: TempFile, hash: string): Promise<void> {
    await temp.handle.sync()
    await temp.handle.close()
    temp.closed = true
    const shardDir = join(this.dir, hash.slice(0, 2))
    const created = await mkdir(shardDir, { recursive: true })
    await rename(temp.path, join(shardDir, hash.slice(2)))
    await syncDirectory(shardDir)
    if (created !== undefined) await syncDirectory(this.dir)
  }

  #pathOf(hash: ContentHash): string {
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) throw invalidKey(hash)
    return join(this.dir, hash.slice(0, 2), hash.slice(2))
  }

  #notFoundOr(error: unknown, hash: string): unknown {
    if (isNotFound(error)) {
      return mlopsError(errors.ArtifactNotFound, [hash], { loc: { file: this.#pathOf(hash) }, cause: error })
    }
    return error
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`The artifact store at ${this.dir} is closed; open a new one with createFsArtifactStore().`)
  }
}

interface TempFile {
  path: string
  handle: FileHandle
  closed?: boolean
}

/**
 * Opens (creating if needed) a store rooted at `dir` and deletes temp files left by killed writers
 * (`staleTempMs`, default one hour).
 */
export async function createFsArtifactStore(dir: string, options: FsArtifactStoreOptions = {}): Promise<FsArtifactStore> {
  const store = new FsArtifactStore(dir)
  await mkdir(store.dir, { recursive: true })
  await store.removeStaleTempFiles(options.staleTempMs ?? DEFAULT_STALE_TEMP_MS)
  return store
}

async function discard(temp: TempFile): Promise<void> {
  if (!temp.closed) {
    temp.closed = true
    await temp.handle.close().catch(() => undefined)
  }
  await unlink(temp.path).catch((error: unknown) => {
    if (!isNotFound(error)) throw error
  })
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
    if (!isErrno(error, 'EINVAL') && !isErrno(error, 'EPERM') && !isErrno(error, 'EISDIR')) throw error
  } finally {
    await handle.close()
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
}

function invalidKey(key: unknown): Error {
  return mlopsError(errors.ArtifactNameInvalid, [typeof key === 'string' ? key : String(key)])
}

function corrupted(hash: string, file: string, actual: string): Error {
  return mlopsError(errors.ArtifactCorrupted, [hash, file, actual], { loc: { file } })
}

function isNotFound(error: unknown): boolean {
  return isErrno(error, 'ENOENT')
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return 'a string'
  if (typeof value !== 'object') return `a ${typeof value}`
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

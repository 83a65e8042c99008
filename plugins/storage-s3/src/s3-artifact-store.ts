import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { errors, isMlopsError, mlopsError } from '@mlops/core'
import type { ArtifactStore, CallOptions, ContentHash, HealthCheckResult, StoredObject } from '@mlops/core'
import { S3AccessDenied, S3BucketNotFound, S3RequestFailed, S3Unreachable } from './errors.js'

const HASH_PATTERN = /^[0-9a-f]{64}$/
const PREFIX_PATTERN = /^[0-9a-f]{0,64}$/
const MIB = 1024 * 1024
/** S3's smallest part (except the last) and the part size used unless configured. */
const MIN_PART_BYTES = 5 * MIB
const DEFAULT_PART_BYTES = 8 * MIB
/** S3's limit for a single CopyObject; larger temp objects are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 * MIB
const COPY_PART_BYTES = 512 * MIB
const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000
/** User metadata holding the sha256, so a put can tell "already stored" from "overwritten by someone". */
const HASH_METADATA = 'mlops-sha256'

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface S3ArtifactStoreOptions {
  bucket: string
  /**
   * Key prefix of this store inside the bucket (one per project or team), e.g. `mlops/` or
   * `projects/churn/`. A trailing `/` is added when missing. Default `mlops/`.
   */
  prefix?: string
  /** Endpoint URL of an S3-compatible service (MinIO, R2, Ceph, s3rver). Default: AWS for `region`. */
  endpoint?: string
  /** Default `us-east-1`. */
  region?: string
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most self-hosted services need it. */
  forcePathStyle?: boolean
  /** Static credentials; without them the AWS SDK's default chain applies (env, shared config, instance role). */
  credentials?: S3Credentials
  /** Size of each part of a multipart upload; also the size up to which a streamed put is buffered. Default 8 MiB, min 5 MiB. */
  partSizeBytes?: number
  /** Parts uploaded in parallel (memory ≈ queueSize × partSizeBytes). Default 4. */
  queueSize?: number
  /** Attempts per request, including the SDK's retries of throttling and 5xx. Default 3. */
  maxAttempts?: number
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number
  /** A temp object (a streamed put before its copy to the hash key) older than this is a crashed writer's leftover. Default 1 h. */
  staleTempMs?: number
}

/**
 * Content-addressed artifacts in an S3 bucket: `<prefix>objects/<sha256>` holds the object whose sha256
 * is that hash. A put whose hash is known up front (bytes, or a stream shorter than one part) is one
 * PutObject (atomic in S3); a longer stream goes to `<prefix>tmp/…` as a multipart upload, hashed on the
 * way, and is then copied server-side to its hash key, so a reader never sees a partial object under a
 * hash key. Every read re-hashes the bytes.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly scope = 'shared' as const
  readonly bucket: string
  readonly prefix: string
  /** For messages: the endpoint URL, or `AWS S3 (region)`. */
  readonly endpointLabel: string
  readonly client: S3Client
  readonly #partSizeBytes: number
  readonly #queueSize: number
  readonly #staleTempMs: number
  readonly #secrets: string[]
  #closed = false
  #tempSweep: Promise<void> | undefined

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket
    this.prefix = normalizePrefix(options.prefix ?? 'mlops/')
    const region = options.region ?? 'us-east-1'
    this.endpointLabel = options.endpoint ?? `AWS S3 (${region})`
    this.#partSizeBytes = Math.max(MIN_PART_BYTES, options.partSizeBytes ?? DEFAULT_PART_BYTES)
    this.#queueSize = options.queueSize ?? 4
    this.#staleTempMs = options.staleTempMs ?? DEFAULT_STALE_TEMP_MS
    this.#secrets = [options.credentials?.secretAccessKey, options.credentials?.sessionToken].filter(
      (s): s is string => typeof s === 'string' && s.length >= 4,
    )
    const config: S3ClientConfig = {
      region,
      // Without these, SDK ≥ 3.729 sends streamed bodies with aws-chunked framing and CRC trailers, which
      // several S3-compatible services store verbatim (silent corruption). We verify sha256 ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 10_000 },
    }
    if (options.endpoint !== undefined) config.endpoint = options.endpoint
    if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle
    if (options.credentials) config.credentials = { ...options.credentials }
    this.client = new S3Client(config)
  }

  async put(data: Uint8Array | AsyncIterable<Uint8Array>, options?: CallOptions): Promise<StoredObject> {
    this.#assertOpen()
    options?.signal?.throwIfAborted()
    if (data instanceof Uint8Array) return this.#putBuffer(data, options)
    if (data !== null && typeof data === 'object' && Symbol.asyncIterator in data) return this.#putStream(data, options)
    throw mlopsError(errors.InputInvalid, ['artifact put', `expected a Uint8Array or an AsyncIterable<Uint8Array>, got ${describeValue(data)}`])
  }

  async get(hash: ContentHash, options?: CallOptions): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    for await (const chunk of this.getStream(hash, options)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  /**
   * Streams the object while hashing it. A corrupted object makes the iterator throw after its last
   * chunk instead of completing: do not commit what you read before the iteration has ended.
   */
  async *getStream(hash: ContentHash, options?: CallOptions): AsyncGenerator<Uint8Array, void, undefined> {
    this.#assertOpen()
    const key = this.#keyOf(hash)
    options?.signal?.throwIfAborted()
    let body: Readable
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), sendOptions(options))
      body = response.Body as Readable
    } catch (error) {
      if (isNotFound(error)) throw mlopsError(errors.ArtifactNotFound, [hash], { loc: { file: this.#url(key) } })
      throw this.#failure(error, 'GetObject', key, options)
    }
    let completed = false
    try {
      const hasher = createHash('sha256')
      for await (const chunk of body) {
        options?.signal?.throwIfAborted()
        const bytes = chunk as Buffer
        hasher.update(bytes)
        yield bytes
      }
      completed = true
      const actual = hasher.digest('hex')
      if (actual !== hash) {
        throw mlopsError(errors.ArtifactCorrupted, [hash, this.#url(key), actual], { loc: { file: this.#url(key) } })
      }
    } catch (error) {
      if (isMlopsError(error) || options?.signal?.aborted) throw error
      throw this.#failure(error, 'GetObject', key, options)
    } finally {
      // A consumer that stops early (break, throw) must not leave the socket half read.
      if (!completed) body.destroy()
    }
  }

  async has(hash: ContentHash, options?: CallOptions): Promise<boolean> {
    this.#assertOpen()
    const key = this.#keyOf(hash)
    options?.signal?.throwIfAborted()
    return (await this.#head(key, options)) !== undefined
  }

  /** Objects in hash order (S3 lists keys in byte order). Temp objects and strays are invisible. */
  async *list(options?: CallOptions & { prefix?: string }): AsyncGenerator<StoredObject, void, undefined> {
    this.#assertOpen()
    const hashPrefix = options?.prefix ?? ''
    if (typeof hashPrefix !== 'string' || !PREFIX_PATTERN.test(hashPrefix)) throw invalidKey(hashPrefix)
    const base = `${this.prefix}objects/`
    let token: string | undefined
    do {
      options?.signal?.throwIfAborted()
      let page
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + hashPrefix, ContinuationToken: token }),
          sendOptions(options),
        )
      } catch (error) {
        throw this.#failure(error, 'ListObjectsV2', base + hashPrefix, options)
      }
      for (const entry of page.Contents ?? []) {
        const hash = entry.Key?.slice(base.length)
        if (entry.Key?.startsWith(base) && hash !== undefined && HASH_PATTERN.test(hash)) yield { hash, size: entry.Size ?? 0 }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  async delete(hash: ContentHash, options?: CallOptions): Promise<void> {
    this.#assertOpen()
    const key = this.#keyOf(hash)
    options?.signal?.throwIfAborted()
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), sendOptions(options))
    } catch (error) {
      if (isNotFound(error)) return
      throw this.#failure(error, 'DeleteObject', key, options)
    }
  }

  /** `s3://bucket/<prefix>objects/<hash>`. */
  describe(hash: ContentHash): string {
    return this.#url(this.#keyOf(hash))
  }

  /** A HeadBucket round-trip: reachability, credentials and the bucket's existence in one request. */
  async check(options?: CallOptions): Promise<HealthCheckResult> {
    const where = `s3://${this.bucket}/${this.prefix} at ${this.endpointLabel}`
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), sendOptions(options))
      return { ok: true, detail: where }
    } catch (error) {
      const failure = this.#failure(error, 'HeadBucket', '', options)
      const reason = isMlopsError(failure) ? `${failure.message} ${failure.hint}` : String((failure as Error).message)
      return { ok: false, detail: `${where}: ${reason}` }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#tempSweep
    this.client.destroy()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /**
   * Deletes temp objects older than `staleTempMs`: leftovers of writers killed between their upload and
   * the copy to the hash key. Returns how many. (Incomplete multipart uploads of killed writers are
   * invisible here: give the bucket an `AbortIncompleteMultipartUpload` lifecycle rule.)
   */
  async removeStaleTempObjects(staleTempMs = this.#staleTempMs, options?: CallOptions): Promise<number> {
    this.#assertOpen()
    const cutoff = Date.now() - staleTempMs
    const base = `${this.prefix}tmp/`
    let removed = 0
    let token: string | undefined
    do {
      let page
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }), sendOptions(options))
      } catch (error) {
        throw this.#failure(error, 'ListObjectsV2', base, options)
      }
      for (const entry of page.Contents ?? []) {
        if (entry.Key && entry.LastModified && entry.LastModified.getTime() < cutoff) {
          await this.#deleteQuietly(entry.Key)
          removed++
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    return removed
  }

  async #putBuffer(data: Uint8Array, options?: CallOptions): Promise<StoredObject> {
    const hash = createHash('sha256').update(data).digest('hex')
    const stored = { hash, size: data.byteLength }
    const key = this.#keyOf(hash)
    if (await this.#isStored(key, hash, data.byteLength, options)) return stored
    options?.signal?.throwIfAborted()
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.byteLength,
          // Content-MD5 makes every S3-compatible service reject bytes damaged in transit.
          ContentMD5: createHash('md5').update(data).digest('base64'),
          ContentType: 'application/octet-stream',
          Metadata: { [HASH_METADATA]: hash },
        }),
        sendOptions(options),
      )
    } catch (error) {
      throw this.#failure(error, 'PutObject', key, options)
    }
    return stored
  }

  /**
   * Buffers up to one part: a short stream becomes a buffered put (hash known before anything is
   * written). A longer one is uploaded to a temp key while hashed, then copied to its hash key.
   */
  async #putStream(data: AsyncIterable<Uint8Array>, options?: CallOptions): Promise<StoredObject> {
    const iterator = data[Symbol.asyncIterator]()
    const head: Uint8Array[] = []
    let headBytes = 0
    let exhausted = false
    try {
      while (headBytes <= this.#partSizeBytes) {
        const next = await iterator.next()
        options?.signal?.throwIfAborted()
        if (next.done) {
          exhausted = true
          break
        }
        const chunk = checkChunk(next.value)
        // Copy: a producer may reuse its buffer once we ask for the next chunk.
        head.push(Buffer.from(chunk))
        headBytes += chunk.byteLength
      }
    } catch (error) {
      await iterator.return?.().catch(() => undefined)
      throw error
    }
    if (exhausted) return this.#putBuffer(Buffer.concat(head, headBytes), options)
    return this.#putLargeStream(head, iterator, options)
  }

  async #putLargeStream(head: Uint8Array[], rest: AsyncIterator<Uint8Array>, options?: CallOptions): Promise<StoredObject> {
    await this.#sweepTempOnce(options)
    const hasher = createHash('sha256')
    let size = 0
    const signal = options?.signal
    // The caller's own failure (its stream threw, or yielded a non-byte chunk) is what they must see,
    // not whatever the upload reports after aborting (e.g. a failed AbortMultipartUpload).
    let producerError: { error: unknown } | undefined
    async function* hashed(): AsyncGenerator<Uint8Array> {
      try {
        for (const chunk of head) {
          hasher.update(chunk)
          size += chunk.byteLength
          yield chunk
        }
        for (;;) {
          const next = await rest.next()
          signal?.throwIfAborted()
          if (next.done) return
          const chunk = Buffer.from(checkChunk(next.value))
          hasher.update(chunk)
          size += chunk.byteLength
          yield chunk
        }
      } catch (error) {
        producerError = { error }
        throw error
      }
    }
    const tempKey = `${this.prefix}tmp/${Date.now().toString(36)}-${randomBytes(12).toString('hex')}`
    const controller = new AbortController()
    const onAbort = (): void => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: tempKey, Body: Readable.from(hashed(), { objectMode: false }), ContentType: 'application/octet-stream' },
      partSize: this.#partSizeBytes,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
      abortController: controller,
    })
    try {
      await upload.done()
    } catch (error) {
      await rest.return?.().catch(() => undefined)
      await this.#deleteQuietly(tempKey)
      if (signal?.aborted) throw signal.reason
      if (producerError) throw producerError.error
      throw this.#failure(error, 'multipart upload to', tempKey, options)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    const hash = hasher.digest('hex')
    const key = this.#keyOf(hash)
    try {
      signal?.throwIfAborted()
      if (!(await this.#isStored(key, hash, size, options))) await this.#copy(tempKey, key, hash, size, options)
    } finally {
      await this.#deleteQuietly(tempKey)
    }
    return { hash, size }
  }

  /** Server-side copy of the temp object to its hash key, in parts above S3's 5 GiB CopyObject limit. */
  async #copy(from: string, to: string, hash: string, size: number, options?: CallOptions): Promise<void> {
    const source = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`
    const params = { Bucket: this.bucket, Key: to, ContentType: 'application/octet-stream', Metadata: { [HASH_METADATA]: hash } }
    if (size <= MAX_SINGLE_COPY_BYTES) {
      try {
        await this.client.send(new CopyObjectCommand({ ...params, CopySource: source, MetadataDirective: 'REPLACE' }), sendOptions(options))
      } catch (error) {
        throw this.#failure(error, 'CopyObject to', to, options)
      }
      return
    }
    let uploadId: string | undefined
    try {
      uploadId = (await this.client.send(new CreateMultipartUploadCommand(params), sendOptions(options))).UploadId
      const parts: { ETag: string; PartNumber: number }[] = []
      for (let start = 0, part = 1; start < size; start += COPY_PART_BYTES, part++) {
        const end = Math.min(size, start + COPY_PART_BYTES) - 1
        const result = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId, PartNumber: part, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }),
          sendOptions(options),
        )
        parts.push({ ETag: result.CopyPartResult?.ETag ?? '', PartNumber: part })
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        sendOptions(options),
      )
    } catch (error) {
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId })).catch(() => undefined)
      throw this.#failure(error, 'multipart copy to', to, options)
    }
  }

  /**
   * True when the hash key holds an object of this size written by a store (its sha256 metadata
   * matches). An object overwritten by anything else lacks the metadata and is rewritten; same-size
   * bit rot is caught on read.
   */
  async #isStored(key: string, hash: string, size: number, options?: CallOptions): Promise<boolean> {
    const head = await this.#head(key, options)
    return head !== undefined && head.size === size && head.hash === hash
  }

  async #head(key: string, options?: CallOptions): Promise<{ size: number; hash: string | undefined } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), sendOptions(options))
      return { size: head.ContentLength ?? -1, hash: head.Metadata?.[HASH_METADATA] }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw this.#failure(error, 'HeadObject', key, options)
    }
  }

  async #deleteQuietly(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined)
  }

  /** Once per store, before its first temp upload: clear leftovers of crashed writers (best effort). */
  async #sweepTempOnce(options?: CallOptions): Promise<void> {
    this.#tempSweep ??= this.removeStaleTempObjects(this.#staleTempMs, options).then(
      () => undefined,
      () => undefined, // housekeeping only; the put that follows reports a real access problem itself
    )
    await this.#tempSweep
  }

  #keyOf(hash: ContentHash): string {
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) throw invalidKey(hash)
    return `${this.prefix}objects/${hash}`
  }

  #url(key: string): string {
    return `s3://${this.bucket}/${key}`
  }

  /** Maps an SDK error to an MlopsError naming endpoint, operation and object, with secrets scrubbed. */
  #failure(error: unknown, operation: string, key: string, options?: CallOptions): unknown {
    if (options?.signal?.aborted) return options.signal.reason
    if (isMlopsError(error)) return error
    const where = key === '' ? `s3://${this.bucket}` : this.#url(key)
    const reason = this.#scrub(describeSdkError(error))
    const cause = sanitizedCause(error, (text) => this.#scrub(text))
    const status = httpStatusOf(error)
    const name = (error as { name?: unknown })?.name
    if (name === 'NoSuchBucket' || (operation === 'HeadBucket' && status === 404)) {
      return mlopsError(S3BucketNotFound, [this.endpointLabel, this.bucket], { cause })
    }
    if (status === 401 || status === 403 || ACCESS_ERRORS.has(String(name))) {
      return mlopsError(S3AccessDenied, [this.endpointLabel, operation, where, reason], { cause })
    }
    if (status === undefined && isNetworkError(error)) {
      return mlopsError(S3Unreachable, [this.endpointLabel, operation, where, reason], { cause })
    }
    return mlopsError(S3RequestFailed, [this.endpointLabel, operation, where, reason], { cause })
  }

  #scrub(text: string): string {
    let result = text
    for (const secret of this.#secrets) result = result.split(secret).join('***')
    return result
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`The artifact store s3://${this.bucket}/${this.prefix} is closed; open a new one with createS3ArtifactStore().`)
  }
}

/** Opens a store (no request is made until the first call; `check()` tests the connection). */
export async function createS3ArtifactStore(options: S3ArtifactStoreOptions): Promise<S3ArtifactStore> {
  return new S3ArtifactStore(options)
}

/** `projects/churn` → `projects/churn/`; refuses keys S3 or a reader of the bucket would misread. */
export function normalizePrefix(prefix: string): string {
  if (prefix === '') return ''
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`
  const segments = withSlash.slice(0, -1).split('/')
  if (withSlash.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || /[\0\\]/.test(withSlash)) {
    throw mlopsError(errors.InputInvalid, [
      '@mlops/storage-s3 prefix',
      `"${prefix}" is not a valid key prefix: use segments separated by single slashes, without a leading slash, "." or ".." (e.g. "mlops/churn/")`,
    ])
  }
  return withSlash
}

const ACCESS_ERRORS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])

function sendOptions(options?: CallOptions): { abortSignal: AbortSignal } | undefined {
  return options?.signal ? { abortSignal: options.signal } : undefined
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatusOf(error) === 404
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

function isNetworkError(error: unknown): boolean {
  const seen = new Set<unknown>()
  for (let e: unknown = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e)
    const { code, name } = e as { code?: unknown; name?: unknown }
    if (NETWORK_CODES.has(String(code)) || name === 'TimeoutError') return true
  }
  return false
}

function describeSdkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const status = httpStatusOf(error)
  const code = (error as { code?: unknown }).code
  const parts = [error.name !== 'Error' ? error.name : undefined, status ? `HTTP ${status}` : undefined, typeof code === 'string' && code !== error.name ? code : undefined]
    .filter(Boolean)
    .join(', ')
  const message = error.message && error.message !== error.name && error.message !== 'UnknownError' ? error.message : ''
  return [parts && `(${parts})`, message].filter(Boolean).join(' ') || 'unknown error'
}

/** The SDK error without its request/response objects, which could carry signed headers. */
function sanitizedCause(error: unknown, scrub: (text: string) => string): Error {
  const cause = new Error(scrub(error instanceof Error ? error.message : String(error)))
  if (error instanceof Error) cause.name = error.name
  const code = (error as { code?: unknown })?.code
  if (typeof code === 'string') (cause as Error & { code?: string }).code = code
  return cause
}

function checkChunk(chunk: unknown): Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    throw mlopsError(errors.InputInvalid, [
      'artifact put',
      `every chunk of a streamed put must be a Uint8Array, got ${describeValue(chunk)} (open the source without an encoding)`,
    ])
  }
  return chunk
}

function invalidKey(key: unknown): Error {
  return mlopsError(errors.ArtifactNameInvalid, [typeof key === 'string' ? key : String(key)])
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return 'a string'
  if (typeof value !== 'object') return `a ${typeof value}`
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

import { createHash } from 'node:crypto'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { serializeError, setupPlugin } from '@mlops/core'
import type { ArtifactStore, PluginContext } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3ArtifactStore, S3ArtifactStore, storageS3 } from '../src/index.js'
import type { S3ArtifactStoreOptions } from '../src/index.js'
import { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js'
import type { RunningS3rver } from './s3rver.js'

const MIB = 1024 * 1024
let s3: RunningS3rver
const stores: ArtifactStore[] = []
let count = 0

beforeAll(async () => {
  s3 = await startS3rver()
})
afterAll(async () => {
  for (const store of stores) await store.close()
  await s3.close()
})

function open(overrides: Partial<S3ArtifactStoreOptions> = {}): S3ArtifactStore {
  const store = new S3ArtifactStore({
    bucket: s3.bucket,
    prefix: `s3-test-${process.pid}-${count++}/`,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    partSizeBytes: 5 * MIB,
    ...overrides,
  })
  stores.push(store)
  return store
}

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

async function* stream(data: Uint8Array, chunkBytes: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += chunkBytes) yield data.subarray(offset, offset + chunkBytes)
}

async function keysUnder(prefix: string): Promise<string[]> {
  const client = open().client
  const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))
  return (page.Contents ?? []).map((entry) => entry.Key!).sort()
}

async function caught(action: () => Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('@mlops/storage-s3', () => {
  it('a streamed put larger than one part goes through a multipart upload to a temp key and a copy, and round-trips', async () => {
    const store = open()
    const data = bytes(12 * MIB + 12_345, 11)
    const before = s3.events.length
    // 64 KiB chunks, like fs.createReadStream: the store must assemble its own 5 MiB parts.
    const stored = await store.put(stream(data, 64 * 1024))
    expect(stored).toEqual({ hash: sha256(data), size: data.byteLength })

    const events = s3.events.slice(before)
    const tempUpload = events.find((e) => e.eventName === 'ObjectCreated:Post' && e.key.startsWith(`${store.prefix}tmp/`))
    expect(tempUpload, 'a CompleteMultipartUpload on a temp key').toBeDefined()
    expect(events.filter((e) => e.key === `${store.prefix}objects/${stored.hash}`).map((e) => e.eventName)).toEqual(['ObjectCreated:Copy'])
    expect(await keysUnder(store.prefix)).toEqual([`${store.prefix}objects/${stored.hash}`]) // the temp object is gone

    expect(sha256(await store.get(stored.hash))).toBe(stored.hash)
    const chunks: Uint8Array[] = []
    for await (const chunk of store.getStream(stored.hash)) chunks.push(chunk)
    expect(Buffer.concat(chunks).equals(data)).toBe(true)

    // Idempotent: the same stream again is uploaded (its hash is unknown until the end) but not copied again.
    const again = s3.events.length
    expect(await store.put(stream(data, 1 * MIB))).toEqual(stored)
    expect(s3.events.slice(again).some((e) => e.eventName === 'ObjectCreated:Copy')).toBe(false)
    expect(await keysUnder(store.prefix)).toEqual([`${store.prefix}objects/${stored.hash}`])
  })

  it('a producer failing or an abort during a multipart upload stores nothing and leaves no temp object', async () => {
    const store = open()
    const data = bytes(11 * MIB, 12)
    const failing = (async function* () {
      yield* stream(data.subarray(0, 7 * MIB), 256 * 1024)
      throw new Error('the producer failed after 7 MiB')
    })()
    await expect(store.put(failing)).rejects.toThrow(/producer failed after 7 MiB/)

    const controller = new AbortController()
    const aborting = (async function* () {
      yield* stream(data.subarray(0, 6 * MIB), 256 * 1024)
      controller.abort(new Error('cancelled by the test'))
      yield* stream(data.subarray(6 * MIB), 256 * 1024)
    })()
    await expect(store.put(aborting, { signal: controller.signal })).rejects.toThrow(/cancelled by the test/)

    const badChunk = (async function* () {
      yield* stream(data.subarray(0, 6 * MIB), 1 * MIB)
      yield 'a string' as unknown as Uint8Array
    })()
    expect((await caught(() => store.put(badChunk))).code).toBe('MLOPS_INPUT_INVALID')

    expect(await keysUnder(store.prefix)).toEqual([])
    expect(await store.has(sha256(data))).toBe(false)
  })

  it('an object overwritten through the S3 API is detected on read, and a put of the right bytes repairs it', async () => {
    const store = open()
    const data = bytes(300_000, 13)
    const { hash } = await store.put(data)
    const key = `${store.prefix}objects/${hash}`
    const damaged = Buffer.from(data)
    damaged[1234] = damaged[1234]! ^ 0x01
    await store.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: damaged }))

    const error = await caught(() => store.get(hash))
    expect(error.code).toBe('MLOPS_ARTIFACT_CORRUPTED')
    expect(error.message).toContain(`s3://${s3.bucket}/${key}`)
    expect(error.message).toContain(sha256(damaged))
    expect((await caught(async () => { for await (const _ of store.getStream(hash)); })).code).toBe('MLOPS_ARTIFACT_CORRUPTED')

    // The overwrite lacks the store's hash metadata, so the next put rewrites the object.
    await store.put(data)
    expect(Buffer.from(await store.get(hash)).equals(data)).toBe(true)
  })

  it('prefixes isolate two projects on one bucket', async () => {
    const churn = open({ prefix: `iso-${process.pid}/churn` })
    const fraud = open({ prefix: `iso-${process.pid}/fraud/` })
    expect(churn.prefix).toBe(`iso-${process.pid}/churn/`)
    const a = await churn.put(Buffer.from('churn model'))
    const b = await fraud.put(Buffer.from('fraud model'))
    expect(await churn.has(a.hash)).toBe(true)
    expect(await fraud.has(a.hash)).toBe(false)
    expect((await caught(() => fraud.get(a.hash))).code).toBe('MLOPS_ARTIFACT_NOT_FOUND')
    const listed = async (s: ArtifactStore) => { const out = []; for await (const o of s.list()) out.push(o.hash); return out }
    expect(await listed(churn)).toEqual([a.hash])
    expect(await listed(fraud)).toEqual([b.hash])
    await fraud.delete(a.hash)
    expect(await churn.has(a.hash)).toBe(true)
    expect(churn.describe(a.hash)).toBe(`s3://${s3.bucket}/iso-${process.pid}/churn/objects/${a.hash}`)
  })

  // s3rver checks the access key id but not SigV4 signatures, so the wrong credential here is the key id.
  it('wrong credentials: a clear access error that never contains the secret, and check() is not ok', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz'
    const store = open({ credentials: { accessKeyId: 'NOT-AN-ACCOUNT', secretAccessKey: secret }, maxAttempts: 1 })
    const error = await caught(() => store.put(Buffer.from('x')))
    expect(error.code).toBe('MLOPS_S3_ACCESS_DENIED')
    expect(error.message).toContain(s3.endpoint)
    expect(error.hint).toMatch(/AWS_SECRET_ACCESS_KEY/)
    const everything = JSON.stringify(serializeError(error)) + String(error.stack)
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain('SECRETzz')

    for (const call of [() => store.has('a'.repeat(64)), () => store.get('a'.repeat(64)), async () => { for await (const _ of store.list()); }]) {
      const failure = await caught(call)
      expect(failure.code).toBe('MLOPS_S3_ACCESS_DENIED')
      expect(JSON.stringify(serializeError(failure))).not.toContain(secret)
    }

    const health = await store.check()
    expect(health.ok).toBe(false)
    expect(health.detail).toContain(s3.bucket)
    expect(health.detail).not.toContain(secret)
  })

  it('an unreachable endpoint or a missing bucket is a clear error naming it; check() reports it without throwing', async () => {
    const dead = open({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })
    const started = Date.now()
    const error = await caught(() => dead.put(Buffer.from('x')))
    expect(error.code).toBe('MLOPS_S3_UNREACHABLE')
    expect(error.message).toContain('http://127.0.0.1:9')
    expect(error.message).toMatch(/ECONNREFUSED/)
    expect(Date.now() - started).toBeLessThan(5000)
    const health = await dead.check()
    expect(health).toMatchObject({ ok: false })
    expect(health.detail).toMatch(/127\.0\.0\.1:9.*Could not reach/)

    const noBucket = open({ bucket: 'no-such-bucket-here' })
    expect((await caught(() => noBucket.put(Buffer.from('x')))).code).toBe('MLOPS_S3_BUCKET_NOT_FOUND')
    const missing = await noBucket.check()
    expect(missing.ok).toBe(false)
    expect(missing.detail).toMatch(/no bucket "no-such-bucket-here"/)

    expect(await open().check()).toEqual({ ok: true, detail: expect.stringContaining(`s3://${s3.bucket}/`) })
  })

  it('removeStaleTempObjects deletes leftovers of crashed writers only', async () => {
    const store = open()
    await store.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${store.prefix}tmp/crashed-writer`, Body: 'partial' }))
    const { hash } = await store.put(Buffer.from('kept'))
    expect(await store.removeStaleTempObjects(60 * 60 * 1000)).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 1100)) // S3 timestamps have one-second resolution
    expect(await store.removeStaleTempObjects(1000)).toBe(1)
    expect(await keysUnder(store.prefix)).toEqual([`${store.prefix}objects/${hash}`])
  })

  describe('the plugin', () => {
    const ctx = (env: Record<string, string>): PluginContext => ({
      root: '/project',
      dataDir: '/project/.mlops',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      env,
    })

    it('takes credentials from the environment and provides a shared store', async () => {
      const provides = await setupPlugin(
        storageS3({ bucket: s3.bucket, prefix: `plugin-${process.pid}/`, endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: 'MY_KEY', secretAccessKeyEnv: 'MY_SECRET' }),
        'mlops.config.ts: plugins[0]',
        ctx({ MY_KEY: 'S3RVER', MY_SECRET: 'S3RVER' }),
      )
      const store = provides.storage!
      stores.push(store)
      expect(store.scope).toBe('shared')
      const { hash } = await store.put(Buffer.from('from the plugin'))
      expect(store.describe(hash)).toBe(`s3://${s3.bucket}/plugin-${process.pid}/objects/${hash}`)
      expect(await store.check?.()).toMatchObject({ ok: true })
    })

    it('rejects half-set credentials and bad options with errors naming what to fix', async () => {
      const half = await caught(() =>
        setupPlugin(storageS3({ bucket: s3.bucket, endpoint: s3.endpoint }), 'mlops.config.ts: plugins[0]', ctx({ AWS_ACCESS_KEY_ID: 'S3RVER' })),
      )
      expect(half.code).toBe('MLOPS_S3_CREDENTIALS_INCOMPLETE')
      expect(half.message).toContain('AWS_SECRET_ACCESS_KEY')

      const badPrefix = await caught(() => setupPlugin(storageS3({ bucket: s3.bucket, prefix: '../other/' }), 'mlops.config.ts: plugins[0]', ctx({})))
      expect(badPrefix.code).toBe('MLOPS_PLUGIN_OPTIONS_INVALID')
      expect(badPrefix.message).toMatch(/prefix/)
      const badBucket = await caught(() => setupPlugin(storageS3({ bucket: 'x' }), 'mlops.config.ts: plugins[0]', ctx({})))
      expect(badBucket.message).toMatch(/bucket/)
    })
  })
})

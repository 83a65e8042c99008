import assert from 'node:assert/strict'
import type { ArtifactStore, ContentHash } from '@mlops/core'
import { rejects, rejectsWithCode } from './internal/assertions.js'
import { chunked, collect, collectAll, pseudoRandomBytes, sha256 } from './internal/bytes.js'
import { registerCases } from './test-api.js'
import type { ConformanceCase, TestApi } from './test-api.js'

export interface StorageHarness {
  /** Shown in every title, e.g. `@mlops/storage-s3`. */
  pluginName: string
  /** A new, empty store (a fresh folder, bucket or key prefix per call). The suite closes it. */
  create(): Promise<ArtifactStore>
  /**
   * Changes the stored bytes of `hash` behind the store's back (flip a byte, truncate), as disk or
   * bucket corruption would. Without it, the corrupted-object case is skipped.
   */
  corrupt?(hash: ContentHash, store: ArtifactStore): Promise<void>
}

const INVALID_KEYS: readonly string[] = [
  '',
  '../../../../etc/passwd',
  '..',
  'ab/../../../etc/passwd',
  `${'a'.repeat(62)}/x`,
  `../${'a'.repeat(61)}`,
  'A'.repeat(64), // uppercase hex is a different key, not an alias
  'a'.repeat(63),
  'a'.repeat(65),
  `${'a'.repeat(63)}g`,
  `${'a'.repeat(63)}\0`,
  ` ${'a'.repeat(63)}`,
  '%2e%2e%2f'.padEnd(64, '0'),
  `${'0'.repeat(62)}\\x`,
]

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

async function withStore(harness: StorageHarness, body: (store: ArtifactStore) => Promise<void>): Promise<void> {
  const store = await harness.create()
  try {
    await body(store)
  } finally {
    await store.close()
  }
}

async function listed(store: ArtifactStore, prefix?: string): Promise<{ hash: string; size: number }[]> {
  const objects = await collectAll(store.list(prefix === undefined ? undefined : { prefix }))
  return objects.map((o) => ({ hash: o.hash, size: o.size })).sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
}

/** The cases, in a table like ESLint's RuleTester: each runs against a fresh store from the harness. */
export const storageCases: readonly ConformanceCase<StorageHarness>[] = [
  {
    name: 'put then get returns the same bytes under their sha256 (empty, small and multi-chunk objects)',
    run: (h) =>
      withStore(h, async (store) => {
        for (const data of [new Uint8Array(0), new TextEncoder().encode('hello, artifacts\n'), pseudoRandomBytes(1_500_000, 1)]) {
          const stored = await store.put(data)
          assert.equal(stored.hash, sha256(data), 'put() must return the sha256 of the bytes, in lowercase hex')
          assert.equal(stored.size, data.byteLength, 'put() must return the size in bytes')
          const read = await store.get(stored.hash)
          assert.ok(read instanceof Uint8Array, 'get() must resolve to a Uint8Array')
          assert.equal(read.byteLength, data.byteLength)
          assert.ok(Buffer.from(read).equals(Buffer.from(data)), 'get() must return exactly the bytes put')
        }
        assert.ok(await store.has(EMPTY_SHA256), 'the empty object is an object like any other')
      }),
  },
  {
    name: 'put is idempotent: the same bytes twice give one object',
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(4096, 2)
        const first = await store.put(data)
        const second = await store.put(data)
        const third = await store.put(chunked(data, [1000]))
        assert.deepEqual(second, first)
        assert.deepEqual({ hash: third.hash, size: third.size }, { hash: first.hash, size: first.size })
        assert.deepEqual(await listed(store), [{ hash: first.hash, size: 4096 }])
        assert.ok(Buffer.from(await store.get(first.hash)).equals(Buffer.from(data)))
      }),
  },
  {
    name: 'streaming put from an AsyncIterable stores the concatenated chunks (uneven and empty chunks)',
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(700_001, 3)
        const stored = await store.put(chunked(data, [1, 0, 65_536, 7, 300_000, 12_345]))
        assert.deepEqual({ hash: stored.hash, size: stored.size }, { hash: sha256(data), size: data.byteLength })
        assert.ok(Buffer.from(await store.get(stored.hash)).equals(Buffer.from(data)))
        const empty = await store.put((async function* () {})())
        assert.deepEqual({ hash: empty.hash, size: empty.size }, { hash: EMPTY_SHA256, size: 0 })
      }),
  },
  {
    name: 'getStream yields exactly the stored bytes',
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(3_000_000, 4)
        const { hash } = await store.put(data)
        const chunks: Uint8Array[] = []
        for await (const chunk of store.getStream(hash)) {
          assert.ok(chunk instanceof Uint8Array, 'getStream() must yield Uint8Arrays')
          chunks.push(chunk)
        }
        const joined = Buffer.concat(chunks)
        assert.equal(joined.byteLength, data.byteLength)
        assert.ok(joined.equals(Buffer.from(data)), 'getStream() must yield the bytes put, in order')
        // Chunks must stay valid after iteration: a store may not recycle a buffer it handed out.
        assert.equal(sha256(Buffer.concat(chunks)), hash)
        const empty = await store.put(new Uint8Array(0))
        assert.equal((await collect(store.getStream(empty.hash))).byteLength, 0, 'getStream() of the empty object yields no bytes')
      }),
  },
  {
    name: 'has, list (with prefix) and delete see exactly the stored objects',
    run: (h) =>
      withStore(h, async (store) => {
        const payloads = Array.from({ length: 12 }, (_, i) => pseudoRandomBytes(100 + i, 100 + i))
        assert.equal(await store.has(sha256(payloads[0]!)), false, 'has() is false before put')
        assert.deepEqual(await listed(store), [], 'a new store lists nothing')
        const stored = []
        for (const p of payloads) stored.push(await store.put(p))
        const expected = stored.map((s) => ({ hash: s.hash, size: s.size })).sort((a, b) => (a.hash < b.hash ? -1 : 1))
        assert.deepEqual(await listed(store), expected)
        for (const s of stored) assert.equal(await store.has(s.hash), true)

        const target = expected[0]!.hash
        for (const prefix of [target.slice(0, 1), target.slice(0, 2), target.slice(0, 3), target, '']) {
          assert.deepEqual(
            await listed(store, prefix),
            expected.filter((o) => o.hash.startsWith(prefix)),
            `list({ prefix: '${prefix}' }) must return the objects whose hash starts with it`,
          )
        }
        assert.deepEqual(await listed(store, 'f'.repeat(64)), expected.filter((o) => o.hash === 'f'.repeat(64)))

        await store.delete(target)
        assert.equal(await store.has(target), false, 'has() is false after delete')
        await rejectsWithCode(() => store.get(target), 'MLOPS_ARTIFACT_NOT_FOUND', 'get() of a deleted object')
        assert.deepEqual(await listed(store), expected.slice(1))
        await store.delete(target) // deleting an absent object is not an error
        assert.deepEqual(await listed(store), expected.slice(1))
      }),
  },
  {
    name: 'a missing object is reported as MLOPS_ARTIFACT_NOT_FOUND by get and getStream',
    run: (h) =>
      withStore(h, async (store) => {
        const absent = sha256('never stored')
        assert.equal(await store.has(absent), false)
        await rejectsWithCode(() => store.get(absent), 'MLOPS_ARTIFACT_NOT_FOUND', 'get() of an absent hash')
        await rejectsWithCode(() => collect(store.getStream(absent)), 'MLOPS_ARTIFACT_NOT_FOUND', 'getStream() of an absent hash')
      }),
  },
  {
    name: 'invalid keys and path traversal are rejected with MLOPS_ARTIFACT_NAME_INVALID by every method',
    run: (h) =>
      withStore(h, async (store) => {
        // Something must exist that a traversal could reach, so "not found" cannot pass for "rejected".
        await store.put(new TextEncoder().encode('victim'))
        for (const key of INVALID_KEYS) {
          const label = JSON.stringify(key)
          await rejectsWithCode(() => store.get(key), 'MLOPS_ARTIFACT_NAME_INVALID', `get(${label})`)
          await rejectsWithCode(() => collect(store.getStream(key)), 'MLOPS_ARTIFACT_NAME_INVALID', `getStream(${label})`)
          await rejectsWithCode(() => store.has(key), 'MLOPS_ARTIFACT_NAME_INVALID', `has(${label})`)
          await rejectsWithCode(() => store.delete(key), 'MLOPS_ARTIFACT_NAME_INVALID', `delete(${label})`)
          await rejectsWithCode(async () => store.describe(key), 'MLOPS_ARTIFACT_NAME_INVALID', `describe(${label})`)
        }
        for (const prefix of ['../', 'AB', 'g', 'a'.repeat(65), '/']) {
          await rejectsWithCode(() => listed(store, prefix), 'MLOPS_ARTIFACT_NAME_INVALID', `list({ prefix: ${JSON.stringify(prefix)} })`)
        }
        assert.equal((await listed(store)).length, 1, 'nothing was deleted or written by the rejected calls')
      }),
  },
  {
    name: 'bad input: a put of something that is not bytes is rejected with MLOPS_INPUT_INVALID and stores nothing',
    run: (h) =>
      withStore(h, async (store) => {
        const bad: unknown[] = ['text is not bytes', 42, null, undefined, { length: 3 }, [1, 2, 3]]
        for (const value of bad) {
          await rejectsWithCode(() => store.put(value as Uint8Array), 'MLOPS_INPUT_INVALID', `put(${JSON.stringify(value) ?? String(value)})`)
        }
        const strings = (async function* () {
          yield new TextEncoder().encode('bytes first, ')
          yield 'then a string' as unknown as Uint8Array
        })()
        await rejectsWithCode(() => store.put(strings), 'MLOPS_INPUT_INVALID', 'put() of a stream that yields a string')
        assert.deepEqual(await listed(store), [], 'a rejected put leaves no object behind')
      }),
  },
  {
    name: 'a failing or aborted streaming put stores nothing',
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(200_000, 5)
        const failing = (async function* () {
          yield data.slice(0, 100_000)
          throw new Error('the producer failed half way')
        })()
        const error = await rejects(() => store.put(failing), 'put() of a stream that throws')
        assert.match(String((error as Error).message), /producer failed/, 'the producer error must propagate')

        const controller = new AbortController()
        const aborting = (async function* () {
          yield data.slice(0, 100_000)
          controller.abort()
          yield data.slice(100_000)
        })()
        await rejects(() => store.put(aborting, { signal: controller.signal }), 'put() aborted mid-stream')
        await rejects(() => store.put(data, { signal: AbortSignal.abort() }), 'put() with an already aborted signal')
        await rejects(() => store.get(sha256(data), { signal: AbortSignal.abort() }), 'get() with an already aborted signal')
        assert.deepEqual(await listed(store), [], 'no object may appear from a failed or aborted put')
        assert.equal(await store.has(sha256(data)), false)
      }),
  },
  {
    name: 'a corrupted object is rejected on read with MLOPS_ARTIFACT_CORRUPTED, never returned',
    unsupported: (h) => (h.corrupt ? undefined : 'the harness has no corrupt()'),
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(600_000, 6)
        const { hash } = await store.put(data)
        await h.corrupt!(hash, store)
        const error = await rejectsWithCode(() => store.get(hash), 'MLOPS_ARTIFACT_CORRUPTED', 'get() of a corrupted object')
        assert.ok(error.message.includes(hash), 'the error names the artifact hash')
        const where = store.describe(hash)
        assert.ok(error.message.includes(where), `the error names where the object lives (${where})`)
        await rejectsWithCode(() => collect(store.getStream(hash)), 'MLOPS_ARTIFACT_CORRUPTED', 'getStream() of a corrupted object')
        // A put of the right bytes must not be fooled into "already stored" forever: after the
        // owner deletes the bad object, the same put stores it again.
        await store.delete(hash)
        await store.put(data)
        assert.ok(Buffer.from(await store.get(hash)).equals(Buffer.from(data)))
      }),
  },
  {
    name: 'concurrent puts of the same content all succeed and leave one intact object',
    timeoutMs: 30_000,
    run: (h) =>
      withStore(h, async (store) => {
        const data = pseudoRandomBytes(1_000_000, 7)
        const results = await Promise.all([
          ...Array.from({ length: 6 }, () => store.put(data)),
          ...Array.from({ length: 6 }, (_, i) => store.put(chunked(data, [50_000 + i * 1000]))),
        ])
        for (const r of results) assert.deepEqual({ hash: r.hash, size: r.size }, { hash: sha256(data), size: data.byteLength })
        assert.deepEqual(await listed(store), [{ hash: sha256(data), size: data.byteLength }])
        assert.ok(Buffer.from(await store.get(sha256(data))).equals(Buffer.from(data)))
      }),
  },
  {
    name: 'concurrent puts of different content and reads do not interfere',
    timeoutMs: 30_000,
    run: (h) =>
      withStore(h, async (store) => {
        const payloads = Array.from({ length: 16 }, (_, i) => pseudoRandomBytes(20_000 + i * 777, 200 + i))
        const stored = await Promise.all(payloads.map((p, i) => (i % 2 ? store.put(p) : store.put(chunked(p, [4096])))))
        const read = await Promise.all(stored.map((s) => store.get(s.hash)))
        read.forEach((bytes, i) => assert.ok(Buffer.from(bytes).equals(Buffer.from(payloads[i]!)), `object ${i} intact`))
        assert.equal((await listed(store)).length, payloads.length)
      }),
  },
  {
    name: 'describe names a distinct location per object',
    run: (h) =>
      withStore(h, async (store) => {
        const a = sha256('a')
        const b = sha256('b')
        assert.equal(typeof store.describe(a), 'string')
        assert.ok(store.describe(a).length > 0)
        assert.notEqual(store.describe(a), store.describe(b))
      }),
  },
]

/**
 * Registers the storage conformance cases with the caller's test runner:
 * `storageConformance({ describe, it }, { pluginName, create, corrupt })`.
 */
export function storageConformance(t: TestApi, harness: StorageHarness): void {
  registerCases(t, 'storage conformance (apiVersion 1)', harness, storageCases)
}

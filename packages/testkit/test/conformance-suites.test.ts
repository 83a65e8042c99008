import { metadataConformance, storageConformance } from '@mlops/testkit'
import type { MetadataStore, ArtifactStore } from '@mlops/core'
import type { TestApi } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { MemoryArtifactStore } from './fixtures/memory-artifact-store.js'

interface Registered {
  title: string
  run?: () => Promise<void>
  skipped: boolean
}

/** A TestApi that records what a suite registers instead of running it. */
function recorder(options: { withSkip: boolean }): { api: TestApi; registered: Registered[] } {
  const registered: Registered[] = []
  const path: string[] = []
  const it = (name: string, fn: () => Promise<void>) => void registered.push({ title: [...path, name].join(' > '), run: fn, skipped: false })
  const skip = (name: string) => void registered.push({ title: [...path, name].join(' > '), skipped: true })
  const api: TestApi = {
    describe: (name, fn) => {
      path.push(name)
      fn()
      path.pop()
    },
    it: options.withSkip ? Object.assign(it, { skip }) : it,
  }
  return { api, registered }
}

const corruptMemory = async (hash: string, store: ArtifactStore) => {
  const bytes = (store as MemoryArtifactStore).objects.get(hash)!
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff
}

// The reference in-memory store passes the whole suite.
storageConformance({ describe, it }, { pluginName: 'memory (reference)', create: async () => new MemoryArtifactStore(), corrupt: corruptMemory })

describe('the storage suite fails a store that breaks the contract', () => {
  const broken: [string, string, new () => MemoryArtifactStore][] = [
    [
      'returns corrupted bytes',
      'a corrupted object is rejected',
      class extends MemoryArtifactStore {
        protected override verify(): void {}
      },
    ],
    [
      'accepts any key',
      'invalid keys and path traversal are rejected',
      class extends MemoryArtifactStore {
        protected override check(): void {}
      },
    ],
    [
      'stores duplicates under a second key',
      'put is idempotent',
      class extends MemoryArtifactStore {
        protected override store(hash: string, bytes: Uint8Array): void {
          this.objects.set(this.objects.has(hash) ? `${hash.slice(0, 63)}${hash.endsWith('0') ? '1' : '0'}` : hash, bytes)
        }
      },
    ],
    [
      'hashes in upper case',
      'put then get returns the same bytes',
      class extends MemoryArtifactStore {
        protected override hashOf(bytes: Uint8Array): string {
          return super.hashOf(bytes).toUpperCase()
        }
      },
    ],
  ]
  for (const [what, failingCase, Store] of broken) {
    it(`a store that ${what} fails "${failingCase}"`, async () => {
      const { api, registered } = recorder({ withSkip: true })
      storageConformance(api, { pluginName: 'broken', create: async () => new Store(), corrupt: corruptMemory })
      const target = registered.find((r) => r.title.includes(failingCase))
      expect(target, `no case titled "${failingCase}"`).toBeDefined()
      await expect(target!.run!()).rejects.toThrow()
    })
  }
})

describe('registration', () => {
  it('titles name the plugin and the case; a case the harness cannot run is a visible skip', () => {
    const { api, registered } = recorder({ withSkip: true })
    storageConformance(api, { pluginName: '@acme/storage-tape', create: async () => new MemoryArtifactStore() })
    expect(registered.length).toBeGreaterThan(10)
    for (const r of registered) expect(r.title.startsWith('@acme/storage-tape: storage conformance (apiVersion 1) > ')).toBe(true)
    expect(registered.filter((r) => r.skipped).map((r) => r.title)).toEqual([
      '@acme/storage-tape: storage conformance (apiVersion 1) > a corrupted object is rejected on read with MLOPS_ARTIFACT_CORRUPTED, never returned (the harness has no corrupt())',
    ])
  })

  it('the metadata suite skips the cases that need reopen() without it, and registers nothing for them without it.skip', () => {
    const create = async () => ({}) as MetadataStore
    const withSkip = recorder({ withSkip: true })
    metadataConformance(withSkip.api, { pluginName: '@acme/metadata-x', create })
    const skipped = withSkip.registered.filter((r) => r.skipped).map((r) => r.title)
    expect(skipped.length).toBeGreaterThanOrEqual(1)
    for (const title of skipped) expect(title).toMatch(/^@acme\/metadata-x: metadata conformance \(apiVersion 1\) > .*\(the harness has no reopen\(\)\)$/)
    expect(skipped).toContain('@acme/metadata-x: metadata conformance (apiVersion 1) > data written and closed is there when the store is opened again (the harness has no reopen())')
    const withoutSkip = recorder({ withSkip: false })
    metadataConformance(withoutSkip.api, { pluginName: '@acme/metadata-x', create })
    expect(withoutSkip.registered).toHaveLength(withSkip.registered.length - skipped.length)
  })

  it("accepts vitest's describe/it/expect as they are", () => {
    const api: TestApi = { describe, it, expect }
    expect(typeof api.it.skip).toBe('function')
  })
})

import { chmod, mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storageConformance } from '@mlops/testkit'
import { afterAll, describe, it } from 'vitest'
import { createFsArtifactStore } from '../src/index.js'

const root = await mkdtemp(join(tmpdir(), 'mlops-storage-fs-conformance-'))
afterAll(() => rm(root, { recursive: true, force: true }))
let count = 0

storageConformance(
  { describe, it },
  {
    pluginName: '@mlops/storage-fs',
    create: () => createFsArtifactStore(join(root, `store-${count++}`)),
    // Flip one byte in the middle of the object file, as bit rot or a stray editor would.
    async corrupt(hash, store) {
      const file = store.describe(hash)
      await chmod(file, 0o644)
      const handle = await open(file, 'r+')
      try {
        const { size } = await handle.stat()
        const offset = Math.floor(size / 2)
        const byte = Buffer.alloc(1)
        await handle.read(byte, 0, 1, offset)
        byte[0] = byte[0]! ^ 0xff
        await handle.write(byte, 0, 1, offset)
      } finally {
        await handle.close()
      }
    },
  },
)

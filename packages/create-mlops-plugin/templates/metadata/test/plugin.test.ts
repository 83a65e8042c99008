import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupPlugin } from '@mlops/core'
import type { MetadataStore } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'
import { openJsonFileMetadataStore } from '../src/store.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }
let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), '__FACTORY__-plugin-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const setup = async (options: Record<string, unknown>) =>
  (await setupPlugin(__FACTORY__(options), 'test', { root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} })).metadata!

describe('the JSON file', () => {
  it('lives at the `path` option, relative to the project root; every write replaces it whole, leaving no temp file', async () => {
    const store: MetadataStore = await setup({ path: 'state/meta.json', fsync: false })
    try {
      await store.commit({ writes: [{ collection: 'models', key: 'churn', value: { versions: [1] }, expectedRevision: 0 }] })
      const saved = JSON.parse(await readFile(join(root, 'state/meta.json'), 'utf8'))
      expect(saved).toMatchObject({ format: 'mlops-metadata-json', version: 1, documents: [{ collection: 'models', key: 'churn', value: { versions: [1] }, revision: 1 }] })
      expect(await readdir(join(root, 'state'))).toEqual(['meta.json'])
    } finally {
      await store.close()
    }
  })

  it('a rejected write leaves the file byte for byte as it was', async () => {
    const store = await setup({ path: 'state/rejected.json' })
    try {
      await store.commit({ writes: [{ collection: 'c', key: 'k', value: 1 }] })
      const before = await readFile(join(root, 'state/rejected.json'), 'utf8')
      await expect(store.commit({ writes: [{ collection: 'c', key: 'new', value: 2 }, { collection: 'c', key: 'k', value: 3, expectedRevision: 7 }] })).rejects.toMatchObject({ code: 'MLOPS_WRITE_CONFLICT' })
      await expect(store.upsertStep({ runId: 'nope' } as never)).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID' })
      expect(await readFile(join(root, 'state/rejected.json'), 'utf8')).toBe(before)
    } finally {
      await store.close()
    }
  })

  it('refuses a file that is not a metadata store, and never overwrites it', async () => {
    const file = join(root, 'foreign.json')
    await writeFile(file, '{"name":"my-app"}')
    await expect(openJsonFileMetadataStore(file)).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID', message: expect.stringMatching(/not an mlops metadata store/) })
    await writeFile(join(root, 'broken.json'), '{"format":"mlops-metadata-json",')
    await expect(openJsonFileMetadataStore(join(root, 'broken.json'))).rejects.toMatchObject({ code: 'MLOPS_INPUT_INVALID', message: expect.stringMatching(/not valid JSON/) })
    expect(await readFile(file, 'utf8')).toBe('{"name":"my-app"}')
  })

  it('a long-lived instance sees what another instance wrote to the file meanwhile', async () => {
    const daemon = await setup({ path: 'state/shared.json' })
    const cli = await openJsonFileMetadataStore(join(root, 'state/shared.json'))
    try {
      await daemon.commit({ writes: [{ collection: 'c', key: 'k', value: 'first' }] })
      await cli.commit({ writes: [{ collection: 'c', key: 'k', value: 'second', expectedRevision: 1 }] })
      expect(await daemon.getDocument('c', 'k')).toMatchObject({ value: 'second', revision: 2 })
      await expect(daemon.commit({ writes: [{ collection: 'c', key: 'k', value: 'stale', expectedRevision: 1 }] })).rejects.toMatchObject({ code: 'MLOPS_WRITE_CONFLICT' })
    } finally {
      await Promise.all([daemon.close(), cli.close()])
    }
  })

  it('refuses calls after close', async () => {
    const store = await setup({ path: 'state/closed.json' })
    await store.close()
    await expect(store.listRuns()).rejects.toThrow(/closed/)
  })

  it('rejects bad options with MLOPS_PLUGIN_OPTIONS_INVALID naming the option', async () => {
    await expect(setup({ path: '' })).rejects.toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID', message: expect.stringMatching(/path/) })
    await expect(setup({ fsync: 'yes' })).rejects.toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID', message: expect.stringMatching(/fsync/) })
  })
})

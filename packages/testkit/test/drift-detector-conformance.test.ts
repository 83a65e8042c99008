import { setupPlugin } from '@mlops/core'
import type { DriftDetectionResult, DriftDetector } from '@mlops/core'
import { driftDetectorPlugin } from '@mlops/drift'
import { driftDetectorConformance } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { recorder } from './fixtures/recorder.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

/** The real detector of @mlops/drift, set up as the config loader would. */
async function realDetector(): Promise<DriftDetector> {
  const ctx = { root: process.cwd(), dataDir: '.mlops', logger: silent, signal: new AbortController().signal, env: {} }
  const provides = await setupPlugin(driftDetectorPlugin(), 'test', ctx)
  return provides.driftDetector!
}

// @mlops/drift's detector passes the whole suite.
driftDetectorConformance({ describe, it }, { pluginName: '@mlops/drift', create: realDetector })

/** A detector that post-processes the real one's answers. */
function wrapped(change: (result: DriftDetectionResult, options: { columns?: string[] }) => DriftDetectionResult, before?: (options: { signal?: AbortSignal }) => Promise<void> | void): () => Promise<DriftDetector> {
  return async () => {
    const inner = await realDetector()
    return {
      name: 'broken',
      async detect(reference, current, options) {
        await before?.(options)
        return change(await inner.detect(reference, current, options), options)
      },
    }
  }
}

const setAll = (drift: boolean) => (r: DriftDetectionResult) => ({ columns: r.columns.map((c) => ({ ...c, drift })), datasetDrift: drift, shareOfDriftedColumns: drift ? 1 : 0 })

describe('the driftDetector suite fails a detector that breaks the contract', () => {
  const broken: [string, string, () => Promise<DriftDetector>][] = [
    ['always reports drift', 'identical data', wrapped(setAll(true))],
    ['never reports drift', 'an obvious shift is detected', wrapped(setAll(false))],
    ['miscounts the share of drifted columns', 'column results are well-formed', wrapped((r) => ({ ...r, shareOfDriftedColumns: 0.25 }))],
    ['reports numeric columns as categorical', 'column results are well-formed', wrapped((r) => ({ ...r, columns: r.columns.map((c) => ({ ...c, type: 'categorical' as const })) }))],
    ['ignores options.columns', 'options.columns restricts', wrapped((r) => r, (o) => void delete (o as { columns?: string[] }).columns)],
    [
      'throws a plain Error for a missing file',
      'a missing input file is rejected',
      async () => ({
        name: 'broken',
        async detect(reference, current) {
          const { readFile } = await import('node:fs/promises')
          await readFile(reference.path!)
          await readFile(current.path!)
          return { columns: [], datasetDrift: false, shareOfDriftedColumns: 0 }
        },
      }),
    ],
    ['ignores an aborted signal', 'an aborted signal rejects', wrapped((r) => r, (o) => void delete (o as { signal?: AbortSignal }).signal)],
  ]
  for (const [what, failingCase, create] of broken) {
    it(`a detector that ${what} fails "${failingCase}"`, async () => {
      const { api, find } = recorder()
      driftDetectorConformance(api, { pluginName: 'broken', create })
      await expect(find(failingCase).run!()).rejects.toThrow()
    })
  }
})

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { detectChanges, type StreamDetectorOptions } from '../src/stream/detect-changes.js'
import { isStreamDetectorId, type StreamDetectorId } from '../src/stream/detector.js'

/**
 * River's detections on the shared reference streams (shared/stream-reference, written by
 * gen_stream_reference.py). Extra case sets generated for other seeds
 * (`REF_SEED=N python3 gen_stream_reference.py DIR`) can be checked too by listing their directories
 * in MLOPS_STREAM_REFERENCE_EXTRA, separated by the platform's path delimiter (':').
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const sharedDir = process.env.MLOPS_SHARED_DIR ?? join(repoRoot, '..', 'shared')
const referenceDir = join(sharedDir, 'stream-reference')
const extraDirs = (process.env.MLOPS_STREAM_REFERENCE_EXTRA ?? '').split(':').filter((d) => d !== '')

interface ExpectedDetector {
  detector: string
  params: Record<string, unknown>
  detections: number[]
}
interface ExpectedCase {
  case: string
  length: number
  binary: boolean
  detectors: ExpectedDetector[]
}

function listCases(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'expected.json')))
    .map((e) => join(dir, e.name))
    .sort()
}

function readStream(caseDir: string): Float64Array {
  const lines = readFileSync(join(caseDir, 'stream.csv'), 'utf8').split('\n')
  if (lines[0] !== 'x') throw new Error(`${caseDir}/stream.csv: header is not "x"`)
  const cells = lines.slice(1).filter((s) => s !== '')
  return Float64Array.from(cells, Number)
}

/** River's parameter names (snake_case in expected.json) mapped to our options. */
function optionsFor(id: StreamDetectorId, p: Record<string, unknown>): StreamDetectorOptions {
  const n = (k: string) => p[k] as number
  switch (id) {
    case 'adwin':
      return {
        adwin: {
          delta: n('delta'),
          clock: n('clock'),
          maxBuckets: n('max_buckets'),
          minWindowLength: n('min_window_length'),
          gracePeriod: n('grace_period'),
        },
      }
    case 'ddm':
      return {
        ddm: { warmStart: n('warm_start'), warningThreshold: n('warning_threshold'), driftThreshold: n('drift_threshold') },
      }
    case 'eddm':
      return { eddm: { warmStart: n('warm_start'), alpha: n('alpha'), beta: n('beta') } }
    case 'page_hinkley':
      return {
        page_hinkley: {
          minInstances: n('min_instances'),
          delta: n('delta'),
          threshold: n('threshold'),
          alpha: n('alpha'),
          mode: p.mode as 'up' | 'down' | 'both',
        },
      }
    case 'kswin':
      return { kswin: { alpha: n('alpha'), windowSize: n('window_size'), statSize: n('stat_size'), seed: n('seed') } }
  }
}

const cases = [referenceDir, ...extraDirs].flatMap(listCases)

describe('stream detectors vs River on the reference cases', () => {
  it('finds the reference cases', () => {
    if (!existsSync(referenceDir) && process.env.CI !== 'true') return
    expect(listCases(referenceDir).length).toBe(12)
  })

  for (const caseDir of cases) {
    const expected = JSON.parse(readFileSync(join(caseDir, 'expected.json'), 'utf8')) as ExpectedCase
    const values = readStream(caseDir)
    const name = `${basename(dirname(caseDir))}/${basename(caseDir)}`
    for (const entry of expected.detectors) {
      const id = entry.detector as StreamDetectorId
      it(`${name}: ${id} matches River exactly`, () => {
        expect(isStreamDetectorId(id)).toBe(true)
        expect(values.length).toBe(expected.length)
        const [result] = detectChanges(values, [id], optionsFor(id, entry.params))
        expect(result?.detections).toEqual(entry.detections)
      })
    }
    if (!expected.binary) {
      it(`${name}: ddm and eddm refuse the real-valued stream, naming the first non-binary value`, () => {
        const first = values.findIndex((v) => v !== 0 && v !== 1)
        for (const id of ['ddm', 'eddm'] as const) {
          expect(() => detectChanges(values, ['adwin', id])).toThrow(
            `${id}: value ${values[first]} at index ${first} is not a binary error indicator: ${id} takes 1 (wrong prediction) or 0 (correct prediction)`,
          )
        }
      })
    }
  }
})

import { describe, expect, it } from 'vitest'
import { StatsInputError } from '../src/errors.js'
import { ksTest } from '../src/numeric/ks.js'
import { PythonRandom } from '../src/random/python-random.js'
import { Adwin, ADWIN_DEFAULTS } from '../src/stream/adwin.js'
import { Ddm, DDM_DEFAULTS } from '../src/stream/ddm.js'
import { createStreamDetector, detectChanges } from '../src/stream/detect-changes.js'
import { STREAM_DETECTOR_IDS, type StreamDetectorId, type StreamDriftDetector } from '../src/stream/detector.js'
import { Eddm, EDDM_DEFAULTS } from '../src/stream/eddm.js'
import { Kswin, KSWIN_DEFAULTS } from '../src/stream/kswin.js'
import { PageHinkley, PAGE_HINKLEY_DEFAULTS } from '../src/stream/page-hinkley.js'

function run(detector: StreamDriftDetector, values: ArrayLike<number>): number[] {
  const out: number[] = []
  for (let i = 0; i < values.length; i++) {
    detector.update(values[i]!)
    if (detector.driftDetected) out.push(i)
  }
  return out
}

/** Four 2000-element segments of uniform noise around different levels. */
function realStream(seed: number): Float64Array {
  const rng = new PythonRandom(seed)
  const levels = [0, 2, -1, 3]
  return Float64Array.from({ length: 8000 }, (_, i) => levels[Math.floor(i / 2000)]! + 2 * rng.random())
}

/** Four 2000-element Bernoulli segments with different error rates. */
function binaryStream(seed: number): Float64Array {
  const rng = new PythonRandom(seed)
  const rates = [0.1, 0.45, 0.1, 0.6]
  return Float64Array.from({ length: 8000 }, (_, i) => (rng.random() < rates[Math.floor(i / 2000)]! ? 1 : 0))
}

function expectStatsInputError(fn: () => unknown, test: string, message: string): StatsInputError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(StatsInputError)
    const e = error as StatsInputError
    expect(e.test).toBe(test)
    expect(e.message).toContain(message)
    return e
  }
  return expect.fail(`expected a StatsInputError (${test}: ${message})`)
}

describe('PythonRandom reproduces CPython 3.11 random.Random', () => {
  it('sample(range(70), 30): the pool algorithm, consecutive draws', () => {
    const rng = new PythonRandom(42)
    const out = new Int32Array(30)
    expect([...rng.sampleRange(70, 30, out)]).toEqual([
      14, 3, 35, 31, 28, 17, 13, 43, 47, 57, 34, 5, 37, 27, 2, 1, 58, 63, 69, 32, 38, 54, 67, 12, 45, 41, 59, 26, 51,
      65,
    ])
    expect([...rng.sampleRange(70, 30, out)]).toEqual([
      35, 0, 20, 54, 43, 69, 19, 13, 61, 48, 21, 6, 5, 24, 58, 22, 66, 38, 16, 2, 46, 29, 34, 7, 56, 57, 64, 18, 40,
      39,
    ])
  })
  it('sample(range(1000), 30): the set algorithm, with a seed wider than 32 bits', () => {
    const rng = new PythonRandom(2n ** 40n + 5n)
    const out = new Int32Array(30)
    const expected = [
      516, 529, 275, 679, 948, 28, 543, 776, 837, 854, 805, 979, 930, 778, 912, 47, 169, 81, 815, 835, 137, 244, 951,
      669, 703, 140, 253, 671, 829, 389,
    ]
    expect([...rng.sampleRange(1000, 30, out)]).toEqual(expected)
    rng.reseed()
    expect([...rng.sampleRange(1000, 30, out)]).toEqual(expected)
  })
  it('_randbelow, random(), getrandbits(32) and a negative seed', () => {
    const rng = new PythonRandom(0)
    expect([1, 2, 3, 7, 100, 2 ** 31 - 1, 2 ** 32 - 1].map((n) => rng.randbelow(n))).toEqual([
      0, 1, 0, 2, 65, 1043521778, 1739178872,
    ])
    const neg = new PythonRandom(-3)
    expect(neg.random()).toBe(0.23796462709189137)
    expect(neg.getrandbits(32)).toBe(2337446730)
    expect([...neg.sampleRange(100, 100, new Int32Array(100))].slice(0, 10)).toEqual([16, 47, 77, 60, 80, 74, 8, 97, 1, 96])
  })
  it('rejects impossible samples and draws', () => {
    const rng = new PythonRandom(1)
    expect(() => rng.sampleRange(10, 11, new Int32Array(11))).toThrow(RangeError)
    expect(() => rng.sampleRange(10, 5, new Int32Array(4))).toThrow(RangeError)
    expect(() => rng.randbelow(0)).toThrow(RangeError)
    expect(() => new PythonRandom(0.5)).toThrow(RangeError)
  })
})

describe('River semantics', () => {
  it('defaults are River’s (KSWIN seed 42 instead of None)', () => {
    expect(ADWIN_DEFAULTS).toEqual({ delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 })
    expect(DDM_DEFAULTS).toEqual({ warmStart: 30, warningThreshold: 2, driftThreshold: 3 })
    expect(EDDM_DEFAULTS).toEqual({ warmStart: 30, alpha: 0.95, beta: 0.9 })
    expect(PAGE_HINKLEY_DEFAULTS).toEqual({ minInstances: 30, delta: 0.005, threshold: 50, alpha: 0.9999, mode: 'both' })
    expect(KSWIN_DEFAULTS).toEqual({ alpha: 0.005, windowSize: 100, statSize: 30, seed: 42 })
    expect(new Kswin().windowSize).toBe(100)
    expect(new Adwin({ delta: 0.01 }).clock).toBe(32)
  })

  const streams: Record<StreamDetectorId, Float64Array> = {
    adwin: realStream(3),
    ddm: binaryStream(4),
    eddm: binaryStream(5),
    page_hinkley: realStream(6),
    kswin: realStream(7),
  }
  for (const id of STREAM_DETECTOR_IDS) {
    it(`${id}: the update after a detection starts a fresh detector (re-seeded for kswin)`, () => {
      const values = streams[id]
      const all = run(createStreamDetector(id), values)
      expect(all.length).toBeGreaterThanOrEqual(2)
      const first = all[0]!
      const rest = run(createStreamDetector(id), values.subarray(first + 1)).map((i) => i + first + 1)
      expect(all).toEqual([first, ...rest])
      // the same holds through reset() on a used detector
      const used = createStreamDetector(id)
      run(used, values.subarray(0, first))
      used.reset()
      expect(run(used, values.subarray(first + 1)).map((i) => i + first + 1)).toEqual(rest)
    })
  }

  it('nothing is flagged before the warm-ups (20-element stream)', () => {
    const values = Float64Array.from(binaryStream(8).subarray(0, 20))
    for (const r of detectChanges(values, STREAM_DETECTOR_IDS)) expect(r.detections).toEqual([])
  })

  it('DDM and EDDM clear the warning when they flag a drift, and do warn before', () => {
    for (const detector of [new Ddm(), new Eddm()]) {
      let warnings = 0
      let drifts = 0
      for (const x of binaryStream(9)) {
        detector.update(x)
        if (detector.driftDetected) {
          drifts++
          if (detector instanceof Ddm) expect(detector.warningDetected).toBe(false)
        }
        if (detector.warningDetected) warnings++
      }
      expect(drifts).toBeGreaterThan(0)
      expect(warnings).toBeGreaterThan(0)
    }
  })

  it('Page-Hinkley modes: up sees the rise, down the fall, both the union', () => {
    // a long flat stretch, then a step up, then a step down
    const values = Float64Array.from({ length: 3000 }, (_, i) => (i < 1000 ? 0 : i < 2000 ? 1 : -1))
    const up = run(new PageHinkley({ mode: 'up' }), values)
    const down = run(new PageHinkley({ mode: 'down' }), values)
    const both = run(new PageHinkley(), values)
    expect(up.length).toBeGreaterThan(0)
    expect(up[0]).toBeGreaterThan(1000)
    expect(up[0]).toBeLessThan(1100)
    expect(down.length).toBeGreaterThan(0)
    expect(down.every((i) => i > 1000)).toBe(true)
    expect(both[0]).toBe(up[0])
  })

  it('ADWIN drops the old sub-window at a change (values from the Python port of River)', () => {
    const adwin = new Adwin()
    const values = Float64Array.from({ length: 4000 }, (_, i) => (i < 2000 ? 0 : 1) + (i % 5) * 0.01)
    const at = run(adwin, values)
    expect(at).toEqual([2015])
    const fresh = new Adwin()
    for (let i = 0; i <= 2015; i++) fresh.update(values[i]!)
    expect(fresh.driftDetected).toBe(true)
    expect(fresh.nDetections).toBe(1)
    expect(fresh.width).toBe(96)
    expect(fresh.estimation).toBe(0.18645833333333495)
  })

  it('KSWIN tests the newest statSize values against CPython’s sample of the older ones', () => {
    const values = realStream(10).subarray(0, 130)
    const kswin = new Kswin()
    for (let i = 0; i < 99; i++) kswin.update(values[i]!)
    expect(kswin.pValue).toBe(0)
    expect(kswin.statistic).toBe(0)
    // every test draws a fresh sample from the same generator: replay the first three
    const rng = new PythonRandom(42)
    const idx = new Int32Array(30)
    for (let t = 0; t < 3; t++) {
      kswin.update(values[99 + t]!)
      const window = values.subarray(t, t + 100)
      rng.sampleRange(70, 30, idx)
      const sampled = Float64Array.from(idx, (r) => window[r]!).sort()
      const recent = Float64Array.from(window.subarray(70)).sort()
      const expected = ksTest(sampled, recent)
      expect(kswin.statistic).toBe(expected.statistic)
      expect(kswin.pValue).toBe(expected.pValue)
      expect(kswin.driftDetected).toBe(expected.pValue! <= 0.005 && expected.statistic > 0.1)
    }
  })
})

describe('detectChanges', () => {
  it('returns one entry per requested detector, in order, from fresh detectors', () => {
    const values = binaryStream(11)
    const ids: StreamDetectorId[] = ['page_hinkley', 'ddm', 'adwin', 'ddm']
    const results = detectChanges(values, ids)
    expect(results.map((r) => r.detector)).toEqual(ids)
    expect(results[1]!.detections).toEqual(run(new Ddm(), values))
    expect(results[3]!.detections).toEqual(results[1]!.detections)
    expect(results[0]!.detections).toEqual(run(new PageHinkley(), values))
    expect(detectChanges(new Float64Array(0), STREAM_DETECTOR_IDS).every((r) => r.detections.length === 0)).toBe(true)
    expect(detectChanges(values, [])).toEqual([])
  })

  it('passes per-detector options through', () => {
    const values = realStream(12)
    const [loose] = detectChanges(values, ['page_hinkley'], { page_hinkley: { threshold: 5 } })
    const [strict] = detectChanges(values, ['page_hinkley'])
    expect(loose!.detections).toEqual(run(new PageHinkley({ threshold: 5 }), values))
    expect(loose!.detections.length).toBeGreaterThan(strict!.detections.length)
  })

  it('refuses non-binary input for DDM/EDDM before running anything, naming value and index', () => {
    const values = Float64Array.from([0, 1, 1, 0, 0.5, 1, 2])
    const e = expectStatsInputError(
      () => detectChanges(values, ['adwin', 'eddm']),
      'eddm',
      'value 0.5 at index 4 is not a binary error indicator: eddm takes 1 (wrong prediction) or 0 (correct prediction)',
    )
    expect(e.hint).toMatch(/adwin, page_hinkley or kswin/)
    expectStatsInputError(() => detectChanges(values, ['ddm']), 'ddm', 'value 0.5 at index 4')
    // real-valued detectors take it
    expect(detectChanges(values, ['adwin', 'page_hinkley', 'kswin'])).toHaveLength(3)
  })

  it('refuses NaN and infinities for every detector', () => {
    expectStatsInputError(
      () => detectChanges(Float64Array.from([1, 2, Number.NaN]), ['kswin']),
      'kswin',
      'value NaN at index 2 is not a finite number',
    )
    expectStatsInputError(
      () => detectChanges(Float64Array.from([Number.POSITIVE_INFINITY]), ['ddm']),
      'ddm',
      'value Infinity at index 0 is not a binary',
    )
  })

  it('refuses unknown detector ids', () => {
    expectStatsInputError(
      () => detectChanges(new Float64Array(3), ['adwin', 'cusum' as StreamDetectorId]),
      'stream',
      'unknown drift detector "cusum"',
    )
  })
})

describe('detector classes validate input and options', () => {
  it('update() names the offending element by its index since construction and keeps its state', () => {
    const ddm = new Ddm()
    ddm.update(1)
    ddm.update(0)
    ddm.update(1)
    expectStatsInputError(() => ddm.update(3), 'ddm', 'value 3 at index 3 is not a binary error indicator')
    expect(ddm.errorRate).toBeCloseTo(2 / 3, 15)
    ddm.update(0)
    expect(ddm.errorRate).toBe(0.5)
    const adwin = new Adwin()
    expectStatsInputError(() => adwin.update(Number.NaN), 'adwin', 'value NaN at index 0 is not a finite number')
    expect(adwin.width).toBe(0)
    expectStatsInputError(() => new PageHinkley().update(-Infinity), 'page_hinkley', 'value -Infinity at index 0')
  })

  it('rejects options River rejects or could not run with', () => {
    expectStatsInputError(() => new Eddm({ alpha: 0.8, beta: 0.9 }), 'eddm', 'alpha (0.8) must be greater than or equal to beta (0.9)')
    expectStatsInputError(() => new Kswin({ statSize: 100 }), 'kswin', 'statSize (100) must be smaller than windowSize (100)')
    expectStatsInputError(() => new Kswin({ statSize: 60 }), 'kswin', 'windowSize - statSize (40) must be at least statSize (60)')
    expectStatsInputError(() => new Kswin({ alpha: 1.5 }), 'kswin', 'alpha must be between 0 and 1')
    expectStatsInputError(() => new Kswin({ seed: 0.5 }), 'kswin', 'seed must be an integer')
    expectStatsInputError(() => new Adwin({ clock: 0 }), 'adwin', 'clock must be an integer >= 1, got 0')
    expectStatsInputError(() => new Adwin({ delta: 2 }), 'adwin', 'delta must be in (0, 1)')
    expectStatsInputError(
      () => new PageHinkley({ mode: 'sideways' as 'up' }),
      'page_hinkley',
      `mode must be 'up', 'down' or 'both', got "sideways"`,
    )
    expectStatsInputError(() => new Ddm({ warmStart: -1 }), 'ddm', 'warmStart must be an integer >= 0')
  })
})

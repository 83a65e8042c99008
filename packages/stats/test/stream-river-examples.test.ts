import { describe, expect, it } from 'vitest'
import { MersenneTwister } from '../src/random/mt19937.js'
import { PythonRandom } from '../src/random/python-random.js'
import { Adwin } from '../src/stream/adwin.js'
import { Ddm } from '../src/stream/ddm.js'
import type { StreamDriftDetector } from '../src/stream/detector.js'
import { Eddm } from '../src/stream/eddm.js'
import { Kswin } from '../src/stream/kswin.js'
import { PageHinkley } from '../src/stream/page-hinkley.js'

/**
 * The examples River prints in its docstrings and asserts in its unit tests
 * (river/drift/*.py, river/drift/test_drift_detectors.py, river/drift/test_adwin_regression.py),
 * with their input streams regenerated draw for draw: CPython's `random.Random` (choices, gauss) and
 * numpy's legacy `np.random.seed` / `randint` / `binomial` / `normal`, both over MT19937.
 */

// ---- CPython random.Random ---------------------------------------------------------------

/** `rng.choices(population, k=k)`: population[floor(random() * n)]. */
function pyChoices(rng: PythonRandom, population: readonly number[], k: number): number[] {
  const out: number[] = []
  for (let i = 0; i < k; i++) out.push(population[Math.floor(rng.random() * population.length)]!)
  return out
}

/** `rng.choices([0, 1], weights=[w0, w1], k=k)`: bisect on the cumulative weights. */
function pyWeightedBinary(rng: PythonRandom, w0: number, w1: number, k: number): number[] {
  const total = w0 + w1
  const out: number[] = []
  for (let i = 0; i < k; i++) out.push(rng.random() * total < w0 ? 0 : 1)
  return out
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i)

/** `random.Random.gauss` (keeps the second variate of each pair). */
function pyGaussStream(rng: PythonRandom): (mu: number, sigma: number) => number {
  let next: number | undefined
  return (mu, sigma) => {
    let z = next
    next = undefined
    if (z === undefined) {
      const x2pi = rng.random() * 2 * Math.PI
      const g2rad = Math.sqrt(-2 * Math.log(1 - rng.random()))
      z = Math.cos(x2pi) * g2rad
      next = Math.sin(x2pi) * g2rad
    }
    return mu + z * sigma
  }
}

// ---- numpy legacy RandomState ---------------------------------------------------------------

class NumpyLegacy {
  private readonly mt: MersenneTwister
  private gauss: number | undefined
  constructor(seed: number) {
    this.mt = MersenneTwister.fromNumpySeed(seed)
  }
  /** `randint(high)` for high <= 2^32: masked rejection (RandomState uses the masked method). */
  randint(high: number, size: number): number[] {
    const rng = high - 1
    let mask = rng
    for (let s = 1; s < 32; s *= 2) mask |= mask >>> s
    const out: number[] = []
    for (let i = 0; i < size; i++) {
      let v: number
      do v = (this.mt.nextUint32() & mask) >>> 0
      while (v > rng)
      out.push(v)
    }
    return out
  }
  /** `binomial(1, p)`: numpy's inversion algorithm (p * n <= 30). */
  binomial1(p: number): number {
    if (p <= 0.5) return this.binomialInversion(p)
    return 1 - this.binomialInversion(1 - p)
  }
  private binomialInversion(p: number): number {
    const n = 1
    const q = 1 - p
    const qn = Math.exp(n * Math.log(q))
    const np = n * p
    const bound = Math.min(n, np + 10 * Math.sqrt(np * q + 1))
    let x = 0
    let px = qn
    let u = this.mt.nextDouble()
    while (u > px) {
      x++
      if (x > bound) {
        x = 0
        px = qn
        u = this.mt.nextDouble()
      } else {
        u -= px
        px = ((n - x + 1) * p * px) / (x * q)
      }
    }
    return x
  }
  /** `normal(loc, scale)`: legacy polar Box-Muller, caching the second variate. */
  normal(loc: number, scale: number): number {
    let g = this.gauss
    this.gauss = undefined
    if (g === undefined) {
      let x1: number
      let x2: number
      let r2: number
      do {
        x1 = 2 * this.mt.nextDouble() - 1
        x2 = 2 * this.mt.nextDouble() - 1
        r2 = x1 * x1 + x2 * x2
      } while (r2 >= 1 || r2 === 0)
      const f = Math.sqrt((-2 * Math.log(r2)) / r2)
      this.gauss = f * x1
      g = f * x2
    }
    return loc + scale * g
  }
}

// ---- the streams --------------------------------------------------------------------------

/** Docstrings: rng = random.Random(12345); rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000). */
function docstringStream(): number[] {
  const rng = new PythonRandom(12345)
  return [...pyChoices(rng, [0, 1], 1000), ...pyChoices(rng, range(4, 8), 1000)]
}

/** DDM/EDDM docstrings: Random(42) choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7]). */
function binaryDocstringStream(): number[] {
  const rng = new PythonRandom(42)
  return [...pyChoices(rng, [0, 1], 1000), ...pyWeightedBinary(rng, 0.3, 0.7, 1000)]
}

/** test_drift_detectors.py data_stream_1: seed 12345, randint(2, 1000) then randint(8, 1000). */
function dataStream1(): number[] {
  const np = new NumpyLegacy(12345)
  return [...np.randint(2, 1000), ...np.randint(8, 1000)]
}

/** data_stream_2: seed 12345, 1000 x binomial(1, 0.2) then 1000 x binomial(1, 0.8). */
function dataStream2(): number[] {
  const np = new NumpyLegacy(12345)
  const out: number[] = []
  for (let i = 0; i < 1000; i++) out.push(np.binomial1(0.2))
  for (let i = 0; i < 1000; i++) out.push(np.binomial1(0.8))
  return out
}

/** data_stream_3: seed 12345, normal(0, 0.1) > 0, normal(0.25, 0.1) > 0, twice, 500 each. */
function dataStream3(): number[] {
  const np = new NumpyLegacy(12345)
  const out: number[] = []
  for (const loc of [0, 0.25, 0, 0.25]) for (let i = 0; i < 500; i++) out.push(np.normal(loc, 0.1) > 0 ? 1 : 0)
  return out
}

function run(detector: StreamDriftDetector, values: readonly number[]): number[] {
  const out: number[] = []
  values.forEach((x, i) => {
    detector.update(x)
    if (detector.driftDetected) out.push(i)
  })
  return out
}

/** River's docstring loop: print the first warning after each reset, and every change. */
function events(detector: Ddm | Eddm, values: readonly number[]): string[] {
  const out: string[] = []
  let printWarning = true
  values.forEach((x, i) => {
    detector.update(x)
    if (detector.warningDetected && printWarning) {
      out.push(`Warning detected at index ${i}`)
      printWarning = false
    }
    if (detector.driftDetected) {
      out.push(`Change detected at index ${i}`)
      printWarning = true
    }
  })
  return out
}

/** Index sums of the generated streams, as computed by numpy: a wrong generator fails here first. */
const sumAndIndexSum = (a: readonly number[]) => [
  a.reduce((s, v) => s + v, 0),
  a.reduce((s, v, i) => s + i * v, 0),
]

describe('River example streams are regenerated exactly', () => {
  it('data_stream_1/2/3 match numpy (sum, sum of i * x)', () => {
    expect(sumAndIndexSum(dataStream1())).toEqual([3985, 5468330])
    expect(sumAndIndexSum(dataStream2())).toEqual([1000, 1305036])
    expect(sumAndIndexSum(dataStream3())).toEqual([1470, 1592899])
  })
  it('random.Random(12345).choices matches CPython', () => {
    expect(pyChoices(new PythonRandom(12345), [0, 1], 20)).toEqual([
      0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
    ])
  })
})

describe('River docstring examples', () => {
  it('ADWIN(): change at index 1023, input value 4', () => {
    const stream = docstringStream()
    expect(run(new Adwin(), stream)).toEqual([1023])
    expect(stream[1023]).toBe(4)
  })
  it('PageHinkley(): change at index 1006, input value 5', () => {
    const stream = docstringStream()
    expect(run(new PageHinkley(), stream)).toEqual([1006])
    expect(stream[1006]).toBe(5)
  })
  it('KSWIN(alpha=0.0001, seed=42): change at index 1016, input value 6', () => {
    const stream = docstringStream()
    expect(run(new Kswin({ alpha: 0.0001, seed: 42 }), stream)).toEqual([1016])
    expect(stream[1016]).toBe(6)
  })
  it('DDM(): warning 1084, change 1334, warning 1492', () => {
    expect(events(new Ddm(), binaryDocstringStream())).toEqual([
      'Warning detected at index 1084',
      'Change detected at index 1334',
      'Warning detected at index 1492',
    ])
  })
  it('EDDM(alpha=0.8, beta=0.75): warning 1059, change 1278', () => {
    expect(events(new Eddm({ alpha: 0.8, beta: 0.75 }), binaryDocstringStream())).toEqual([
      'Warning detected at index 1059',
      'Change detected at index 1278',
    ])
  })
})

describe('river/drift/test_drift_detectors.py', () => {
  it('test_adwin: [1023]', () => expect(run(new Adwin(), dataStream1())).toEqual([1023]))
  it('test_ddm: [1049], and nothing on np.ones(1000)', () => {
    expect(run(new Ddm(), dataStream2())).toEqual([1049])
    expect(run(new Ddm(), new Array<number>(1000).fill(1))).toEqual([])
  })
  it('test_eddm EDDM(alpha=0.9, beta=0.8): [1059]', () => {
    expect(run(new Eddm({ alpha: 0.9, beta: 0.8 }), dataStream2())).toEqual([1059])
  })
  it('test_kswin KSWIN(alpha=0.0001, window_size=200, stat_size=100, seed=42): [1042]', () => {
    expect(run(new Kswin({ alpha: 0.0001, windowSize: 200, statSize: 100, seed: 42 }), dataStream1())).toEqual([1042])
  })
  it('test_page_hinkley: up [588, 1681], down [1172], both [588, 1097, 1585]', () => {
    expect(run(new PageHinkley({ mode: 'up' }), dataStream3())).toEqual([588, 1681])
    expect(run(new PageHinkley({ mode: 'down' }), dataStream3())).toEqual([1172])
    expect(run(new PageHinkley({ mode: 'both' }), dataStream3())).toEqual([588, 1097, 1585])
  })
})

describe('river/drift/test_adwin_regression.py', () => {
  it('test_multiple_drifts: Random(42) four segments -> [1023, 2015, 3007]', () => {
    const rng = new PythonRandom(42)
    const stream = [
      ...pyChoices(rng, [0, 1], 1000),
      ...pyChoices(rng, range(4, 8), 1000),
      ...pyChoices(rng, [0, 1], 1000),
      ...pyChoices(rng, range(4, 8), 1000),
    ]
    expect(run(new Adwin(), stream)).toEqual([1023, 2015, 3007])
  })
  it('test_no_drift_constant_stream: 5000 x 1.0 -> nothing', () => {
    expect(run(new Adwin(), new Array<number>(5000).fill(1))).toEqual([])
  })
  it('test_no_drift_stable_distribution: Random(123).gauss(0, 1) x 5000 -> n_detections <= 2', () => {
    const gauss = pyGaussStream(new PythonRandom(123))
    const adwin = new Adwin()
    for (let i = 0; i < 5000; i++) adwin.update(gauss(0, 1))
    expect(adwin.nDetections).toBeLessThanOrEqual(2)
  })
  it('test_immediate_large_shift: delta 0.01, 200 x 0 then 200 x 100 -> detected', () => {
    const adwin = new Adwin({ delta: 0.01 })
    run(adwin, new Array<number>(200).fill(0))
    expect(run(adwin, new Array<number>(200).fill(100)).length).toBeGreaterThan(0)
  })
  it('test_grace_period: grace 100, clock 1, 50 x 0 then 50 x 1000 -> no detection', () => {
    const adwin = new Adwin({ gracePeriod: 100, clock: 1 })
    run(adwin, [...new Array<number>(50).fill(0), ...new Array<number>(50).fill(1000)])
    expect(adwin.nDetections).toBe(0)
  })
  it('test_reset_on_drift_detected: the update after a detection starts a fresh window', () => {
    const adwin = new Adwin({ clock: 1 })
    run(adwin, new Array<number>(500).fill(0))
    let detected = false
    for (let i = 0; i < 500 && !detected; i++) {
      adwin.update(100)
      detected = adwin.driftDetected
    }
    expect(detected).toBe(true)
    adwin.update(50)
    expect(adwin.width).toBe(1)
    expect(adwin.driftDetected).toBe(false)
  })
  it('test_variance_correctness: window variance of Random(999).gauss(5, 2) x 500 within 1e-6', () => {
    const gauss = pyGaussStream(new PythonRandom(999))
    const values = Array.from({ length: 500 }, () => gauss(5, 2))
    const adwin = new Adwin()
    run(adwin, values)
    expect(adwin.width).toBe(500)
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0)
    expect(Math.abs(adwin.variance * adwin.width - ss)).toBeLessThanOrEqual(1e-6 * ss)
    expect(Math.abs(adwin.estimation - mean)).toBeLessThanOrEqual(1e-12 * Math.abs(mean))
  })
  it('test_sequence_exact_statistics: 200 values i % 7 with clock 1e6 -> width 200, exact total', () => {
    const adwin = new Adwin({ clock: 1_000_000 })
    run(adwin, range(0, 200).map((i) => i % 7))
    expect(adwin.width).toBe(200)
    expect(adwin.total).toBe(range(0, 200).reduce((s, i) => s + (i % 7), 0))
  })
})

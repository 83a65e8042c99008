import { describe, expect, it } from 'vitest'
import { MersenneTwister } from '../src/random/mt19937.js'

// Values printed by CPython 3.11 `random.Random(42)` and numpy 2.4 `RandomState(0)`.
describe('MersenneTwister', () => {
  it('reproduces CPython random.Random(42)', () => {
    const rng = MersenneTwister.fromPythonSeed(42)
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([2746317213, 478163327, 107420369])
    expect(rng.nextDouble()).toBe(0.7415504997598329)
  })

  it('reproduces numpy RandomState(0) across a refill of the state', () => {
    const rng = MersenneTwister.fromNumpySeed(0)
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([2357136044, 2546248239, 3071714933])
    expect(MersenneTwister.fromNumpySeed(0).nextDouble()).toBe(0.5488135039273248)
    const long = MersenneTwister.fromNumpySeed(0)
    for (let i = 0; i < 1000; i++) long.nextUint32()
    // np.random.RandomState(0).randint(0, 2**32, size=1001, dtype=np.uint64)[-1]
    expect(long.nextUint32()).toBe(1333075495)
  })

  it('rejects out-of-range bit counts', () => {
    expect(() => MersenneTwister.fromPythonSeed(1).getRandBits(33)).toThrow(RangeError)
  })
})

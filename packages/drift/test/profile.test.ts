import { isMlopsError } from '@mlops/core'
import { describe, expect, it } from 'vitest'
import { prepareColumn } from '../src/internal/prepare.js'
import { isProfileBytes, readProfile, writeProfile, type DriftProfile } from '../src/profile.js'

function sampleProfile(labelsCount: number): DriftProfile {
  const values = Float64Array.from([3, NaN, -1.5, Infinity, 2, 2, -0])
  const labels = Array.from({ length: labelsCount }, (_, i) => `k${i}é`)
  const codes = Int32Array.from({ length: 1000 }, (_, i) => (i % 13 === 0 ? -1 : (i * 7) % labelsCount))
  return {
    formatVersion: 1,
    source: 'ref.csv',
    rowCount: 1000,
    columns: [
      prepareColumn({ name: 'num', kind: 'numeric', values, isInteger: false }),
      prepareColumn({ name: 'cat', kind: 'categorical', codes, labels }),
      prepareColumn({ name: 'empty', kind: 'numeric', values: new Float64Array(0), isInteger: false }),
    ],
  }
}

describe('reference profile bytes', () => {
  for (const labels of [3, 300, 70_000]) {
    it(`round-trips sorted values, integer flags, category codes (${labels} labels) and counts`, () => {
      const profile = sampleProfile(labels)
      const bytes = writeProfile(profile)
      expect(isProfileBytes(bytes)).toBe(true)
      const back = readProfile(bytes)
      expect(back).toEqual(profile)
      const num = back.columns[0]!
      expect(num.kind === 'numeric' && [...num.sorted]).toEqual([-1.5, -0, 2, 2, 3])
      expect(num.missing).toBe(2)
      // reading from an unaligned copy inside a bigger buffer works too
      const shifted = new Uint8Array(bytes.length + 3)
      shifted.set(bytes, 3)
      expect(readProfile(shifted.subarray(3))).toEqual(profile)
      // in shared memory the numeric columns are views, not copies
      const sharedBytes = new Uint8Array(new SharedArrayBuffer(bytes.length))
      sharedBytes.set(bytes)
      const fromShared = readProfile(sharedBytes)
      expect(fromShared).toEqual(profile)
      const sharedNum = fromShared.columns[0]!
      expect(sharedNum.kind === 'numeric' && sharedNum.sorted.buffer).toBe(sharedBytes.buffer)
    })
  }

  it('is deterministic (content-addressable)', () => {
    expect(Buffer.from(writeProfile(sampleProfile(5))).equals(Buffer.from(writeProfile(sampleProfile(5))))).toBe(true)
  })

  it('rejects foreign, truncated and newer-version bytes with exit 2', () => {
    const bytes = writeProfile(sampleProfile(4))
    const newer = bytes.slice()
    new DataView(newer.buffer).setUint32(8, 99, true)
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('a,b\n1,2\n'), /not an mlops reference profile/],
      [bytes.subarray(0, bytes.length - 100), /truncated \(column "cat"\)/],
      [newer, /format version 99 is not supported/],
    ]
    for (const [input, message] of cases) {
      let error: unknown
      try {
        readProfile(input, 'ref.mlprofile')
      } catch (e) {
        error = e
      }
      expect(isMlopsError(error)).toBe(true)
      expect((error as { exit: number }).exit).toBe(2)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toMatch(/^ref\.mlprofile: /)
    }
  })
})

describe('saveProfile', () => {
  it('writes exactly the bytes of writeProfile, with their sha256', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { createHash } = await import('node:crypto')
    const { saveProfile } = await import('../src/profile.js')
    const dir = await mkdtemp(join(tmpdir(), 'mlops-profile-'))
    try {
      for (const labels of [3, 300, 70_000]) {
        const profile = sampleProfile(labels)
        const path = join(dir, `p${labels}.mlprofile`)
        const saved = await saveProfile(path, profile)
        const expected = writeProfile(profile)
        const written = await readFile(path)
        expect(Buffer.compare(written, Buffer.from(expected))).toBe(0)
        expect(saved).toEqual({ bytes: expected.length, sha256: createHash('sha256').update(expected).digest('hex') })
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsv } from '../src/load/csv.js'
import type { Table } from '../src/table.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-drift-csv-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let fileNo = 0
async function csv(text: string | Buffer): Promise<string> {
  const path = join(dir, `f${fileNo++}.csv`)
  await writeFile(path, text)
  return path
}

function column(table: Table, name: string) {
  const c = table.columns.find((x) => x.name === name)
  if (!c) throw new Error(`no column ${name}`)
  return c
}

function numbers(table: Table, name: string): number[] {
  const c = column(table, name)
  if (c.kind !== 'numeric') throw new Error(`${name} is ${c.kind}`)
  return [...c.values]
}

function texts(table: Table, name: string): (string | null)[] {
  const c = column(table, name)
  if (c.kind !== 'categorical') throw new Error(`${name} is ${c.kind}`)
  return [...c.codes].map((k) => (k < 0 ? null : c.labels[k]!))
}

describe('loadCsv', () => {
  it('types columns: numeric when every non-empty cell is a Python float, else categorical', async () => {
    const t = await loadCsv(await csv('a,b,c,d\n1,x,1.5,\n2,y,,inf\n-3,1,2e3,-Infinity\n'))
    expect(t.rowCount).toBe(3)
    expect(numbers(t, 'a')).toEqual([1, 2, -3])
    expect(texts(t, 'b')).toEqual(['x', 'y', '1'])
    expect(numbers(t, 'c')).toEqual([1.5, NaN, 2000])
    expect(numbers(t, 'd')).toEqual([NaN, Infinity, -Infinity])
  })

  it('flags integer columns only without empty cells and with integer literals only', async () => {
    const t = await loadCsv(await csv('i,gap,dot,exp,plus\n1,1,1.0,1e2,+4\n-2,,2,3,5\n'))
    const flag = (name: string) => (column(t, name) as { isInteger: boolean }).isInteger
    expect(flag('i')).toBe(true)
    expect(flag('gap')).toBe(false)
    expect(flag('dot')).toBe(false)
    expect(flag('exp')).toBe(false)
    expect(flag('plus')).toBe(true)
  })

  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside quotes, quoted numbers', async () => {
    const t = await loadCsv(await csv('name,"v"\r\n"a,b",1\r\n"say ""hi""","2.5"\r\n"multi\nline",3\r\n'))
    expect(texts(t, 'name')).toEqual(['a,b', 'say "hi"', 'multi\nline'])
    expect(numbers(t, 'v')).toEqual([1, 2.5, 3])
    expect((column(t, 'v') as { isInteger: boolean }).isInteger).toBe(false)
  })

  it('switches a column to text when a non-number appears late, keeping every earlier cell as text', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i % 7}`)
    rows.push('oops,1')
    const t = await loadCsv(await csv(`a,b\n${rows.join('\n')}\n`), { chunkBytes: 4096 })
    const a = texts(t, 'a')
    expect(a[0]).toBe('0')
    expect(a[4999]).toBe('4999')
    expect(a[5000]).toBe('oops')
    expect(numbers(t, 'b')[6]).toBe(6)
  })

  it('parses the same at every chunk size (records split across reads)', async () => {
    const lines = ['x,y,z']
    let seed = 7
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    for (let i = 0; i < 400; i++) {
      const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6)
      lines.push(`${v.toPrecision(1 + Math.floor(rnd() * 16))},${rnd() < 0.1 ? '' : Math.floor(rnd() * 100)},"q${i % 5}, ""x"""`)
    }
    const path = await csv(`${lines.join('\n')}`)
    const whole = await loadCsv(path)
    for (const chunkBytes of [1, 7, 64, 1000]) {
      const t = await loadCsv(path, { chunkBytes })
      expect(numbers(t, 'x')).toEqual(numbers(whole, 'x'))
      expect(numbers(t, 'y')).toEqual(numbers(whole, 'y'))
      expect(texts(t, 'z')).toEqual(texts(whole, 'z'))
    }
    // values equal JavaScript's (correctly rounded) Number() of the text
    expect(numbers(whole, 'x')).toEqual(lines.slice(1).map((l) => Number(l.split(',')[0])))
  })

  it('parses numbers exactly like a correctly rounded strtod, including long mantissas and exponents', async () => {
    const cells = ['0.1', '1e-300', '123456789012345678901234567890', '9007199254740993', '-0.0', '-0', '.5', '5.', '1E+22', '1e23', '4.9e-324', '2.2250738585072014e-308', '0.30000000000000004']
    const t = await loadCsv(await csv(`v\n${cells.join('\n')}\n`))
    const got = numbers(t, 'v')
    cells.forEach((cell, i) => {
      const expected = cell === '-0' ? 0 : Number(cell)
      expect(Object.is(got[i], expected), `${cell}: ${got[i]} vs ${expected}`).toBe(true)
    })
  })

  it('strips a UTF-8 BOM, skips blank lines and reads a last line without newline', async () => {
    const t = await loadCsv(await csv(Buffer.from('\ufeffa,b\n\n1,x\n\n2,y', 'utf8')))
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'b'])
    expect(numbers(t, 'a')).toEqual([1, 2])
  })

  it('rejects a missing file, an empty file, duplicate header names and ragged rows with exit 2', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'nope.csv'), /no such file/],
      [await csv(''), /empty/],
      [await csv('a,a\n1,2\n'), /column "a" twice/],
      [await csv('a,b\n1,2\n3\n'), /line 3 has 1 field; the header has 2/],
      [await csv('a,b\n1,2\n3,4,5\n'), /line 3 has 3 fields/],
      [await csv('a,b\n"1,2\n'), /quoted field is not closed/],
    ]
    for (const [path, message] of cases) {
      const error = await loadCsv(path).catch((e: unknown) => e)
      expect(isMlopsError(error), String(error)).toBe(true)
      expect((error as { exit: number }).exit).toBe(2)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toContain(path)
    }
  })

  it('parses only the requested columns, skipping quoted and malformed cells of the others', async () => {
    const t = await loadCsv(await csv('a,b,c\n"x,""y",1,1e\n"q\nr",2,zz\n'), { columns: ['b'] })
    expect(t.columns.map((c) => c.name)).toEqual(['b'])
    expect(numbers(t, 'b')).toEqual([1, 2])
    expect(t.rowCount).toBe(2)
  })

  it('allocates columns in shared memory when asked (worker loading)', async () => {
    const t = await loadCsv(await csv('a,b\n1,x\n2,y\n'), { shared: true })
    const a = column(t, 'a')
    expect(a.kind === 'numeric' && a.values.buffer instanceof SharedArrayBuffer).toBe(true)
  })
})

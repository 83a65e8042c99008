import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWorkerPool, type WorkerPool } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsv } from '../src/load/csv.js'
import { loadCsvParallel } from '../src/load/csv-parallel.js'
import type { Table } from '../src/table.js'

let dir: string
const pools: WorkerPool[] = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-drift-parallel-'))
  for (const maxThreads of [2, 3, 5]) pools.push(createWorkerPool({ maxThreads }))
})
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
  await rm(dir, { recursive: true, force: true })
})

function plain(t: Table) {
  return {
    rows: t.rowCount,
    columns: t.columns.map((c) =>
      c.kind === 'numeric'
        ? { name: c.name, kind: c.kind, isInteger: c.isInteger, values: [...c.values] }
        : { name: c.name, kind: c.kind, labels: c.labels, codes: [...c.codes] },
    ),
  }
}

let seed = 99
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)

async function write(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}

// Real worker threads on a 2-core machine shared with other test files: generous time, same assertions.
describe('loadCsvParallel', { timeout: 30_000 }, () => {
  it('equals the sequential parse: numbers, integer flags, categories in first-seen order, missing cells', async () => {
    const lines = ['x,i,cat,gap']
    for (let r = 0; r < 3000; r++) lines.push(`${(rnd() * 100 - 50).toFixed(4)},${Math.floor(rnd() * 9)},k${Math.floor(rnd() * 40)},${rnd() < 0.2 ? '' : rnd().toFixed(3)}`)
    const path = await write('plain.csv', lines)
    const expected = plain(await loadCsv(path))
    for (const pool of pools) expect(plain(await loadCsvParallel(path, pool))).toEqual(expected)
  })

  it('falls back to one thread when a cut lands inside a quoted field, with the same result', async () => {
    const lines = ['note,v']
    for (let r = 0; r < 400; r++) lines.push(`"line ${r}\n${'x'.repeat(200)}\nend, ""quoted""",${r}`)
    const path = await write('quoted.csv', lines)
    const expected = plain(await loadCsv(path))
    expect(expected.rows).toBe(400)
    for (const pool of pools) expect(plain(await loadCsvParallel(path, pool))).toEqual(expected)
  })

  it('re-reads a column as text when a later range finds a non-number, and honours columns', async () => {
    const lines = ['a,b,c']
    for (let r = 0; r < 2000; r++) lines.push(`${r},${r % 3},${r === 1900 ? 'n/a' : r / 4}`)
    const path = await write('late-text.csv', lines)
    const expected = plain(await loadCsv(path))
    expect(expected.columns[2]!.kind).toBe('categorical')
    for (const pool of pools) expect(plain(await loadCsvParallel(path, pool))).toEqual(expected)
    const only = plain(await loadCsvParallel(path, pools[0]!, { columns: ['c', 'a'] }))
    expect(only).toEqual(plain(await loadCsv(path, { columns: ['c', 'a'] })))
    expect(only.columns.map((c) => c.name)).toEqual(['a', 'c'])
  })

  it('reports malformed input like the sequential parser (line number included)', async () => {
    const lines = ['a,b']
    for (let r = 0; r < 1000; r++) lines.push(r === 800 ? '1' : `${r},${r}`)
    const path = await write('ragged.csv', lines)
    await expect(loadCsvParallel(path, pools[1]!)).rejects.toThrow(`${path}:802: line 802 has 1 field; the header has 2`)
  })
})

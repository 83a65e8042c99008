import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMlopsError } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTable } from '../src/load/index.js'
import type { Table } from '../src/table.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-drift-formats-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function describeTable(t: Table) {
  return t.columns.map((c) =>
    c.kind === 'numeric'
      ? { name: c.name, kind: c.kind, isInteger: c.isInteger, values: [...c.values] }
      : { name: c.name, kind: c.kind, values: [...c.codes].map((k) => (k < 0 ? null : c.labels[k])) },
  )
}

describe('loadTable', () => {
  it('reads JSON Lines with the CSV typing rules (missing keys and nulls are missing)', async () => {
    const path = join(dir, 'a.jsonl')
    await writeFile(path, '{"x": 1, "s": "a", "n": "2.5"}\n\n{"x": 2, "n": null, "b": true}\n{"x": 3.5, "s": "b", "n": "inf"}\n')
    const t = await loadTable(path)
    expect(t.format).toBe('jsonl')
    expect(t.rowCount).toBe(3)
    expect(describeTable(t)).toEqual([
      { name: 'x', kind: 'numeric', isInteger: false, values: [1, 2, 3.5] },
      { name: 's', kind: 'categorical', values: ['a', null, 'b'] },
      { name: 'n', kind: 'numeric', isInteger: false, values: [2.5, NaN, Infinity] },
      { name: 'b', kind: 'categorical', values: [null, 'True', null] },
    ])
  })

  it('reads the same table from CSV, JSON Lines and Parquet', async () => {
    const csv = join(dir, 'same.csv')
    await writeFile(csv, 'i,f,s\n1,0.5,a\n2,,b\n3,-1.25,\n')
    const jsonl = join(dir, 'same.jsonl')
    await writeFile(jsonl, '{"i":1,"f":0.5,"s":"a"}\n{"i":2,"f":null,"s":"b"}\n{"i":3,"f":-1.25,"s":null}\n')
    const parquet = join(dir, 'same.parquet')
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const db = await DuckDBInstance.create(':memory:')
    const con = await db.connect()
    await con.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 0.5::DOUBLE, 'a'), (2, NULL, 'b'), (3, -1.25, NULL)) t(i, f, s)) TO '${parquet}' (FORMAT parquet)`)
    con.closeSync()
    db.closeSync()
    const expected = describeTable(await loadTable(csv))
    expect(expected[0]).toEqual({ name: 'i', kind: 'numeric', isInteger: true, values: [1, 2, 3] })
    expect(describeTable(await loadTable(jsonl))).toEqual(expected)
    const fromParquet = await loadTable(parquet)
    expect(fromParquet.format).toBe('parquet')
    expect(describeTable(fromParquet)).toEqual(expected)
  })

  it('reads a column as text on request (both files of a column must agree on its type)', async () => {
    const csv = join(dir, 'text.csv')
    await writeFile(csv, 'a\n1\n01\n\n')
    const t = await loadTable(csv, { textColumns: ['a'] })
    expect(describeTable(t)).toEqual([{ name: 'a', kind: 'categorical', values: ['1', '01'] }])
  })

  it('says which file and line is wrong', async () => {
    const bad = join(dir, 'bad.jsonl')
    await writeFile(bad, '{"a":1}\n[1,2]\n')
    const error = await loadTable(bad).catch((e: unknown) => e)
    expect(isMlopsError(error)).toBe(true)
    expect((error as Error).message).toBe(`${bad}:2: line 2 is not a JSON object; JSON Lines data needs one object per line`)
    const notParquet = join(dir, 'x.parquet')
    await writeFile(notParquet, 'a,b\n1,2\n')
    const error2 = await loadTable(notParquet).catch((e: unknown) => e)
    expect(isMlopsError(error2)).toBe(true)
    expect((error2 as Error).message).toContain(`${notParquet}: not a readable Parquet file`)
  })
})

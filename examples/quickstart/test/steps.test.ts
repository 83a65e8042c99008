import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256Hex, type ArtifactType, type StepRunContext } from '@mlops/core'
import { describe, expect, it } from 'vitest'
import { classificationReport, evaluate, ForestModel, load, parseCsv, Penguin, rowUnitInterval, split, train, validate } from '../steps.js'

const csvFile = fileURLToPath(new URL('../data/penguins.csv', import.meta.url))

interface AnyStep {
  config: { name: string; params?: { parse(value: unknown): unknown }; outputs: Record<string, ArtifactType>; run(ctx: never): unknown }
}

/** Runs one step's code as the runtime would: params through its schema, outputs through their artifact types. */
async function runStep(definition: AnyStep, params: Record<string, unknown>, inputs: Record<string, unknown> = {}) {
  const config = definition.config
  const metrics: Record<string, number> = {}
  const parsed = config.params ? config.params.parse(params) : {}
  const ctx: Omit<StepRunContext<never, never>, 'params' | 'inputs'> & { params: unknown; inputs: unknown } = {
    params: parsed,
    inputs,
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    runId: 'test',
    stepId: config.name,
    attempt: 1,
    pool: undefined as never,
    logMetric: (key, value) => void (metrics[key] = value),
  }
  const returned = (await config.run(ctx as never)) as Record<string, unknown>
  const outputs: Record<string, unknown> = {}
  // Round-trip each output through its serializer, as the next step would receive it.
  for (const [name, type] of Object.entries(config.outputs)) outputs[name] = type.deserialize(type.serialize(type.validate(returned[name])))
  return { outputs, metrics }
}

const rawRows = async () => (await runStep(load, {})).outputs.raw as Record<string, unknown>[]
const cleanRows = async () => (await runStep(validate, {}, { raw: await rawRows() })).outputs.clean as Penguin[]

describe('parseCsv', () => {
  it('types cells: empty → null, numbers → numbers, quoted stays text', () => {
    const text = 'a,b,c,d\r\n1,,x,"2"\n"q,""uoted""\nline","",-3.5e2, 7 \n\n'
    expect(parseCsv(text)).toEqual([
      { a: 1, b: null, c: 'x', d: '2' },
      { a: 'q,"uoted"\nline', b: '', c: -350, d: 7 },
    ])
  })

  it('names the record whose field count differs from the header, and an unterminated quote', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow('CSV record 3 has 1 fields; the header has 2')
    expect(() => parseCsv('a\n"open')).toThrow('ends inside a quoted field')
    expect(parseCsv('')).toEqual([])
  })
})

describe('load', () => {
  it('reads the 344 Palmer penguins and keys its cache on the file content', async () => {
    const params = load.config.params!.parse({}) as { csv: { path: string; sha256: string } }
    expect(params.csv).toEqual({ path: 'data/penguins.csv', sha256: sha256Hex(await readFile(csvFile)) })
    const rows = await rawRows()
    expect(rows).toHaveLength(344)
    expect(rows[0]).toEqual({ species: 'Adelie', island: 'Torgersen', bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, sex: 'MALE' })
    expect(rows[3]).toEqual({ species: 'Adelie', island: 'Torgersen', bill_length_mm: null, bill_depth_mm: null, flipper_length_mm: null, body_mass_g: null, sex: null })
  })

  it('fails planning for a missing file and a run for a file changed since planning', async () => {
    const missing = load.config.params!.safeParse({ csv: 'data/nope.csv' })
    expect(missing.success).toBe(false)
    expect(missing.error!.issues[0]!.path).toEqual(['csv'])
    expect(missing.error!.issues[0]!.message).toMatch(/cannot read .*nope\.csv/)

    const dir = await mkdtemp(join(tmpdir(), 'quickstart-load-'))
    try {
      const file = join(dir, 'x.csv')
      await writeFile(file, 'a\n1\n')
      const params = load.config.params!.parse({ csv: file })
      await writeFile(file, 'a\n2\n')
      await expect(async () =>
        load.config.run({ params, inputs: {}, signal: new AbortController().signal, logger: console, runId: 'r', stepId: 'load', attempt: 1, pool: undefined as never, logMetric() {} }),
      ).rejects.toThrow('changed after the run was planned')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('validate', () => {
  it('drops the 10 rows with missing values and the one with sex "." and records the counts', async () => {
    const { outputs, metrics } = await runStep(validate, {}, { raw: await rawRows() })
    expect(outputs.clean).toHaveLength(333)
    expect(metrics).toEqual({ rows_in: 344, rows_dropped_missing: 10, rows_dropped_invalid: 1, rows_clean: 333 })
  })

  it('fails with the counts, the limit and examples when more rows fail than maxDroppedShare allows', async () => {
    const raw = await rawRows()
    await expect(runStep(validate, { maxDroppedShare: 0.01 }, { raw })).rejects.toThrow(
      /11 of 344 rows \(3\.2%\) fail the Penguin schema, more than maxDroppedShare=0\.01 allows \(10 with missing values, 1 invalid\)\. First: row 4: missing bill_length_mm.*raise the limit with --param maxDroppedShare=0\.04$/,
    )
    await expect(runStep(validate, {}, { raw: raw.map(({ sex: _sex, ...rest }) => rest) })).rejects.toThrow('column(s) sex missing from the data')
  })
})

describe('split', () => {
  it('is repeatable, independent of row order, and keeps each row on its side when others change', async () => {
    const rows = await cleanRows()
    const a = (await runStep(split, {}, { data: rows })).outputs as { train: Penguin[]; test: Penguin[] }
    const b = (await runStep(split, {}, { data: [...rows].reverse() })).outputs
    expect(b).toEqual(a)
    expect(a.train.length + a.test.length).toBe(333)
    expect(a.test.length / 333).toBeGreaterThan(0.14)
    expect(a.test.length / 333).toBeLessThan(0.26)

    const fewer = (await runStep(split, {}, { data: rows.filter((_, i) => i % 3 !== 0) })).outputs as typeof a
    const testSet = new Set(a.test.map((r) => JSON.stringify(r)))
    for (const row of fewer.test) expect(testSet.has(JSON.stringify(row))).toBe(true)
    for (const row of fewer.train) expect(testSet.has(JSON.stringify(row))).toBe(false)

    const reseeded = (await runStep(split, { seed: 1 }, { data: rows })).outputs as typeof a
    expect(reseeded.test).not.toEqual(a.test)
    expect(rowUnitInterval(rows[0]!, 0)).toBe(rowUnitInterval({ ...rows[0]! }, 0))
  })

  it('refuses a testShare that leaves a side empty', async () => {
    const rows = (await cleanRows()).slice(0, 2)
    await expect(runStep(split, { testShare: 0.01 }, { data: rows })).rejects.toThrow(/leaves the test split empty/)
    expect(split.config.params!.safeParse({ testShare: 1 }).success).toBe(false)
  })
})

describe('classificationReport', () => {
  it('matches precision/recall/F1 worked by hand (zero_division=0)', () => {
    // truth a a b b c, predicted a b b b a: a P=1/2 R=1/2 F1=1/2; b P=2/3 R=1 F1=0.8; c P=0 R=0 F1=0.
    const report = classificationReport(['a', 'a', 'b', 'b', 'c'], ['a', 'b', 'b', 'b', 'a'])
    expect(report.accuracy).toBe(3 / 5)
    expect(report.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ])
    expect(report.perClass.b).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2, predicted: 3 })
    expect(report.perClass.c!.f1).toBe(0)
    expect(report.macroF1).toBeCloseTo((0.5 + 0.8 + 0) / 3, 15)
    expect(() => classificationReport(['a'], [])).toThrow('1 true labels but 0 predictions')
  })
})

describe('train and evaluate', () => {
  it('fit a seeded forest that classifies the held-out penguins', async () => {
    const parts = (await runStep(split, {}, { data: await cleanRows() })).outputs as { train: Penguin[]; test: Penguin[] }
    const fitted = await runStep(train, { nEstimators: 15 }, { train: parts.train })
    const model = ForestModel.parse(fitted.outputs.model)
    expect(model.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
    expect(model.features).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex_male', 'island_Biscoe', 'island_Dream', 'island_Torgersen'])
    expect(fitted.metrics.oob_accuracy).toBeGreaterThan(0.9)
    const again = await runStep(train, { nEstimators: 15 }, { train: parts.train })
    expect(again.outputs.model).toEqual(fitted.outputs.model) // same seed, same forest

    const { outputs } = await runStep(evaluate, {}, { model, test: parts.test })
    const metrics = outputs.metrics as Record<string, number>
    expect(metrics.accuracy).toBeGreaterThan(0.9)
    expect(metrics.macro_f1).toBeGreaterThan(0.9)
    expect(metrics.support_Adelie! + metrics.support_Chinstrap! + metrics.support_Gentoo!).toBe(parts.test.length)
  })

  it('rejects a maxFeatures that is neither a share nor a count, or more than there are features', async () => {
    expect(train.config.params!.safeParse({ maxFeatures: 2.5 }).success).toBe(false)
    const rows = (await cleanRows()).slice(0, 20)
    await expect(runStep(train, { maxFeatures: 9 }, { train: rows })).rejects.toThrow('maxFeatures=9 is more than the 8 features')
  })
})

describe('train with few trees', () => {
  it('survives rows that no tree left out of its bootstrap sample', async () => {
    const parts = (await runStep(split, {}, { data: await cleanRows() })).outputs as { train: Penguin[] }
    for (const nEstimators of [1, 2, 3]) {
      const { metrics } = await runStep(train, { nEstimators }, { train: parts.train })
      expect(metrics.oob_accuracy).toBeGreaterThan(0.5)
    }
  })
})

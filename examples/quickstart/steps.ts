// The five steps of the quickstart's `train` pipeline (wired together in mlops.config.ts).
//
// Caching: a step's cache key covers its params, its input artifacts and the source of its own `run`.
// Code that `run` calls from elsewhere is not part of that source, so steps that call the helpers at
// the bottom of this file name them in `version: codeVersion(helper, …)`; editing a helper then
// re-runs exactly the steps that use it.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { artifact, hashJson, sha256Hex, step, z } from '@mlops/core'

/** The folder of this file: data paths in params are relative to it, not to the shell's working directory. */
const HERE = dirname(fileURLToPath(import.meta.url))

export const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'] as const
export const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'] as const

/** One clean row of data/penguins.csv. */
export const Penguin = z.object({
  species: z.enum(SPECIES),
  island: z.enum(ISLANDS),
  bill_length_mm: z.number().positive(),
  bill_depth_mm: z.number().positive(),
  flipper_length_mm: z.number().positive(),
  body_mass_g: z.number().positive(),
  sex: z.enum(['MALE', 'FEMALE']),
})
export type Penguin = z.infer<typeof Penguin>

/** The model artifact: the forest as `RandomForestClassifier#toJSON()`, plus how to build its input and read its output. */
export const ForestModel = z.object({
  format: z.literal('ml-random-forest@2 RandomForestClassifier'),
  /** Column names of the feature matrix, in order (see `encodeFeatures`). */
  features: z.array(z.string()).min(1),
  /** Class index → species: the forest predicts an index into this list. */
  labels: z.array(z.enum(SPECIES)).min(2),
  forest: z.record(z.string(), z.unknown()),
})
export type ForestModel = z.infer<typeof ForestModel>

/**
 * A data file given relative to this folder, parsed into its path and the sha256 of its bytes. The hash
 * becomes part of the `load` step's params and so of its cache key: edit the CSV and `load` runs again;
 * leave it alone and a second run is a cache hit. (Hashing costs one read of the file per run.)
 */
function dataFile(defaultPath: string) {
  return z
    .string()
    .min(1)
    .default(defaultPath)
    .transform((path, ctx) => {
      try {
        return { path, sha256: sha256Hex(readFileSync(resolve(HERE, path))) }
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read ${resolve(HERE, path)}: ${(error as Error).message}` })
        return z.NEVER
      }
    })
}

export const load = step({
  name: 'load',
  description: 'Read a CSV file into rows (empty fields become null, numbers become numbers).',
  version: codeVersion(parseCsv),
  params: z.object({ csv: dataFile('data/penguins.csv') }),
  outputs: { raw: artifact.dataset() },
  run({ params, logger }) {
    const bytes = readFileSync(resolve(HERE, params.csv.path))
    // The hash in the params was taken when the run was planned; refuse a file that changed since.
    if (sha256Hex(bytes) !== params.csv.sha256) {
      throw new Error(`${params.csv.path} changed after the run was planned; run the pipeline again`)
    }
    const raw = parseCsv(new TextDecoder().decode(bytes))
    logger.info(`read ${raw.length} rows from ${params.csv.path}`)
    return { raw }
  },
})

export const validate = step({
  name: 'validate',
  description: 'Keep the rows that fit the Penguin schema; fail when too many do not.',
  params: z.object({
    /** Largest share of rows that may be dropped before the data is called broken. */
    maxDroppedShare: z.number().min(0).max(1).default(0.05),
  }),
  inputs: { raw: artifact.dataset() },
  outputs: { clean: artifact.dataset(Penguin) },
  run({ inputs, params, logMetric }) {
    const columns = Object.keys(Penguin.shape)
    const present = new Set(inputs.raw.flatMap((row) => Object.keys(row)))
    const absent = columns.filter((c) => !present.has(c))
    if (inputs.raw.length === 0) throw new Error('the dataset has no rows')
    if (absent.length) throw new Error(`column(s) ${absent.join(', ')} missing from the data; it has: ${[...present].join(', ')}`)

    const clean: Penguin[] = []
    const problems: string[] = []
    let missing = 0
    let invalid = 0
    for (const [index, row] of inputs.raw.entries()) {
      const empty = columns.filter((c) => row[c] === null || row[c] === undefined || row[c] === '')
      if (empty.length) {
        missing++
        problems.push(`row ${index + 1}: missing ${empty.join(', ')}`)
        continue
      }
      const parsed = Penguin.safeParse(row)
      if (!parsed.success) {
        invalid++
        const issue = parsed.error.issues[0]!
        problems.push(`row ${index + 1}: ${issue.path.join('.')} ${JSON.stringify(row[String(issue.path[0])])}: ${issue.message}`)
        continue
      }
      clean.push(parsed.data)
    }
    logMetric('rows_in', inputs.raw.length)
    logMetric('rows_dropped_missing', missing)
    logMetric('rows_dropped_invalid', invalid)
    logMetric('rows_clean', clean.length)
    const share = (missing + invalid) / inputs.raw.length
    if (share > params.maxDroppedShare) {
      throw new Error(
        `${missing + invalid} of ${inputs.raw.length} rows (${(100 * share).toFixed(1)}%) fail the Penguin schema, ` +
          `more than maxDroppedShare=${params.maxDroppedShare} allows (${missing} with missing values, ${invalid} invalid). ` +
          `First: ${problems.slice(0, 3).join('; ')}. Fix the data, or raise the limit with --param maxDroppedShare=${Math.ceil(share * 100) / 100}`,
      )
    }
    return { clean }
  },
})

export const split = step({
  name: 'split',
  description: 'Split rows into train and test by a hash of each row’s content.',
  version: codeVersion(rowUnitInterval),
  params: z.object({
    /** Expected share of rows in the test split. */
    testShare: z.number().gt(0).lt(1).default(0.2),
    /** Another seed gives another (equally repeatable) split. */
    seed: z.int().default(0),
  }),
  inputs: { data: artifact.dataset(Penguin) },
  outputs: { train: artifact.dataset(Penguin), test: artifact.dataset(Penguin) },
  run({ inputs, params, logMetric }) {
    // A row's side depends only on its content and the seed: the same row lands on the same side in every
    // run, whatever the row order or the other rows. Sorting by the hash makes both outputs (and so their
    // cache keys downstream) independent of the input order too.
    const keyed = inputs.data.map((row) => ({ row, u: rowUnitInterval(row, params.seed) })).sort((a, b) => a.u - b.u)
    const train = keyed.filter((k) => k.u >= params.testShare).map((k) => k.row)
    const test = keyed.filter((k) => k.u < params.testShare).map((k) => k.row)
    if (train.length === 0 || test.length === 0) {
      throw new Error(`testShare=${params.testShare} of ${inputs.data.length} rows leaves the ${train.length === 0 ? 'train' : 'test'} split empty`)
    }
    logMetric('train_rows', train.length)
    logMetric('test_rows', test.length)
    return { train, test }
  },
})

export const train = step({
  name: 'train',
  description: 'Fit a random forest classifier (ml-random-forest) that predicts the species.',
  version: codeVersion(encodeFeatures),
  params: z.object({
    nEstimators: z.int().min(1).max(2000).default(50),
    /** Features each tree sees: a share in (0, 1], or a whole number of features. */
    maxFeatures: z
      .number()
      .positive()
      .refine((v) => v <= 1 || Number.isInteger(v), 'must be a share in (0, 1] or a whole number of features')
      .default(0.8),
    /** Draw each tree's features with replacement (ml-random-forest's `replacement`). */
    replacement: z.boolean().default(false),
    maxDepth: z.int().min(1).default(10),
    /** A node with fewer training rows becomes a leaf. */
    minNumSamples: z.int().min(1).default(3),
    /** Seeds the bootstrap samples and feature choices (a 32-bit integer). */
    seed: z.int().min(0).max(2 ** 31 - 1).default(42),
  }),
  inputs: { train: artifact.dataset(Penguin) },
  outputs: { model: artifact.model(ForestModel) },
  async run({ inputs, params, logMetric, logger }) {
    // Imported here, not at the top: loading the config (for `mlops runs ls` too) stays fast.
    const { RandomForestClassifier } = await import('ml-random-forest')
    const { names, rows } = encodeFeatures(inputs.train)
    if (Number.isInteger(params.maxFeatures) && params.maxFeatures > 1 && params.maxFeatures > names.length) {
      throw new Error(`maxFeatures=${params.maxFeatures} is more than the ${names.length} features (${names.join(', ')})`)
    }
    const labels = [...SPECIES]
    const y = inputs.train.map((row) => labels.indexOf(row.species))
    const forest = new RandomForestClassifier({
      nEstimators: params.nEstimators,
      maxFeatures: params.maxFeatures,
      replacement: params.replacement,
      seed: params.seed,
      useSampleBagging: true,
      treeOptions: { maxDepth: params.maxDepth, minNumSamples: params.minNumSamples },
    })
    // ml-random-forest 2.1.0 throws while collecting out-of-bag votes for a row that every bootstrap sample
    // drew (likely with few trees): give such a row no vote (-1) and leave it out of the estimate below.
    const vote = forest.selection.bind(forest)
    forest.selection = (values: number[]) => (values.length === 0 ? -1 : vote(values))
    forest.train(rows, y)
    // Out-of-bag accuracy: each row predicted by the trees whose bootstrap sample left it out.
    const oob = (forest.oobResults ?? []).filter((r) => r.all.length > 0)
    if (oob.length) logMetric('oob_accuracy', oob.filter((r) => r.predicted === r.true).length / oob.length)
    logger.info(`trained ${params.nEstimators} trees on ${rows.length} rows × ${names.length} features`)
    const model: ForestModel = {
      format: 'ml-random-forest@2 RandomForestClassifier',
      features: names,
      labels,
      forest: forest.toJSON() as unknown as Record<string, unknown>,
    }
    return { model }
  },
})

export const evaluate = step({
  name: 'evaluate',
  description: 'Score the model on the test split: accuracy, macro F1, per-class F1 and counts.',
  version: codeVersion(encodeFeatures, classificationReport),
  inputs: { model: artifact.model(ForestModel), test: artifact.dataset(Penguin) },
  outputs: {
    metrics: artifact.metrics(),
    /** The confusion matrix and per-class precision/recall/F1, for a closer look (`mlops runs show`). */
    report: artifact.json(),
  },
  async run({ inputs }) {
    const { RandomForestClassifier } = await import('ml-random-forest')
    const { model, test } = inputs
    const { names, rows } = encodeFeatures(test)
    if (names.join() !== model.features.join()) {
      throw new Error(`the model was trained on features [${model.features.join(', ')}] but the data gives [${names.join(', ')}]`)
    }
    const forest = RandomForestClassifier.load(model.forest as never)
    const predicted = forest.predict(rows).map((index) => model.labels[index] ?? `#${index}`)
    const report = classificationReport(
      test.map((row) => row.species),
      predicted,
    )
    const metrics: Record<string, number> = { accuracy: report.accuracy, macro_f1: report.macroF1 }
    for (const [label, c] of Object.entries(report.perClass)) {
      metrics[`f1_${label}`] = c.f1
      metrics[`support_${label}`] = c.support
    }
    return { metrics, report }
  },
})

// ---- helpers (pure; tested in test/steps.test.ts) ----

/** A hash of helper sources, for a step's `version`: the step's cache key then covers the helpers too. */
export function codeVersion(...helpers: ((...args: never[]) => unknown)[]): string {
  return sha256Hex(helpers.map((fn) => fn.toString()).join('\n')).slice(0, 16)
}

/**
 * Parses CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines) into one object per
 * record keyed by the header. An empty unquoted field becomes null; an unquoted field that reads as a
 * finite number becomes that number; anything else (and every quoted field) stays a string.
 */
export function parseCsv(text: string): Record<string, string | number | null>[] {
  const records: { text: string; quoted: boolean }[][] = []
  let record: { text: string; quoted: boolean }[] = []
  let field = ''
  let quoted = false // inside quotes now
  let wasQuoted = false // this field started with a quote
  const endField = () => {
    record.push({ text: field, quoted: wasQuoted })
    field = ''
    wasQuoted = false
  }
  const endRecord = () => {
    endField()
    if (!(record.length === 1 && record[0]!.text === '' && !record[0]!.quoted)) records.push(record) // skip blank lines
    record = []
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch !== '"') field += ch
      else if (text[i + 1] === '"') {
        field += '"'
        i++
      } else quoted = false
    } else if (ch === '"' && field === '' && !wasQuoted) quoted = wasQuoted = true
    else if (ch === ',') endField()
    else if (ch === '\n') endRecord()
    else if (ch === '\r') {
      if (text[i + 1] === '\n') i++
      endRecord()
    } else field += ch
  }
  if (quoted) throw new Error('the CSV ends inside a quoted field')
  if (field !== '' || wasQuoted || record.length) endRecord()
  const [header, ...body] = records
  if (!header) return []
  const names = header.map((h) => h.text.trim())
  return body.map((cells, index) => {
    if (cells.length !== names.length) throw new Error(`CSV record ${index + 2} has ${cells.length} fields; the header has ${names.length}`)
    const row: Record<string, string | number | null> = {}
    names.forEach((name, i) => {
      const cell = cells[i]!
      const number = Number(cell.text)
      row[name] = cell.quoted ? cell.text : cell.text.trim() === '' ? null : Number.isFinite(number) ? number : cell.text
    })
    return row
  })
}

/** Maps a row to a number in [0, 1) from the sha256 of its canonical JSON and the seed. */
export function rowUnitInterval(row: Record<string, unknown>, seed: number): number {
  // 52 bits: exactly representable in a double, so the value (and the split) is the same on every machine.
  return parseInt(hashJson({ seed, row }).slice(0, 13), 16) / 2 ** 52
}

/** The feature matrix: the four measurements, sex as 0/1 and the island one-hot. */
export function encodeFeatures(rows: readonly Penguin[]): { names: string[]; rows: number[][] } {
  const names = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex_male', ...ISLANDS.map((i) => `island_${i}`)]
  return {
    names,
    rows: rows.map((r) => [r.bill_length_mm, r.bill_depth_mm, r.flipper_length_mm, r.body_mass_g, r.sex === 'MALE' ? 1 : 0, ...ISLANDS.map((i) => (r.island === i ? 1 : 0))]),
  }
}

export interface ClassReport {
  precision: number
  recall: number
  f1: number
  /** Rows of this class in the truth. */
  support: number
  /** Rows predicted as this class. */
  predicted: number
}

/**
 * Accuracy, per-class precision/recall/F1 and their unweighted (macro) mean, over the classes that occur
 * in the truth or the predictions; a ratio with a zero denominator counts as 0 (scikit-learn's
 * `zero_division=0`).
 */
export function classificationReport(truth: readonly string[], predicted: readonly string[]) {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`)
  if (truth.length === 0) throw new Error('no rows to evaluate')
  const labels = [...new Set([...truth, ...predicted])].sort()
  const index = new Map(labels.map((l, i) => [l, i]))
  const confusion = labels.map(() => labels.map(() => 0)) // [true][predicted]
  for (let i = 0; i < truth.length; i++) confusion[index.get(truth[i]!)!]![index.get(predicted[i]!)!]!++
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b)
  const perClass: Record<string, ClassReport> = {}
  let correct = 0
  labels.forEach((label, k) => {
    const tp = confusion[k]![k]!
    correct += tp
    const support = confusion[k]!.reduce((s, v) => s + v, 0)
    const predictedCount = confusion.reduce((s, row) => s + row[k]!, 0)
    const precision = ratio(tp, predictedCount)
    const recall = ratio(tp, support)
    perClass[label] = { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support, predicted: predictedCount }
  })
  const macroF1 = Object.values(perClass).reduce((s, c) => s + c.f1, 0) / labels.length
  return { labels, confusion, perClass, accuracy: correct / truth.length, macroF1 }
}

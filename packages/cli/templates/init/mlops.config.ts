// Written by `npx mlops init`: one pipeline, `train`, that predicts a penguin's species from its measurements.
//   npx mlops run train                  run it (a second run with nothing changed is all cache hits)
//   npx mlops run train --param lr=0.5   change a parameter: only the steps it reaches run again
//   npx mlops runs ls                    past runs, with params and metrics
// data/penguins.csv: Palmer penguins (Gorman, Williams & Fraser 2014, CC0), as shipped by vega-datasets.
// Replace the steps with your own; each is a typed function of params (zod) and input artifacts.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { artifact, defineConfig, hashJson, pipeline, sha256Hex, step, z } from '@mlops/core'

/** Data paths are relative to this file's folder, not to the folder `mlops` runs in. */
const HERE = dirname(fileURLToPath(import.meta.url))
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const

const Row = z.object({
  species: z.string().min(1),
  bill_length_mm: z.number(),
  bill_depth_mm: z.number(),
  flipper_length_mm: z.number(),
  body_mass_g: z.number(),
})
type Row = z.infer<typeof Row>

const Model = z.object({
  features: z.array(z.string()),
  labels: z.array(z.string()),
  /** Standardisation fitted on the train split: x' = (x - mean) / std. */
  mean: z.array(z.number()),
  std: z.array(z.number()),
  /** One row per class: a bias, then one weight per feature. */
  weights: z.array(z.array(z.number())),
})

const load = step({
  name: 'load',
  params: z.object({
    // The file's sha256 joins the params, so the cache key changes when the file's content does.
    csv: z
      .string()
      .default('data/penguins.csv')
      .transform((path, ctx) => {
        try {
          return { path, sha256: sha256Hex(readFileSync(resolve(HERE, path))) }
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `cannot read ${resolve(HERE, path)}: ${(error as Error).message}` })
          return z.NEVER
        }
      }),
  }),
  outputs: { rows: artifact.dataset(Row) },
  run({ params, logMetric }) {
    // A plain split on commas: enough for this file (no quoted fields). Use a CSV library for your own data.
    const [header = '', ...lines] = readFileSync(resolve(HERE, params.csv.path), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '')
    const names = header.split(',')
    const rows: Row[] = []
    for (const line of lines) {
      const cells = Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell]))
      const values = FEATURES.map((f) => (cells[f] === '' || cells[f] === undefined ? Number.NaN : Number(cells[f])))
      if (!cells.species || values.some((v) => !Number.isFinite(v))) continue // a missing value: drop the row
      rows.push({ species: cells.species, ...Object.fromEntries(FEATURES.map((f, i) => [f, values[i]!])) } as Row)
    }
    logMetric('rows_dropped', lines.length - rows.length)
    if (rows.length === 0) throw new Error(`${params.csv.path} has no complete rows with columns species, ${FEATURES.join(', ')}`)
    return { rows }
  },
})

const split = step({
  name: 'split',
  params: z.object({ testShare: z.number().gt(0).lt(1).default(0.2), seed: z.int().default(0) }),
  inputs: { data: artifact.dataset(Row) },
  outputs: { train: artifact.dataset(Row), test: artifact.dataset(Row) },
  run({ inputs, params }) {
    // Each row's side follows from a hash of its content: the same split in every run, whatever the row order.
    const side = (row: Row) => parseInt(hashJson({ seed: params.seed, row }).slice(0, 13), 16) / 2 ** 52 < params.testShare
    return { train: inputs.data.filter((row) => !side(row)), test: inputs.data.filter(side) }
  },
})

const train = step({
  name: 'train',
  params: z.object({
    lr: z.number().positive().default(0.1),
    epochs: z.int().min(1).default(300),
    /** L2 penalty on the weights (not the biases). */
    l2: z.number().min(0).default(0),
  }),
  inputs: { train: artifact.dataset(Row) },
  outputs: { model: artifact.model(Model) },
  run({ inputs, params, logMetric, signal }) {
    // Softmax (multinomial logistic) regression, fitted by full-batch gradient descent on standardised features.
    const labels = [...new Set(inputs.train.map((r) => r.species))].sort()
    const X = inputs.train.map((r) => FEATURES.map((f) => r[f]))
    const y = inputs.train.map((r) => labels.indexOf(r.species))
    const n = X.length
    const mean = FEATURES.map((_, j) => X.reduce((s, x) => s + x[j]!, 0) / n)
    const std = FEATURES.map((_, j) => Math.sqrt(X.reduce((s, x) => s + (x[j]! - mean[j]!) ** 2, 0) / n) || 1)
    const Z = X.map((x) => [1, ...x.map((v, j) => (v - mean[j]!) / std[j]!)])
    const W = labels.map(() => Z[0]!.map(() => 0))
    let loss = Number.NaN
    for (let epoch = 0; epoch < params.epochs; epoch++) {
      signal.throwIfAborted()
      const grad = W.map((w) => w.map(() => 0))
      loss = 0
      for (let i = 0; i < n; i++) {
        const p = softmax(W.map((w) => dot(w, Z[i]!)))
        loss -= Math.log(Math.max(p[y[i]!]!, 1e-300)) / n
        p.forEach((pk, k) => Z[i]!.forEach((z, j) => (grad[k]![j]! += ((pk - (k === y[i] ? 1 : 0)) * z) / n)))
      }
      W.forEach((w, k) => w.forEach((v, j) => (w[j] = v - params.lr * (grad[k]![j]! + (j > 0 ? params.l2 * v : 0)))))
      if (!Number.isFinite(loss)) throw new Error(`the loss diverged at epoch ${epoch + 1}; try a smaller --param lr (now ${params.lr})`)
    }
    logMetric('train_loss', loss)
    return { model: { features: [...FEATURES], labels, mean, std, weights: W } }
  },
})

const evaluate = step({
  name: 'evaluate',
  inputs: { model: artifact.model(Model), test: artifact.dataset(Row) },
  outputs: { metrics: artifact.metrics() },
  run({ inputs: { model, test } }) {
    if (test.length === 0) throw new Error('the test split is empty; raise --param testShare')
    let correct = 0
    let logLoss = 0
    for (const row of test) {
      const z = [1, ...model.features.map((f, j) => ((row[f as keyof Row] as number) - model.mean[j]!) / model.std[j]!)]
      const p = softmax(model.weights.map((w) => dot(w, z)))
      const truth = model.labels.indexOf(row.species)
      if (p.indexOf(Math.max(...p)) === truth) correct++
      logLoss -= Math.log(Math.max(truth >= 0 ? p[truth]! : 0, 1e-15)) / test.length
    }
    return { metrics: { accuracy: correct / test.length, log_loss: logLoss, test_rows: test.length } }
  },
})

// Code outside a step's `run` is not part of its cache key: give a step `version: '2'` (and so on) when you
// change a helper it calls, or its cached outputs are reused.
function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores)
  const e = scores.map((s) => Math.exp(s - max))
  const total = e.reduce((s, v) => s + v, 0)
  return e.map((v) => v / total)
}

export default defineConfig({
  pipelines: {
    train: pipeline({
      description: 'Load the CSV, split it by row hash, fit softmax regression, evaluate on the test split',
      steps() {
        const { rows } = load()
        const { train: trainRows, test } = split({ data: rows })
        const { model } = train({ train: trainRows })
        evaluate({ model, test })
      },
    }),
  },
})

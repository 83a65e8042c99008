// The closed loop: a weather classifier trained on Seattle 2012-2013, served over HTTP, watched by a
// monitor, retrained by a trigger when the traffic drifts, gated against the champion, promoted without
// a restart, with the team notified by webhook. `npm run demo` plays the whole story (scripts/loop.mjs).
//
// data/weather.csv: daily weather of Seattle and New York, 2012-2015 (NOAA GHCN, as shipped by the
// vega-datasets npm package). The label is the day's `weather` (sun, rain, fog, drizzle, snow).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { artifact, defineConfig, hashJson, model, monitor, onDrift, pipeline, sha256Hex, step, z } from '@mlops/core'
import notifyWebhook from '@mlops/notify-webhook'

const HERE = dirname(fileURLToPath(import.meta.url))
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const

const Day = z.object({
  weather: z.string().min(1),
  precipitation: z.number().min(0),
  temp_max: z.number(),
  temp_min: z.number(),
  wind: z.number().min(0),
})
type Day = z.infer<typeof Day>

const Softmax = z.object({
  features: z.array(z.string()),
  labels: z.array(z.string()),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  weights: z.array(z.array(z.number())),
})
type Softmax = z.infer<typeof Softmax>

/** Reads the rows of a CSV file with a header line (no quoted fields in these files). */
function readCsv(path: string): Record<string, string>[] {
  const [header = '', ...lines] = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '')
  const names = header.split(',')
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell])))
}

function toDay(r: Record<string, string>): Day | undefined {
  const values = FEATURES.map((f) => Number(r[f]))
  if (!r.weather || values.some((v) => !Number.isFinite(v))) return undefined
  return { weather: r.weather, ...Object.fromEntries(FEATURES.map((f, i) => [f, values[i]!])) } as Day
}

const fileHash = (path: string) => (existsSync(resolve(HERE, path)) ? sha256Hex(readFileSync(resolve(HERE, path))) : null)

const load = step({
  name: 'load',
  version: '1',
  params: z.object({
    // The history the first model learns from, and the labelled production traffic that arrives later.
    // Both files' hashes join the params: new labelled data means a new cache key, so a retrain.
    history: z.string().default('data/weather.csv'),
    location: z.string().default('Seattle'),
    until: z.string().default('2014-01-01'),
    feedback: z.string().default('data/feedback.csv'),
  }).transform((p) => ({ ...p, historySha256: fileHash(p.history), feedbackSha256: fileHash(p.feedback) })),
  outputs: { days: artifact.dataset(Day) },
  run({ params, logMetric }) {
    const history = readCsv(resolve(HERE, params.history)).filter((r) => r.location === params.location && (r.date ?? '') < params.until)
    const feedback = params.feedbackSha256 ? readCsv(resolve(HERE, params.feedback)) : []
    const days = [...history, ...feedback].map(toDay).filter((d): d is Day => d !== undefined)
    logMetric('history_rows', history.length)
    logMetric('feedback_rows', feedback.length)
    if (days.length === 0) throw new Error(`no labelled days in ${params.history} for ${params.location} before ${params.until}`)
    return { days }
  },
})

const split = step({
  name: 'split',
  params: z.object({ testShare: z.number().gt(0).lt(1).default(0.25) }),
  inputs: { data: artifact.dataset(Day) },
  outputs: { train: artifact.dataset(Day), test: artifact.dataset(Day) },
  run({ inputs, params }) {
    // By a hash of the row's content (and its position among equal rows): the same split every run.
    const seen = new Map<string, number>()
    const side = (row: Day) => {
      const key = hashJson(row)
      const n = (seen.get(key) ?? 0) + 1
      seen.set(key, n)
      return parseInt(hashJson({ key, n }).slice(0, 13), 16) / 2 ** 52 < params.testShare
    }
    const sides = inputs.data.map(side)
    return { train: inputs.data.filter((_, i) => !sides[i]), test: inputs.data.filter((_, i) => sides[i]) }
  },
})

const train = step({
  name: 'train',
  version: '1',
  params: z.object({ lr: z.number().positive().default(0.5), epochs: z.int().min(1).default(400), l2: z.number().min(0).default(0.001) }),
  inputs: { train: artifact.dataset(Day) },
  outputs: { model: artifact.model(Softmax) },
  run({ inputs, params, logMetric, signal }) {
    // Softmax regression by full-batch gradient descent on standardised features.
    const labels = [...new Set(inputs.train.map((r) => r.weather))].sort()
    const X = inputs.train.map((r) => FEATURES.map((f) => r[f]))
    const y = inputs.train.map((r) => labels.indexOf(r.weather))
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
    }
    logMetric('train_loss', loss)
    return { model: { features: [...FEATURES], labels, mean, std, weights: W } }
  },
})

/** The served predictor: a label per row, and class scores (for ROC AUC). */
function predictor(m: Softmax) {
  const proba = (row: Record<string, unknown>) => softmax(m.weights.map((w) => dot(w, [1, ...m.features.map((f, j) => ((row[f] as number) - m.mean[j]!) / m.std[j]!)])))
  return {
    predict: (rows: Record<string, unknown>[]) =>
      rows.map((r) => {
        const p = proba(r)
        return m.labels[p.indexOf(Math.max(...p))]!
      }),
    predictProba: (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(proba(r).map((p, k) => [m.labels[k]!, p]))),
  }
}

const evaluate = step({
  name: 'evaluate',
  inputs: { model: artifact.model(Softmax), test: artifact.dataset(Day) },
  outputs: { metrics: artifact.metrics() },
  run({ inputs: { model, test } }) {
    const predicted = predictor(model).predict(test)
    const correct = predicted.filter((p, i) => p === test[i]!.weather).length
    return { metrics: { accuracy: correct / test.length, test_rows: test.length } }
  },
})

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
  project: 'feedback-loop',
  // The team's webhook (a Slack-compatible receiver works too): set FEEDBACK_WEBHOOK_URL to turn it on.
  plugins: process.env.FEEDBACK_WEBHOOK_URL ? [notifyWebhook({ urlEnv: 'FEEDBACK_WEBHOOK_URL', secretEnv: 'FEEDBACK_WEBHOOK_SECRET' })] : [],
  models: {
    weather: model<Softmax>({
      description: 'Day weather (sun, rain, fog, drizzle, snow) from precipitation, temperatures and wind',
      task: 'classification',
      source: { pipeline: 'train', output: 'train.model' },
      input: Day.omit({ weather: true }),
      label: 'weather',
      evaluation: { output: 'split.test' },
      load: predictor,
      gates: {
        data: { minRows: 50, maxInvalidShare: 0 },
        // Not worse than the champion on the same evaluation data (the challenger's test split).
        metrics: { accuracy: { min: 0.5, minImprovement: 0 } },
      },
    }),
  },
  monitors: {
    'weather-live': monitor({
      model: 'weather',
      reference: { output: 'split.train' },
      window: { last: 400 },
      minRows: 50,
      checks: {
        quality: { maxMissingShare: 0.05, maxOutOfRangeShare: 0.1 },
        drift: { driftShare: 0.5 },
        predictionDrift: true,
        performance: { metric: 'accuracy', min: 0.6, minLabels: 50 },
      },
    }),
  },
  triggers: [onDrift({ monitor: 'weather-live', run: 'train', cooldown: '1m' })],
  notifications: { cooldown: '1h' },
  pipelines: {
    train: pipeline({
      description: 'Load the labelled history and feedback, split by row hash, fit softmax regression, evaluate',
      steps() {
        const { days } = load()
        const { train: trainDays, test } = split({ data: days })
        const { model: m } = train({ train: trainDays })
        evaluate({ model: m, test })
      },
    }),
  },
})

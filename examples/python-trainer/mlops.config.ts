// A Python trainer in an mlops pipeline: `load` (TypeScript) reads the CSV, `train` runs train.py with
// scikit-learn as an external command. `npx mlops run train` runs it; a second run with nothing changed
// reuses both steps' cached outputs; editing train.py or a param re-runs `train`.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { artifact, defineConfig, pipeline, sha256Hex, step, z } from '@mlops/core'
import { commandTrainStep } from '@mlops/trainer-command'
import { findPython } from './python.js'

const HERE = new URL('.', import.meta.url)

/**
 * The CSV's bytes as a file artifact. The file's sha256 is part of the params (and so of the cache
 * key): edit the CSV and `load` runs again.
 */
const load = step({
  name: 'load',
  description: 'Read data/penguins.csv as it is (a text/csv file artifact).',
  params: z.object({
    csv: z
      .string()
      .default('data/penguins.csv')
      .transform((path, ctx) => {
        try {
          return { path, sha256: sha256Hex(readFileSync(fileURLToPath(new URL(path, HERE)))) }
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as Error).message}` })
          return z.NEVER
        }
      }),
  }),
  outputs: { penguins: artifact.file('text/csv') },
  run({ params, logger }) {
    const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL(params.csv.path, HERE))))
    if (sha256Hex(bytes) !== params.csv.sha256) throw new Error(`${params.csv.path} changed after the run was planned; run the pipeline again`)
    const header = new TextDecoder().decode(bytes.subarray(0, 200)).split('\n')[0]
    if (!header?.startsWith('species,')) throw new Error(`${params.csv.path} does not start with the penguins header (species,island,…): got "${header}"`)
    logger.info(`read ${bytes.byteLength} bytes from ${params.csv.path}`)
    return { penguins: bytes }
  },
})

/** train.py gets the CSV as MLOPS_INPUT_PENGUINS and these params in MLOPS_PARAMS (params.json). */
const train = commandTrainStep({
  name: 'train',
  description: 'Fit a scikit-learn classifier (train.py) and score it on a held-out split.',
  command: [findPython(), 'train.py'],
  cwd: HERE,
  inputs: { penguins: artifact.file('text/csv') },
  params: z.object({
    model: z.enum(['random_forest', 'logistic_regression']).default('random_forest'),
    /** Random forest: trees, and their depth (null: grow until leaves are pure). */
    nEstimators: z.int().min(1).max(5000).default(100),
    maxDepth: z.int().min(1).nullable().default(null),
    /** Logistic regression: inverse regularisation strength. */
    c: z.number().positive().default(1),
    testShare: z.number().gt(0).lt(1).default(0.2),
    seed: z.int().min(0).default(42),
  }),
  modelFile: 'model.joblib',
  modelMediaType: 'application/vnd.joblib',
  timeoutMs: 5 * 60_000,
})

export default defineConfig({
  project: 'python-trainer',
  pipelines: {
    train: pipeline({
      description: 'Palmer penguins: load the CSV, fit a scikit-learn classifier in Python, record its metrics',
      steps() {
        const { penguins } = load()
        train({ penguins })
      },
    }),
  },
})

// The quickstart: a species classifier for the Palmer penguins, as one pipeline of five typed steps.
// `npx mlops run train` runs it; a second run with nothing changed reuses every step's cached outputs.
import { defineConfig, pipeline } from '@mlops/core'
import { evaluate, load, split, train, validate } from './steps.js'

export default defineConfig({
  project: 'quickstart',
  pipelines: {
    train: pipeline({
      description: 'Palmer penguins: load the CSV, validate rows, split by row hash, fit a random forest, evaluate it',
      steps() {
        const { raw } = load()
        const { clean } = validate({ raw })
        const parts = split({ data: clean })
        const { model } = train({ train: parts.train })
        evaluate({ model, test: parts.test })
      },
    }),
  },
})

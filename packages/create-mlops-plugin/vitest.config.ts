import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'create-mlops-plugin',
    // templates/ holds the generated packages' own tests: they run inside a scaffolded package, not here.
    include: ['test/**/*.test.ts'],
  },
})

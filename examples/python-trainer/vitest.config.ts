import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: '@mlops/example-python-trainer', include: ['test/**/*.test.ts'], testTimeout: 90_000 },
})

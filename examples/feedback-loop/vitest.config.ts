import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: '@mlops/example-feedback-loop', include: ['test/**/*.test.ts'], testTimeout: 180_000 },
})

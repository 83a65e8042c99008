import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: '@mlops/example-quickstart', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
})

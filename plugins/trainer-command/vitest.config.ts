import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: '@mlops/trainer-command', include: ['test/**/*.test.ts'], testTimeout: 20_000 },
})

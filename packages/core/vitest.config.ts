import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@mlops/core',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
})

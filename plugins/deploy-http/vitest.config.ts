import { defineProject } from 'vitest/config'

// Background deployments start a Node process each (about a second on a busy 2-core machine), and a
// conformance case may start three.
export default defineProject({
  test: { name: '@mlops/deploy-http', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
})

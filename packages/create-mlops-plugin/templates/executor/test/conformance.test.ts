import { setupPlugin } from '@mlops/core'
import { executorConformance } from '@mlops/testkit'
import { describe, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const logger = { debug() {}, info() {}, warn() {}, error() {} }

executorConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__',
    create: async () => {
      const ctx = { root: process.cwd(), dataDir: '.mlops', logger, signal: new AbortController().signal, env: {} }
      const executor = (await setupPlugin(__FACTORY__({ maxConcurrency: 16 }), 'test', ctx)).executor!
      return { execute: (request) => executor.execute(request), close: () => executor.close() }
    },
  },
)

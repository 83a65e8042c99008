import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setupPlugin } from '@mlops/core'
import { trainerConformance } from '@mlops/testkit'
import { describe, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

// test/fixtures/train.mjs stands in for your training program (least squares on a CSV file).
const script = fileURLToPath(new URL('./fixtures/train.mjs', import.meta.url))
const logger = { debug() {}, info() {}, warn() {}, error() {} }

async function writeData(inputDir: string): Promise<Record<string, string>> {
  const path = join(inputDir, 'train.csv')
  await writeFile(path, 'x,y\n0,1\n1,3\n2,5\n3,7\n')
  return { 'train.csv': path }
}

trainerConformance(
  { describe, it },
  {
    pluginName: '__PACKAGE_NAME__',
    create: async () => {
      const ctx = { root: process.cwd(), dataDir: '.mlops', logger, signal: new AbortController().signal, env: {} }
      return (await setupPlugin(__FACTORY__({ command: [process.execPath, script] }), 'test', ctx)).trainer!
    },
    succeeding: async (inputDir) => ({ inputs: await writeData(inputDir), params: {} }),
    failing: async (inputDir) => ({ inputs: await writeData(inputDir), params: { fail: 'the data is bad' } }),
    slow: async (inputDir) => ({ inputs: await writeData(inputDir), params: { sleep: 60_000 } }),
  },
)

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setupPlugin } from '@mlops/core'
import type { Trainer } from '@mlops/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { __FACTORY__ } from '../src/index.js'

const script = fileURLToPath(new URL('./fixtures/train.mjs', import.meta.url))
const lines: string[] = []
const logger = { debug() {}, info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error() {} }
let root: string
let trainer: Trainer
let data: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), '__FACTORY__-'))
  data = join(root, 'train.csv')
  await writeFile(data, 'x,y\n0,1\n1,3\n2,5\n3,7\n')
  const ctx = { root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} }
  trainer = (await setupPlugin(__FACTORY__({ command: [process.execPath, script] }), 'test', ctx)).trainer!
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function train(params: Record<string, unknown>, signal = new AbortController().signal) {
  const workDir = await mkdtemp(join(root, 'work-'))
  return trainer.train({ inputs: { 'train.csv': data }, params, workDir, signal, logger })
}

describe('__PACKAGE_NAME__', () => {
  it('runs the command with the inputs and params and returns its model file and metrics', async () => {
    const result = await train({})
    expect(JSON.parse(await readFile(result.modelPath, 'utf8'))).toEqual({ a: 2, b: 1 })
    expect(result.metrics).toEqual({ mse: 0, rows: 4 })
    expect(result.exitCode).toBe(0)
    expect(lines).toContain('fitted 4 rows')
  })

  it('a failing command rejects with MLOPS_TRAIN_COMMAND_FAILED and its stderr', async () => {
    await expect(train({ fail: 'bad data' })).rejects.toMatchObject({ code: 'MLOPS_TRAIN_COMMAND_FAILED', message: expect.stringMatching(/code 3[\s\S]*failing on purpose: bad data/) })
  })

  it('a missing model file or non-numeric metrics reject with MLOPS_TRAIN_OUTPUT_INVALID', async () => {
    await expect(train({ noModel: true })).rejects.toMatchObject({ code: 'MLOPS_TRAIN_OUTPUT_INVALID' })
    await expect(train({ badMetrics: true })).rejects.toMatchObject({ code: 'MLOPS_TRAIN_OUTPUT_INVALID', message: expect.stringContaining('"mse"') })
  })

  it('aborting kills the command', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 100)
    await expect(train({ sleep: 10_000 }, controller.signal)).rejects.toThrow(/cancelled by the test/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses a config without a command', async () => {
    const ctx = { root, dataDir: join(root, '.mlops'), logger, signal: new AbortController().signal, env: {} }
    await expect(setupPlugin(__FACTORY__({} as never), 'test', ctx)).rejects.toMatchObject({ code: 'MLOPS_PLUGIN_OPTIONS_INVALID' })
  })
})

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { isMlopsError, loadConfig, parseParamArgs, planRun } from '@mlops/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CommandIo } from '../src/command.js'
import { main } from '../src/main.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const templateDir = fileURLToPath(new URL('../templates/init/', import.meta.url))

function testIo(cwd: string) {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIo = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    cwd,
    env: {},
    isInteractive: false,
    useColor: false,
    signal: new AbortController().signal,
  }
  return { io, stdout: () => out.join(''), stderr: () => err.join('') }
}

async function mlops(cwd: string, ...argv: string[]) {
  const t = testIo(cwd)
  const code = await main(argv, t.io)
  return { code, stdout: t.stdout(), stderr: t.stderr() }
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-init-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('mlops init', () => {
  it('writes the config, its sample data and a .gitignore line', async () => {
    const r = await mlops(dir, 'init')
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(join(dir, 'mlops.config.ts'), 'utf8')).toBe(await readFile(join(templateDir, 'mlops.config.ts'), 'utf8'))
    const csv = await readFile(join(dir, 'data/penguins.csv'), 'utf8')
    expect(csv.split('\n')[0]).toBe('species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex')
    expect(csv.trim().split('\n')).toHaveLength(345)
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('.mlops/\n')
    expect(r.stdout).toMatch(/created\s+mlops\.config\.ts/)
    expect(r.stdout).toContain('npx mlops run train --param lr=0.1')
  })

  it('refuses when a config exists, writing nothing, and --force overwrites', async () => {
    expect((await mlops(dir, 'init')).code).toBe(0)
    await writeFile(join(dir, 'mlops.config.ts'), '// mine\n')
    await unlink(join(dir, 'data/penguins.csv'))
    await writeFile(join(dir, '.gitignore'), 'node_modules/\n')

    const refused = await mlops(dir, 'init')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('mlops.config.ts already exists; nothing was written')
    expect(refused.stderr).toContain('--force')
    expect(await readFile(join(dir, 'mlops.config.ts'), 'utf8')).toBe('// mine\n')
    expect(existsSync(join(dir, 'data/penguins.csv'))).toBe(false)
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n')

    const forced = await mlops(dir, 'init', '--force', '--json')
    expect(forced.code, forced.stderr).toBe(0)
    const data = JSON.parse(forced.stdout) as { files: { path: string; action: string }[] }
    expect(data.files).toEqual([
      { path: join('data', 'penguins.csv'), action: 'created' },
      { path: 'mlops.config.ts', action: 'overwritten' },
      { path: '.gitignore', action: 'updated' },
    ])
    expect(await readFile(join(dir, 'mlops.config.ts'), 'utf8')).toBe(await readFile(join(templateDir, 'mlops.config.ts'), 'utf8'))
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.mlops/\n')
  })

  it('refuses, even with --force, beside a config of another extension, and on differing sample data', async () => {
    await writeFile(join(dir, 'mlops.config.js'), 'export default {}\n')
    for (const args of [['init'], ['init', '--force']]) {
      const r = await mlops(dir, ...args)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('mlops.config.js already exists; nothing was written')
      expect(existsSync(join(dir, 'mlops.config.ts'))).toBe(false)
    }
    await unlink(join(dir, 'mlops.config.js'))
    await mkdir(join(dir, 'data'))
    await writeFile(join(dir, 'data/penguins.csv'), 'a,b\n1,2\n')
    const r = await mlops(dir, 'init')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${join('data', 'penguins.csv')} already exists`)
    expect(existsSync(join(dir, 'mlops.config.ts'))).toBe(false)
    expect(existsSync(join(dir, '.gitignore'))).toBe(false)
  })

  it('writes into --dir (created if missing), keeps .gitignore content and adds the line once', async () => {
    const target = join(dir, 'nested', 'project')
    await mkdir(target, { recursive: true })
    await writeFile(join(target, '.gitignore'), 'dist') // no trailing newline
    const r = await mlops(dir, 'init', '--dir', 'nested/project')
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(target, 'mlops.config.ts'))).toBe(true)
    expect(existsSync(join(target, 'data', 'penguins.csv'))).toBe(true)
    expect(await readFile(join(target, '.gitignore'), 'utf8')).toBe('dist\n.mlops/\n')
    expect(r.stdout).toContain(`cd ${join('nested', 'project')} && npx mlops run train`)
    expect((await mlops(dir, 'init', '--dir', 'nested/project', '--force')).code).toBe(0)
    expect(await readFile(join(target, '.gitignore'), 'utf8')).toBe('dist\n.mlops/\n')
    expect((await mlops(dir, 'init', '--dir', 'elsewhere/new')).code).toBe(0)
    expect(existsSync(join(dir, 'elsewhere', 'new', 'mlops.config.ts'))).toBe(true)
  })

  it('rejects unknown options and --config with exit 2', async () => {
    const unknown = await mlops(dir, 'init', '--frce')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--frce')
    const config = await mlops(dir, 'init', '--config', 'x.ts')
    expect(config.code).toBe(2)
    expect(config.stderr).toContain('--dir')
    expect(existsSync(join(dir, 'mlops.config.ts'))).toBe(false)
  })
})

describe('the config init writes', () => {
  beforeEach(async () => {
    // The written config imports @mlops/core; a symlinked node_modules stands in for `npm install`.
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
    expect((await mlops(dir, 'init')).code).toBe(0)
  })

  it('loads, plans with the documented params, and validates --param values', async () => {
    const config = await loadConfig({ cwd: dir })
    expect([...config.pipelines.keys()]).toEqual(['train'])
    const plan = planRun(config, 'train')
    expect(plan.steps.map((s) => s.id)).toEqual(['load', 'split', 'train', 'evaluate'])
    const trainStep = plan.steps.find((s) => s.id === 'train')!
    expect(trainStep.params).toEqual({ lr: 0.1, epochs: 300, l2: 0 })
    // The data file's hash is part of load's params, so the cache follows the file's content.
    expect(plan.steps[0]!.params).toEqual({ csv: { path: 'data/penguins.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } })

    const faster = planRun(config, 'train', parseParamArgs(['lr=0.5']))
    expect(faster.steps.find((s) => s.id === 'train')!.params).toMatchObject({ lr: 0.5 })
    let error: unknown
    try {
      planRun(config, 'train', parseParamArgs(['lr=-1']))
    } catch (e) {
      error = e
    }
    expect(isMlopsError(error) && error.code).toBe('MLOPS_PARAM_INVALID')
    expect((error as Error).message).toContain('pipelines.train.steps[2].params.lr')
  })

  it('type-checks under strict NodeNext settings, as an editor would check it', async () => {
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n')
    const options = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, verbatimModuleSyntax: true, noEmit: true, skipLibCheck: true, types: ['node'] }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, include: ['mlops.config.ts'] }))
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    )
    expect(result).toBe('')
  })

  it('runs each step to a working model', async () => {
    const config = await loadConfig({ cwd: dir })
    const plan = planRun(config, 'train')
    const logged: Record<string, number> = {}
    const run = (id: string, inputs: Record<string, unknown>) => {
      const s = plan.steps.find((p) => p.id === id)!
      return s.step.config.run({
        params: s.params as never,
        inputs: inputs as never,
        signal: new AbortController().signal,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        runId: 'test',
        stepId: id,
        attempt: 1,
        pool: undefined as never,
        logMetric: (key, value) => void (logged[key] = value),
      }) as Promise<Record<string, unknown>>
    }
    const { rows } = (await run('load', {})) as { rows: unknown[] }
    expect(rows).toHaveLength(342) // two rows lack every measurement
    expect(logged.rows_dropped).toBe(2)
    const parts = (await run('split', { data: rows })) as { train: unknown[]; test: unknown[] }
    expect(parts.train.length + parts.test.length).toBe(342)
    expect(parts.test.length / 342).toBeGreaterThan(0.12)
    expect(parts.test.length / 342).toBeLessThan(0.28)
    const { model } = (await run('train', { train: parts.train })) as { model: unknown }
    expect(logged.train_loss).toBeLessThan(0.2)
    const { metrics } = (await run('evaluate', { model, test: parts.test })) as { metrics: Record<string, number> }
    expect(metrics.accuracy).toBeGreaterThan(0.9)
    expect(metrics.test_rows).toBe(parts.test.length)
  })
})

describe('mlops init, then mlops run (embedded stores)', () => {
  interface RunJson {
    run: { id: string; status: string }
    steps: { stepId: string; status: string; cacheKey: string }[]
    metrics: { stepId: string; key: string; value: number }[]
    cacheHits: number
  }
  const runJson = async (...args: string[]) => {
    const r = await mlops(dir, 'run', 'train', '--json', ...args)
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as RunJson
  }
  const byStep = (r: RunJson) => Object.fromEntries(r.steps.map((s) => [s.stepId, s]))

  it('runs train, reuses every step on a second run, and re-runs only train and evaluate for another lr', async () => {
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
    expect((await mlops(dir, 'init')).code).toBe(0)

    const first = await runJson('--param', 'lr=0.1')
    expect(first.run.status).toBe('succeeded')
    expect(first.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['load', 'succeeded'],
      ['split', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
    ])
    const accuracy = first.metrics.find((m) => m.key === 'accuracy')!.value
    expect(accuracy).toBeGreaterThan(0.9)
    expect(existsSync(join(dir, '.mlops'))).toBe(true)

    const second = await runJson('--param', 'lr=0.1')
    expect(second.cacheHits).toBe(4)
    expect(second.steps.every((s) => s.status === 'cached')).toBe(true)
    expect(second.metrics.find((m) => m.key === 'accuracy')!.value).toBe(accuracy)

    const faster = await runJson('--param', 'lr=0.5')
    const [a, b] = [byStep(first), byStep(faster)]
    expect(b.load!.status).toBe('cached')
    expect(b.split!.status).toBe('cached')
    expect(b.train!.status).toBe('succeeded')
    expect(b.train!.cacheKey).not.toBe(a.train!.cacheKey)
    expect(b.load!.cacheKey).toBe(a.load!.cacheKey)

    // Editing the data changes load's cache key (its params carry the file's sha256).
    const csv = join(dir, 'data', 'penguins.csv')
    const text = await readFile(csv, 'utf8')
    await writeFile(csv, text.replace('Adelie,Torgersen,39.1,', 'Adelie,Torgersen,39.2,'))
    const edited = await runJson('--param', 'lr=0.5')
    expect(byStep(edited).load!.status).toBe('succeeded')
    expect(byStep(edited).load!.cacheKey).not.toBe(b.load!.cacheKey)

    const listed = await mlops(dir, 'runs', 'ls')
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(first.run.id.slice(0, 8))
  })
})

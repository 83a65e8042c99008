/**
 * `mlops drift` end to end through the CLI entry (`main`): the 15 drift reference cases checked by the
 * reference's own check_drift.py, the 12 stream cases by check_stream.py, profiles equal to raw files, and
 * every bad input answered with exit code 2 and a message naming what and where.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandIo } from '../src/command.js'
import { main } from '../src/main.js'

const run = promisify(execFile)
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const shared = process.env.MLOPS_SHARED_DIR ?? resolve(repoRoot, '../shared')
const statsRef = join(shared, 'stats-reference')
const streamRef = join(shared, 'stream-reference')
const haveShared = existsSync(join(statsRef, 'check_drift.py'))
if (!haveShared && process.env.CI === 'true') throw new Error(`drift reference cases not found at ${statsRef} (set MLOPS_SHARED_DIR)`)

const caseDirs = (root: string) =>
  existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^\d\d_/.test(d.name))
        .map((d) => d.name)
        .sort()
    : []

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

async function cli(argv: string[], cwd = repoRoot): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const io: CommandIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: { NO_COLOR: '1' },
    isInteractive: false,
    useColor: false,
    signal: new AbortController().signal,
  }
  const code = await main(['drift', ...argv], io)
  return { code, stdout, stderr }
}

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const r = await cli([...argv, '--json'])
  if (r.code !== 0) throw new Error(`mlops drift ${argv.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** Runs fn over items, at most `limit` at a time (2 cores are shared with the rest of the suite). */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item)
    }),
  )
}

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mlops-drift-cli-'))
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

describe.skipIf(!haveShared)('mlops drift on the stats reference cases', () => {
  const cases = caseDirs(statsRef)

  it('finds all 15 cases', () => {
    expect(cases.length).toBe(15)
  })

  it('matches check_drift.py on every case with --tests all, and a profile gives identical results', { timeout: 240_000 }, async () => {
    const failures: string[] = []
    await eachLimited(cases, 2, async (name) => {
      const dir = join(statsRef, name)
      const raw = await json(['--reference', join(dir, 'reference.csv'), '--current', join(dir, 'current.csv'), '--tests', 'all'])
      const actual = join(tmp, `${name}.json`)
      await writeFile(actual, JSON.stringify(raw))
      try {
        await run('python3', [join(statsRef, 'check_drift.py'), dir, actual, '--quiet'])
      } catch (error) {
        failures.push(`${name}:\n${(error as { stdout?: string }).stdout ?? String(error)}`)
      }
      // the profile path: same numbers, same verdicts
      const profile = join(tmp, `${name}.mlprofile`)
      const built = await cli(['profile', join(dir, 'reference.csv'), '-o', profile])
      expect(built.code, built.stderr).toBe(0)
      const viaProfile = await json(['--reference', profile, '--current', join(dir, 'current.csv'), '--tests', 'all'])
      expect(viaProfile['columns'], `${name}: profile vs raw`).toEqual(raw['columns'])
      expect(viaProfile['dataset']).toEqual(raw['dataset'])
    })
    expect(failures.join('\n')).toBe('')
  })

  it('reports each column automatic test and the dataset verdict without --tests', async () => {
    const dir = join(statsRef, '02_mean_shift')
    const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as {
      columns: { name: string; autoTest: string }[]
      dataset: { datasetDrift: boolean; numberOfDriftedColumns: number }
    }
    const out = (await json(['--reference', join(dir, 'reference.csv'), '--current', join(dir, 'current.csv')])) as {
      columns: { name: string; autoTest: string; tests: { test: string }[] }[]
      dataset: { datasetDrift: boolean; numberOfDriftedColumns: number }
    }
    expect(out.columns.map((c) => [c.name, c.autoTest, c.tests.map((t) => t.test)])).toEqual(
      expected.columns.map((c) => [c.name, c.autoTest, [c.autoTest]]),
    )
    expect(out.dataset.datasetDrift).toBe(expected.dataset.datasetDrift)
    expect(out.dataset.numberOfDriftedColumns).toBe(expected.dataset.numberOfDriftedColumns)
  })

  it('exits 1 on dataset drift with --fail-on-drift, 0 without it or without drift', async () => {
    const drifting = join(statsRef, '02_mean_shift')
    const calm = join(statsRef, '01_no_drift')
    const args = (d: string) => ['--reference', join(d, 'reference.csv'), '--current', join(d, 'current.csv')]
    expect((await cli([...args(drifting), '--fail-on-drift'])).code).toBe(1)
    expect((await cli(args(drifting))).code).toBe(0)
    expect((await cli([...args(calm), '--fail-on-drift'])).code).toBe(0)
  })

  it('prints a table, Markdown, and writes a self-contained HTML report', async () => {
    const dir = join(statsRef, '12_categorical')
    const args = ['--reference', join(dir, 'reference.csv'), '--current', join(dir, 'current.csv')]
    const table = await cli(args)
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^column\s+type\s+test\s+score\s+threshold\s+drift/m)
    expect(table.stdout).toMatch(/cat_new_in_cur\s+categorical\s+chisquare/)
    expect(table.stdout).toMatch(/DATASET DRIFT: 4 of 6 columns drifted/)
    const md = await cli([...args, '--format', 'markdown'])
    expect(md.stdout).toContain('| column | type | test | score | threshold | drift |')
    expect(md.stdout).toContain('Dataset drift')
    const html = join(tmp, 'report.html')
    const withHtml = await cli([...args, '--html', html, '--tests', 'all'])
    expect(withHtml.code).toBe(0)
    const page = await readFile(html, 'utf8')
    expect(page.startsWith('<!doctype html>')).toBe(true)
    expect(page.match(/<svg /g)?.length).toBe(6)
    expect(page).toContain('cat_30_shift')
    expect(page).not.toMatch(/<script|<link|src=|href=|url\(/)
  })

  it('changes verdicts with --correction (Bonferroni and Benjamini-Hochberg) and keeps raw p-values', async () => {
    const dir = join(statsRef, '07_tiny_n40')
    const args = ['--reference', join(dir, 'reference.csv'), '--current', join(dir, 'current.csv')]
    type Out = { columns: { name: string; drift: boolean; driftTest: string; tests: { test: string; pValue: number | null; pValueAdjusted?: number; threshold: number }[] }[] }
    const plain = (await json(args)) as Out
    const bonf = (await json([...args, '--correction', 'bonferroni'])) as Out
    const bh = (await json([...args, '--correction', 'bh'])) as Out
    const pOf = (o: Out) => o.columns.map((c) => c.tests.find((t) => t.test === c.driftTest)!)
    const m = pOf(plain).filter((t) => t.pValue !== null).length
    pOf(bonf).forEach((t, i) => {
      expect(t.pValue).toBe(pOf(plain)[i]!.pValue)
      if (t.pValue !== null) expect(t.pValueAdjusted).toBeCloseTo(Math.min(1, t.pValue * m), 12)
    })
    // BH adjusted p-values lie between the raw and the Bonferroni ones
    pOf(bh).forEach((t, i) => {
      if (t.pValue === null) return
      expect(t.pValueAdjusted!).toBeGreaterThanOrEqual(t.pValue)
      expect(t.pValueAdjusted!).toBeLessThanOrEqual(pOf(bonf)[i]!.pValueAdjusted! + 1e-15)
    })
    const drifted = (o: Out) => o.columns.filter((c) => c.drift).length
    expect(drifted(bonf)).toBeLessThanOrEqual(drifted(bh))
    expect(drifted(bh)).toBeLessThanOrEqual(drifted(plain))
  })
})

describe.skipIf(!haveShared)('mlops drift stream on the River reference cases', () => {
  const cases = caseDirs(streamRef)

  it('matches check_stream.py on all 12 streams', { timeout: 120_000 }, async () => {
    expect(cases.length).toBe(12)
    const failures: string[] = []
    await eachLimited(cases, 2, async (name) => {
      const dir = join(streamRef, name)
      const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as { skippedDetectors: string[] }
      const detectors = ['adwin', 'ddm', 'eddm', 'page_hinkley', 'kswin'].filter((d) => !expected.skippedDetectors.includes(d))
      const out = await json(['stream', '--input', join(dir, 'stream.csv'), '--column', 'x', '--detectors', detectors.join(',')])
      const actual = join(tmp, `stream-${name}.json`)
      await writeFile(actual, JSON.stringify(out))
      try {
        await run('python3', [join(streamRef, 'check_stream.py'), dir, actual, '--quiet'])
      } catch (error) {
        failures.push(`${name}:\n${(error as { stdout?: string }).stdout ?? String(error)}`)
      }
    })
    expect(failures.join('\n')).toBe('')
  })
})

describe('mlops drift bad input: exit 2 with what and where', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlops-drift-bad-'))
    await writeFile(join(dir, 'ref.csv'), 'a,b,city\n1,2,x\n2,3,y\n3,4,x\n4,5,z\n5,6,y\n6,7,x\n')
    await writeFile(join(dir, 'cur.csv'), 'a,b,city\n2,2,x\n3,3,x\n4,4,y\n5,5,z\n6,6,x\n7,7,y\n')
    await writeFile(join(dir, 'other.csv'), 'p,q\n1,2\n')
    await writeFile(join(dir, 'ragged.csv'), 'a,b,city\n1,2,x\n3\n')
    await writeFile(join(dir, 'cats.csv'), 'city\nx\ny\n')
    await writeFile(join(dir, 'bad.jsonl'), '{"a": 1}\n{"a": \n')
    await writeFile(join(dir, 'fake.mlprofile'), 'MLPROFIL\u0001\u0000\u0000\u0000\u00ff\u00ff\u0000\u0000{')
    await writeFile(join(dir, 'stream.csv'), 'x\n0\n1\n0.5\n')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const cases: [string, (d: string) => string[], RegExp][] = [
    ['a missing reference file', (d) => ['--reference', join(d, 'nope.csv'), '--current', join(d, 'cur.csv')], /nope\.csv: no such file/],
    ['a missing current file', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'gone.parquet')], /gone\.parquet: no such file/],
    ['unparsable CSV (ragged row)', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'ragged.csv')], /ragged\.csv:3: line 3 has 1 field; the header has 3/],
    ['unparsable JSON Lines', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'bad.jsonl')], /bad\.jsonl:2: line 2 is not valid JSON/],
    ['a corrupt profile', (d) => ['--reference', join(d, 'fake.mlprofile'), '--current', join(d, 'cur.csv')], /fake\.mlprofile: the profile (is truncated|header is not valid JSON)/],
    ['a profile as the current data', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'fake.mlprofile')], /fake\.mlprofile: is a reference profile; profiles stand for reference data only/],
    ['no common columns', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'other.csv')], /no common columns: the reference has "a", "b", "city"; the current data has "p", "q"/],
    ['an unknown column', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--columns', 'a,zz'], /--columns: column "zz" is not in the reference .*ref\.csv nor the current .*cur\.csv/],
    ['an unknown test id', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--tests', 'ks,kolmogorov'], /--tests: unknown test "kolmogorov"; known tests: .*ks/],
    ['a test that applies to no column type', (d) => ['--reference', join(d, 'cats.csv'), '--current', join(d, 'cats.csv'), '--tests', 'ks'], /--tests: test "ks" does not apply to categorical columns/],
    ['a column no listed test applies to', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--tests', 'wasserstein'], /none of "wasserstein" applies to categorical column "city"/],
    ['an unknown threshold test', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--threshold', 'nope=0.1'], /--threshold: unknown test "nope"/],
    ['a malformed threshold', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--threshold', 'psi'], /--threshold takes id=value/],
    ['a drift share out of range', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--drift-share', '1.5'], /--drift-share: must be between 0 and 1/],
    ['an unknown option', (d) => ['--reference', join(d, 'ref.csv'), '--current', join(d, 'cur.csv'), '--colums', 'a'], /Unknown option '--colums'/],
    ['a missing --current', (d) => ['--reference', join(d, 'ref.csv')], /--current PATH is required/],
    ['an unknown stream detector', (d) => ['stream', '--input', join(d, 'stream.csv'), '--detectors', 'adwin,cusum'], /--detectors: unknown detector "cusum"/],
    ['non-binary data for ddm', (d) => ['stream', '--input', join(d, 'stream.csv'), '--detectors', 'ddm'], /stream\.csv: column "x": .*0\.5/],
    ['a profile without -o', (d) => ['profile', join(d, 'ref.csv')], /profile needs -o/],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await cli(args(dir))
      expect(r.code, `${r.stdout}${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(message)
    })
  }

  it('gives the error as JSON with --json', async () => {
    const r = await cli(['--reference', join(dir, 'nope.csv'), '--current', join(dir, 'cur.csv'), '--json'])
    expect(r.code).toBe(2)
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } }
    expect(doc.error.code).toBe('MLOPS_INPUT_INVALID')
    expect(doc.error.message).toContain('nope.csv')
  })
})

import { writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parseCommandArgs, usageError as sharedUsageError } from '../args.js'
import { createWorkerPool, errors, mlopsError, type WorkerPool } from '@mlops/core'
import type { CommandIo, CommandModule, CommandResult, GlobalOptions } from '../command.js'

const usage = `Usage:
  mlops drift --reference REF --current CUR [options]
  mlops drift profile REF -o REF.mlprofile
  mlops drift stream --input FILE [--column NAME] --detectors adwin,ddm,eddm,page_hinkley,kswin

Compares current data with reference data column by column (Evidently's stattests, scipy's numbers).
REF and CUR are CSV, JSON Lines (.jsonl) or Parquet (.parquet) files; REF may be a reference profile.

Options:
  --reference PATH        reference data, or a profile written by \`mlops drift profile\`
  --current PATH          current data
  --columns a,b           only these columns (default: every column both files have)
  --tests auto|all|ks,psi tests to run: each column's automatic test (default), every test for its
                          type, or these ids (each must apply to some column, every column needs one;
                          the first listed test that applies decides a column's verdict)
  --threshold id=value    replace a test's default threshold (repeatable, or comma-separated)
  --drift-share 0.5       dataset drift when at least this share of columns drifts
  --correction none|bonferroni|bh
                          multiple-testing correction of the verdict tests' p-values across columns
  --format table|markdown human output format (markdown suits PR comments)
  --html PATH             also write a self-contained HTML report with a histogram per column
  --fail-on-drift         exit 1 when the dataset drifts
  --threads N             worker threads for large inputs (default: number of cores)
  --json                  print the report as one JSON document

Profile: mlops drift profile REF -o OUT keeps what the tests need (sorted values, category codes);
--reference OUT then gives the same results as REF without re-reading it.

Stream: runs River-compatible concept-drift detectors over one column in row order and prints the
0-based index of each element whose update flagged a change.

Exit codes: 0 no dataset drift (or no --fail-on-drift), 1 dataset drift with --fail-on-drift,
2 bad input (missing file, unparsable data, no common columns, unknown or inapplicable test).`

const usageError = (reason: string) => sharedUsageError('drift', reason)

function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function parseNumber(flag: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) throw usageError(`${flag} needs a number, got "${text}"`)
  return value
}

function makePool(threads: string | undefined): WorkerPool {
  const maxThreads = threads === undefined ? availableParallelism() : parseNumber('--threads', threads)
  if (!Number.isInteger(maxThreads) || maxThreads < 1) throw usageError(`--threads needs a positive integer, got "${threads}"`)
  return createWorkerPool({ maxThreads })
}

async function compare(argv: string[], io: CommandIo, globals: GlobalOptions): Promise<CommandResult> {
  const { values, positionals } = parseCommandArgs('drift', {
    args: argv,
    options: {
      reference: { type: 'string' },
      current: { type: 'string' },
      columns: { type: 'string' },
      tests: { type: 'string' },
      threshold: { type: 'string', multiple: true },
      'drift-share': { type: 'string' },
      correction: { type: 'string' },
      format: { type: 'string' },
      html: { type: 'string' },
      'fail-on-drift': { type: 'boolean' },
      threads: { type: 'string' },
    },
  })
  if (positionals.length) throw usageError(`unexpected argument "${positionals[0]}"`)
  if (values.reference === undefined) throw usageError('--reference PATH is required (a data file or a .mlprofile)')
  if (values.current === undefined) throw usageError('--current PATH is required')
  const format = values.format ?? 'table'
  if (format !== 'table' && format !== 'markdown') throw usageError(`--format must be table or markdown, got "${format}"`)
  const correction = values.correction ?? 'none'
  if (correction !== 'none' && correction !== 'bonferroni' && correction !== 'bh') {
    throw usageError(`--correction must be none, bonferroni or bh, got "${correction}"`)
  }
  let tests: 'auto' | 'all' | string[] = 'auto'
  if (values.tests !== undefined) {
    const list = splitList(values.tests) ?? []
    if (list.length === 1 && (list[0] === 'all' || list[0] === 'auto')) tests = list[0]
    else if (list.length === 0) throw usageError('--tests needs "all", "auto" or a comma-separated list of test ids')
    else tests = list
  }
  const thresholds: Record<string, number> = {}
  for (const item of (values.threshold ?? []).flatMap((v) => splitList(v) ?? [])) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw usageError(`--threshold takes id=value (for example psi=0.2), got "${item}"`)
    thresholds[item.slice(0, eq).trim()] = parseNumber(`--threshold ${item.slice(0, eq)}`, item.slice(eq + 1))
  }
  const driftShare = values['drift-share'] === undefined ? undefined : parseNumber('--drift-share', values['drift-share'])
  const columns = splitList(values.columns)

  const drift = await import('@mlops/drift')
  const pool = makePool(values.threads)
  try {
    const { reference, current } = await drift.loadDriftInputs(resolve(io.cwd, values.reference), resolve(io.cwd, values.current), {
      signal: io.signal,
      pool,
      ...(columns ? { columns } : {}),
    })
    const report = await drift.computeDriftReport(reference, current, {
      tests,
      thresholds,
      correction,
      signal: io.signal,
      pool,
      transferInputs: true,
      ...(columns ? { columns } : {}),
      ...(driftShare !== undefined ? { driftShare } : {}),
    })
    // show the paths as the user typed them
    report.reference.source = values.reference
    report.current.source = values.current
    if (values.html !== undefined) {
      const target = resolve(io.cwd, values.html)
      try {
        await writeFile(target, drift.renderDriftHtml(report))
      } catch (error) {
        throw mlopsError(errors.InputInvalid, [values.html, `the HTML report cannot be written: ${(error as Error).message}`], { cause: error })
      }
      if (!globals.json) io.stderr.write(`wrote ${values.html}\n`)
    }
    const allTests = tests !== 'auto'
    const human = format === 'markdown' ? drift.renderDriftMarkdown(report) : drift.renderDriftTable(report, { color: io.useColor, allTests })
    const data = drift.driftReportToJson(report) as Record<string, unknown>
    if (values.html !== undefined) data['html'] = values.html
    return { exitCode: values['fail-on-drift'] && report.dataset.datasetDrift ? 1 : 0, data, human }
  } finally {
    await pool.close()
  }
}

async function profile(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseCommandArgs('drift', { args: argv, options: { output: { type: 'string', short: 'o' }, threads: { type: 'string' } } })
  if (positionals.length !== 1) throw usageError('profile takes one data file: mlops drift profile REF.csv -o REF.mlprofile')
  if (values.output === undefined) throw usageError('profile needs -o FILE.mlprofile')
  const input = positionals[0]!
  const drift = await import('@mlops/drift')
  const pool = makePool(values.threads)
  try {
    const path = resolve(io.cwd, input)
    const table = await drift.loadTable(path, { signal: io.signal, pool })
    table.source = input
    const built = await drift.buildProfile(table, { signal: io.signal, pool })
    let saved: { bytes: number; sha256: string }
    try {
      saved = await drift.saveProfile(resolve(io.cwd, values.output), built)
    } catch (error) {
      throw mlopsError(errors.InputInvalid, [values.output, `the profile cannot be written: ${(error as Error).message}`], { cause: error })
    }
    const { sha256 } = saved
    const data = {
      profile: values.output,
      source: input,
      rows: built.rowCount,
      columns: built.columns.map((c) => ({ name: c.name, type: c.kind, values: c.kind === 'numeric' ? c.sorted.length : c.codes.length, missing: c.missing })),
      bytes: saved.bytes,
      sha256,
    }
    const human = `wrote ${values.output}: ${built.columns.length} columns, ${built.rowCount} rows, ${(saved.bytes / 1e6).toFixed(1)} MB (sha256 ${sha256.slice(0, 12)})\n`
    return { exitCode: 0, data, human }
  } finally {
    await pool.close()
  }
}

async function stream(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseCommandArgs('drift', { args: argv, options: { input: { type: 'string' }, column: { type: 'string' }, detectors: { type: 'string' } } })
  if (positionals.length) throw usageError(`unexpected argument "${positionals[0]}"`)
  if (values.input === undefined) throw usageError('stream needs --input FILE')
  const detectors = splitList(values.detectors ?? 'adwin,ddm,eddm,page_hinkley,kswin') ?? []
  const drift = await import('@mlops/drift')
  const table = await drift.loadTable(resolve(io.cwd, values.input), { signal: io.signal })
  table.source = values.input
  const result = await drift.runStreamDetection(table, {
    detectors,
    signal: io.signal,
    ...(values.column !== undefined ? { column: values.column } : {}),
  })
  const width = Math.max(...result.detectors.map((d) => d.detector.length))
  const lines = result.detectors.map((d) => {
    const shown = d.detections.slice(0, 10).join(', ')
    const more = d.detections.length > 10 ? `, … (${d.detections.length - 10} more)` : ''
    return `${d.detector.padEnd(width)}  ${String(d.detections.length).padStart(4)} change${d.detections.length === 1 ? ' ' : 's'}${d.detections.length ? ` at ${shown}${more}` : ''}`
  })
  const human = `${result.source} column "${result.column}" (${result.length} values)\n${lines.join('\n')}\n`
  return { exitCode: 0, data: result, human }
}

const command: CommandModule = {
  summary: 'Compare reference and current data: mlops drift --reference A --current B',
  usage,
  async run(argv, io, globals) {
    const [first, ...rest] = argv
    if (first === 'profile') return profile(rest, io)
    if (first === 'stream') return stream(rest, io)
    return compare(argv, io, globals)
  },
}

export default command

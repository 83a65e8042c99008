// commandTrainStep in a real project, through the real `mlops` bin: inputs written to files, metrics
// recorded, the model stored, caching by the script's bytes, failures and Ctrl-C.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { processAlive } from '../src/internal/process-group.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'mlops.js')

const CONFIG = `
import { artifact, defineConfig, pipeline, step, z } from '@mlops/core'
import { commandTrainStep } from '@mlops/trainer-command'

const rows = step({
  name: 'rows',
  outputs: { rows: artifact.dataset() },
  run: () => ({ rows: [{ x: 1, y: 2 }, { x: 3, y: null }] }),
})

const train = commandTrainStep({
  name: 'train',
  command: ['sh', 'train.sh'],
  cwd: new URL('.', import.meta.url),
  files: ['lib.sh'],
  inputs: { rows: artifact.dataset() },
  params: z.object({ lr: z.number().default(0.1), tag: z.string().default('a b'), mode: z.enum(['ok', 'fail', 'hang']).default('ok') }),
  killGraceMs: 500,
})

export default defineConfig({
  pipelines: {
    train: pipeline({
      steps() {
        const { rows: data } = rows()
        train({ rows: data })
      },
    }),
  },
})
`

const TRAIN_SH = `. ./lib.sh
case "$MLOPS_PARAM_MODE" in
  fail) echo "bad learning rate $MLOPS_PARAM_LR" >&2; exit 3 ;;
  hang) sleep 60 & echo "pid $!"; wait ;;
esac
{ echo model; cat "$MLOPS_INPUT_ROWS"; } > "$MLOPS_MODEL_PATH"
say "lr=$MLOPS_PARAM_LR tag=$MLOPS_PARAM_TAG input=$(basename "$MLOPS_INPUT_ROWS")"
printf '{"lr": %s, "bytes": %s}' "$MLOPS_PARAM_LR" "$(wc -c < "$MLOPS_INPUT_ROWS")" > "$MLOPS_METRICS_PATH"
`

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-command-step-'))
  await writeFile(join(dir, 'mlops.config.ts'), CONFIG)
  await writeFile(join(dir, 'train.sh'), TRAIN_SH)
  await writeFile(join(dir, 'lib.sh'), 'say() { echo "$@"; }\n')
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
})
afterAll(() => rm(dir, { recursive: true, force: true }))

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

function start(args: string[]): { done: Promise<CliResult>; child: ReturnType<typeof spawn>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { done, child, stderr: () => stderr }
}

const mlops = (...args: string[]) => start(args).done

interface RunJson {
  run: { id: string; status: string }
  steps: { stepId: string; status: string }[]
  metrics: { stepId: string; key: string; value: number }[]
  artifacts: { stepId: string; name: string; kind: string; size: number }[]
}

async function runJson(...args: string[]): Promise<{ result: CliResult; run: RunJson }> {
  const result = await mlops('run', 'train', ...args, '--json')
  expect(result.code, result.stderr).toBe(0)
  return { result, run: JSON.parse(result.stdout) as RunJson }
}

const statuses = (run: RunJson) => run.steps.map((s) => s.status)
const metric = (run: RunJson, key: string) => run.metrics.find((m) => m.key === key && m.stepId === 'train')?.value

describe('commandTrainStep through `mlops run`', () => {
  it('hands the input over as a file, records metrics and stores the model; then caches by params and file bytes', async () => {
    const { result, run } = await runJson()
    expect(statuses(run)).toEqual(['succeeded', 'succeeded'])
    expect(result.stderr).toContain('[train] lr=0.1 tag=a b input=rows.json')
    const rowsJson = JSON.stringify([{ x: 1, y: 2 }, { x: 3, y: null }])
    expect(metric(run, 'lr')).toBe(0.1)
    expect(metric(run, 'bytes')).toBe(rowsJson.length)
    const model = run.artifacts.find((a) => a.stepId === 'train' && a.name === 'model')
    expect(model).toMatchObject({ kind: 'file', size: 'model\n'.length + rowsJson.length })
    expect(run.artifacts.find((a) => a.stepId === 'train' && a.name === 'metrics')?.kind).toBe('metrics')

    expect(statuses((await runJson()).run)).toEqual(['cached', 'cached'])
    expect(statuses((await runJson('--param', 'lr=0.2')).run)).toEqual(['cached', 'succeeded'])

    // A file named in `files` and the script in `command` are part of the code version.
    await writeFile(join(dir, 'lib.sh'), 'say() { echo "said: $@"; }\n')
    const afterLib = await runJson()
    expect(statuses(afterLib.run)).toEqual(['cached', 'succeeded'])
    expect(afterLib.result.stderr).toContain('[train] said: lr=0.1')
    await writeFile(join(dir, 'train.sh'), `${TRAIN_SH}# edited\n`)
    expect(statuses((await runJson()).run)).toEqual(['cached', 'succeeded'])
    expect(statuses((await runJson()).run)).toEqual(['cached', 'cached'])
  })

  it('a failing script fails the run (exit 1) naming the command and its stderr', async () => {
    const result = await mlops('run', 'train', '--param', 'mode=fail')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('`sh train.sh` exited with code 3')
    expect(result.stderr).toContain('  | bad learning rate 0.1')
    expect(result.stderr).toContain('MLOPS_STEP_FAILED')
  })

  it('Ctrl-C cancels the run and kills the script and the process it started', async () => {
    const cli = start(['run', 'train', '--param', 'mode=hang'])
    const deadline = Date.now() + 20_000
    let pid: number | undefined
    while (pid === undefined && Date.now() < deadline) {
      pid = Number(/\[train\] pid (\d+)/.exec(cli.stderr())?.[1]) || undefined
      await new Promise((r) => setTimeout(r, 25))
    }
    expect(pid, cli.stderr()).toBeGreaterThan(0)
    expect(processAlive(pid!)).toBe(true)
    cli.child.kill('SIGINT')
    const result = await cli.done
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('MLOPS_RUN_CANCELLED')
    expect(processAlive(pid!)).toBe(false)
  })

  it('a missing entry of `files` is a config error naming it', async () => {
    await writeFile(join(dir, 'mlops.config.ts'), CONFIG.replace("files: ['lib.sh']", "files: ['lib.sh', 'missing.py']"))
    try {
      const result = await mlops('run', 'train')
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('commandTrainStep "train": files[1]')
      expect(result.stderr).toContain('missing.py')
    } finally {
      await writeFile(join(dir, 'mlops.config.ts'), CONFIG)
    }
  })
})

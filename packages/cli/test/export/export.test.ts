import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { register } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CronWorkflow, Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1'
import { CronJob } from 'kubernetes-models/batch/v1/CronJob'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import type { CommandIo } from '../../src/command.js'
import { cronProblem } from '../../src/export/cron.js'
import { main } from '../../src/main.js'

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

async function mlops(cwd: string, argv: string[]) {
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
  const code = await main(argv, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

/** GitHub's own workflow parser (what Actions runs), offline. */
async function parseWorkflow(content: string) {
  register(new URL('./json-import-hook.mjs', import.meta.url))
  const { parseWorkflow: parse, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser')
  const result = parse({ name: 'mlops.yml', content }, new NoOperationTraceWriter())
  const errors = result.context.errors.getErrors().map((e) => e.message)
  const template = result.value ? await convertWorkflowTemplate(result.context, result.value) : undefined
  return [...errors, ...(template?.errors ?? []).map((e) => String((e as { Message?: string }).Message ?? e))]
}

let temp: string
/** A project folder per fixture, in a temp tree whose node_modules holds the workspace's packages (as npm install would). */
let shared: string
let embedded: string
/** A project in a subfolder of a git repository whose lockfile is at the repository root. */
let nested: string

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'mlops-export-'))
  await mkdir(join(temp, 'node_modules'))
  for (const name of ['@mlops', 'zod']) await symlink(join(repoRoot, 'node_modules', name), join(temp, 'node_modules', name), 'dir')
  shared = join(temp, 'shared')
  embedded = join(temp, 'embedded')
  await cp(join(fixtures, 'shared-stores'), shared, { recursive: true })
  await cp(join(fixtures, 'embedded'), embedded, { recursive: true })
  const repo = join(temp, 'repo')
  nested = join(repo, 'ml', 'penguins')
  await mkdir(join(repo, '.git'), { recursive: true })
  await writeFile(join(repo, 'package-lock.json'), '{}\n')
  await cp(join(fixtures, 'embedded'), nested, { recursive: true })
})
afterAll(() => rm(temp, { recursive: true, force: true }))

describe('mlops export github-actions', () => {
  it('a valid workflow that runs the pipeline on its trigger schedule and by hand, with the plugins\' secrets', async () => {
    const r = await mlops(shared, ['export', 'github-actions', 'train'])
    expect(r.code, r.stderr).toBe(0)
    expect(await parseWorkflow(r.stdout)).toEqual([])
    const wf = parseYaml(r.stdout)
    expect(wf.on).toEqual({ schedule: [{ cron: '0 2 * * *' }], workflow_dispatch: {} })
    expect(r.stdout).toContain("- cron: '0 2 * * *'")
    expect(wf.permissions).toEqual({ contents: 'read' })
    const job = wf.jobs['run-train']
    expect(job['runs-on']).toBe('ubuntu-latest')
    expect(job.env).toEqual({
      ACME_VAULT_TOKEN: '${{ secrets.ACME_VAULT_TOKEN }}',
      AWS_ACCESS_KEY_ID: '${{ secrets.AWS_ACCESS_KEY_ID }}',
      AWS_SECRET_ACCESS_KEY: '${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      AWS_SESSION_TOKEN: '${{ secrets.AWS_SESSION_TOKEN }}',
      MLOPS_POSTGRES_URL: '${{ secrets.MLOPS_POSTGRES_URL }}',
      MLOPS_REDIS_URL: '${{ secrets.MLOPS_REDIS_URL }}',
    })
    const steps = job.steps as { uses?: string; with?: Record<string, unknown>; run?: string; if?: string }[]
    expect(steps.map((s) => s.uses).filter(Boolean)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4'])
    // No lockfile in this project: setup-node's npm cache would fail, so it is left out.
    expect(steps[1]!.with).toEqual({ 'node-version': '20' })
    expect(steps[2]!.run).toBe('npm install --no-audit --no-fund')
    expect(steps[3]!.run).toContain('npx mlops run train 2>&1 | tee mlops-output.txt')
    expect(steps[3]!.run).toContain('set -o pipefail')
    expect(steps[4]).toMatchObject({ name: 'Job summary', if: 'always()' })
    expect(steps[4]!.run).toContain('>> "$GITHUB_STEP_SUMMARY"')
    expect(r.stdout).toMatch(/^# Written by `mlops export github-actions`: runs `npx mlops run train` on "0 2 \* \* \*" \(UTC\)/)
    expect(r.stdout).toContain('#   MLOPS_POSTGRES_URL  (@mlops/metadata-postgres (urlEnv))')
    // The project's plugin writes its url in the config: no variable for it.
    expect(r.stdout).not.toContain('ACME_VAULT_URL')
    expect(r.stderr).toBe('')
  })

  it('--monitor runs `mlops monitor run NAME` on the monitor\'s schedule; --schedule, --env and --node-version apply', async () => {
    const monitorRun = await mlops(shared, ['export', 'github-actions', '--monitor', 'data-watch'])
    expect(monitorRun.code, monitorRun.stderr).toBe(0)
    expect(await parseWorkflow(monitorRun.stdout)).toEqual([])
    const wf = parseYaml(monitorRun.stdout)
    expect(wf.on.schedule).toEqual([{ cron: '30 6 * * 1-5' }])
    expect(wf.jobs['monitor-data-watch'].steps[3].run).toContain('npx mlops monitor run data-watch 2>&1')

    const custom = await mlops(shared, ['export', 'github-actions', 'backfill', '--schedule', '*/30 1-5 * * 0', '--env', 'SLACK_WEBHOOK', '--env', 'MLOPS_POSTGRES_URL', '--node-version', '22'])
    expect(custom.code, custom.stderr).toBe(0)
    expect(await parseWorkflow(custom.stdout)).toEqual([])
    const c = parseYaml(custom.stdout)
    expect(c.on.schedule).toEqual([{ cron: '*/30 1-5 * * 0' }])
    expect(Object.keys(c.jobs['run-backfill'].env)).toEqual(['ACME_VAULT_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'MLOPS_POSTGRES_URL', 'MLOPS_REDIS_URL', 'SLACK_WEBHOOK'])
    expect(c.jobs['run-backfill'].steps[1].with['node-version']).toBe('22')
  })

  it('with the embedded stores: on demand only (no schedule anywhere), caches .mlops, and says why', async () => {
    const r = await mlops(embedded, ['export', 'github-actions', 'train'])
    expect(r.code, r.stderr).toBe(0)
    expect(await parseWorkflow(r.stdout)).toEqual([])
    const wf = parseYaml(r.stdout)
    expect(wf.on).toEqual({ workflow_dispatch: {} })
    expect(wf.jobs['run-train'].env).toBeUndefined()
    const cache = wf.jobs['run-train'].steps.find((s: { uses?: string }) => s.uses === 'actions/cache@v4')
    expect(cache.with).toEqual({ path: '.mlops', key: 'mlops-${{ runner.os }}-${{ github.run_id }}', 'restore-keys': 'mlops-${{ runner.os }}-' })
    expect(r.stdout).toContain('# The config keeps its metadata (SQLite) and artifacts in .mlops/')
    expect(r.stderr).toContain('note: the config keeps its records in .mlops/ (SQLite)')
  })

  it('a project in a folder of its repository runs there, with the repository\'s lockfile as the npm cache key', async () => {
    const r = await mlops(nested, ['export', 'github-actions', 'train', '--schedule', '0 4 * * *'])
    expect(r.code, r.stderr).toBe(0)
    expect(await parseWorkflow(r.stdout)).toEqual([])
    const job = parseYaml(r.stdout).jobs['run-train']
    expect(job.defaults).toEqual({ run: { 'working-directory': 'ml/penguins' } })
    expect(job.steps[1].with).toEqual({ 'node-version': '20', cache: 'npm' })
    expect(job.steps.find((s: { uses?: string }) => s.uses === 'actions/cache@v4').with.path).toBe('ml/penguins/.mlops')
  })

  it('--config other than mlops.config.ts reaches the command', async () => {
    const r = await mlops(embedded, ['export', 'github-actions', 'train', '--config', 'staging.config.ts', '--json'])
    expect(r.code, r.stdout).toBe(0)
    const data = JSON.parse(r.stdout)
    expect(data.command).toEqual(['npx', 'mlops', 'run', 'train', '--config', 'staging.config.ts'])
    expect(data.yaml).toContain('npx mlops run train --config staging.config.ts 2>&1')
  })

  it('the workflow check can fail: GitHub\'s parser rejects a broken workflow', async () => {
    const r = await mlops(shared, ['export', 'github-actions', 'train'])
    const errors = await parseWorkflow(r.stdout.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'))
    expect(errors.join('\n')).toMatch(/runs-on/)
  })
})

describe('mlops export k8s-cronjob', () => {
  it('a batch/v1 CronJob valid against the Kubernetes schema, secrets by secretKeyRef', async () => {
    const r = await mlops(shared, ['export', 'k8s-cronjob', 'train', '--image', 'ghcr.io/acme/penguins:1', '--namespace', 'ml', '--secret', 'palmer-secrets'])
    expect(r.code, r.stderr).toBe(0)
    const cronJob = parseYaml(r.stdout)
    new CronJob(cronJob).validate()
    expect(r.stdout).not.toMatch(/&a\d|\*a\d/)
    expect(cronJob.metadata).toMatchObject({ name: expect.stringMatching(/^palmer-penguins-train-[0-9a-f]{8}$/), namespace: 'ml' })
    expect(cronJob.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'mlops', 'mlops.dev/pipeline': 'train', 'app.kubernetes.io/part-of': 'Palmer-Penguins' })
    expect(cronJob.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' })
    const pod = cronJob.spec.jobTemplate.spec.template.spec
    expect(pod.restartPolicy).toBe('Never')
    const [container] = pod.containers
    expect(container).toMatchObject({ image: 'ghcr.io/acme/penguins:1', workingDir: '/app', command: ['npx', 'mlops', 'run', 'train'] })
    expect(container.env).toContainEqual({ name: 'MLOPS_POSTGRES_URL', valueFrom: { secretKeyRef: { name: 'palmer-secrets', key: 'MLOPS_POSTGRES_URL', optional: true } } })
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['CI', 'ACME_VAULT_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'MLOPS_POSTGRES_URL', 'MLOPS_REDIS_URL'])
    expect(r.stdout).toContain('# Create it: kubectl create secret generic palmer-secrets -n ml --from-literal=ACME_VAULT_TOKEN=…')
    expect(r.stdout).toContain('# The image ghcr.io/acme/penguins:1 must contain the project in /app')
    expect(r.stderr).toBe('')
  })

  it('the default image is the node image, said plainly in the file and on stderr; a monitor\'s schedule is used', async () => {
    const r = await mlops(shared, ['export', 'k8s-cronjob', '--monitor', 'data-watch', '--node-version', '22'])
    expect(r.code, r.stderr).toBe(0)
    const cronJob = parseYaml(r.stdout)
    new CronJob(cronJob).validate()
    expect(cronJob.spec.schedule).toBe('30 6 * * 1-5')
    expect(cronJob.metadata.labels['mlops.dev/monitor']).toBe('data-watch')
    const [container] = cronJob.spec.jobTemplate.spec.template.spec.containers
    expect(container.image).toBe('node:22-bookworm-slim')
    expect(container.command).toEqual(['npx', 'mlops', 'monitor', 'run', 'data-watch'])
    expect(r.stdout).toContain('node:22-bookworm-slim alone\n# does not: build one')
    expect(r.stderr).toContain('note: --image not given: node:22-bookworm-slim holds no project')
  })

  it('the schema check can fail: a CronJob without a container image field of the right type is rejected', async () => {
    const r = await mlops(shared, ['export', 'k8s-cronjob', 'train'])
    const cronJob = parseYaml(r.stdout)
    cronJob.spec.jobTemplate.spec.template.spec.containers[0].image = ['not', 'a', 'string']
    expect(() => new CronJob(cronJob).validate()).toThrow(/image must be string/)
  })

  it('needs a schedule', async () => {
    const r = await mlops(embedded, ['export', 'k8s-cronjob', 'train'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('a CronJob needs a schedule: pass --schedule "CRON" (pipeline train has none in mlops.config.ts)')
  })
})

describe('mlops export argo', () => {
  it('a CronWorkflow with a schedule, valid against the Argo schema', async () => {
    const r = await mlops(shared, ['export', 'argo', 'train', '--image', 'ghcr.io/acme/penguins:1'])
    expect(r.code, r.stderr).toBe(0)
    const cwf = parseYaml(r.stdout)
    expect(cwf.kind).toBe('CronWorkflow')
    new CronWorkflow(cwf).validate()
    expect(cwf.spec).toMatchObject({ schedules: ['0 2 * * *'], timezone: 'UTC', concurrencyPolicy: 'Forbid' })
    expect(cwf.spec.workflowSpec.entrypoint).toBe('mlops')
    const { container } = cwf.spec.workflowSpec.templates[0]
    expect(container).toMatchObject({ name: 'main', image: 'ghcr.io/acme/penguins:1', command: ['npx', 'mlops', 'run', 'train'] })
    expect(container.env).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'mlops-credentials', key: 'AWS_SECRET_ACCESS_KEY', optional: true } } })
    expect(r.stdout).toContain('# Apply: argo cron create THIS_FILE')
  })

  it('a Workflow to submit on demand without a schedule', async () => {
    const r = await mlops(embedded, ['export', 'argo', 'train', '--image', 'registry.local/p:2', '--namespace', 'argo'])
    expect(r.code, r.stderr).toBe(0)
    const wf = parseYaml(r.stdout)
    expect(wf.kind).toBe('Workflow')
    new Workflow(wf).validate()
    expect(wf.metadata).toMatchObject({ generateName: 'embedded-train-', namespace: 'argo' })
    expect(wf.spec.templates[0].container.env).toEqual([{ name: 'CI', value: 'true' }])
  })

  it('the schema check can fail: Argo\'s cron pattern rejects a bad schedule', async () => {
    const cwf = parseYaml((await mlops(shared, ['export', 'argo', 'train'])).stdout)
    cwf.spec.schedules = ['every day']
    expect(() => new CronWorkflow(cwf).validate()).toThrow(/schedules\/0 must match pattern/)
  })
})

describe('mlops export --out', () => {
  it('writes the file once, refuses to overwrite it without --force, and says what it wrote', async () => {
    const out = join(temp, 'out', '.github', 'workflows', 'train.yml')
    const first = await mlops(shared, ['export', 'github-actions', 'train', '--out', out])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^wrote .*train\.yml: a GitHub Actions workflow that runs `npx mlops run train` on "0 2 \* \* \*" \(UTC\)\nsecrets it reads: ACME_VAULT_TOKEN, AWS_ACCESS_KEY_ID/)
    const written = await readFile(out, 'utf8')
    expect(await parseWorkflow(written)).toEqual([])
    await writeFile(out, 'kept\n')
    const again = await mlops(shared, ['export', 'github-actions', 'train', '--out', out])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('exists; pass --force to overwrite it')
    expect(await readFile(out, 'utf8')).toBe('kept\n')
    const forced = await mlops(shared, ['export', 'k8s-cronjob', 'train', '--out', out, '--force', '--json'])
    expect(forced.code, forced.stdout).toBe(0)
    const data = JSON.parse(forced.stdout)
    expect(data).toMatchObject({ format: 'k8s-cronjob', kind: 'CronJob', file: out, schedule: '0 2 * * *', target: { kind: 'pipeline', name: 'train' } })
    expect(await readFile(out, 'utf8')).toBe(data.yaml)
  })
})

describe('mlops export: bad input exits 2 with what, where and how to fix', () => {
  it.each([
    ['no format', [], /name a format: github-actions, k8s-cronjob, argo/],
    ['an unknown format', ['gitlab-ci', 'train'], /unknown format "gitlab-ci" \(formats: github-actions, k8s-cronjob, argo\)/],
    ['nothing to run', ['argo'], /name what to run: a PIPELINE, or --monitor NAME/],
    ['a pipeline and a monitor', ['argo', 'train', '--monitor', 'data-watch'], /not both/],
    ['an unknown pipeline', ['argo', 'tran'], /There is no pipeline "tran" in the config. Known pipelines: train, backfill/],
    ['an unknown monitor', ['argo', '--monitor', 'nope'], /no monitor "nope". Monitors: data-watch/],
    ['minute 61', ['github-actions', 'train', '--schedule', '61 3 * * *'], /--schedule "61 3 \* \* \*" is not a valid cron expression: Invalid value for minute: 61/],
    ['six fields', ['github-actions', 'train', '--schedule', '0 0 3 * * *'], /needs five fields .* got 6/],
    ['day names', ['github-actions', 'train', '--schedule', '0 3 * * MON'], /field "MON" may only use digits/],
    ['a date that never comes', ['argo', 'train', '--schedule', '0 0 31 2 *'], /never matches a date/],
    ['a bad --env name', ['github-actions', 'train', '--env', 'my-token'], /--env must name an environment variable/],
    ['--image for GitHub Actions', ['github-actions', 'train', '--image', 'x'], /--image is for k8s-cronjob and argo/],
    ['a bad namespace', ['argo', 'train', '--namespace', 'ML_Prod'], /--namespace must be a Kubernetes name/],
    ['--force without --out', ['argo', 'train', '--force'], /--force only goes with --out FILE/],
    ['an unknown flag', ['argo', 'train', '--shedule', '0 1 * * *'], /mlops export: Unknown option '--shedule'/],
  ])('%s', async (_label, args, message) => {
    const r = await mlops(shared, ['export', ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
  })

  it('a broken schedule in the config is named, with the way out', async () => {
    const r = await mlops(embedded, ['export', 'github-actions', '--monitor', 'bad-cron'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('the schedule "0 25 * * *" of monitor bad-cron in mlops.config.ts cannot be exported: Invalid value for hour: 25. Pass --schedule')
    const fixed = await mlops(embedded, ['export', 'github-actions', '--monitor', 'bad-cron', '--schedule', '0 23 * * *'])
    expect(fixed.code, fixed.stderr).toBe(0)
  })

  it('is listed in mlops --help', async () => {
    const r = await mlops(shared, ['--help'])
    expect(r.stdout).toMatch(/\n {2}export +Write a GitHub Actions workflow, Kubernetes CronJob or Argo workflow/)
  })
})

describe('cronProblem', () => {
  it('accepts what all three schedulers run', () => {
    for (const ok of ['0 3 * * *', '*/15 * * * *', '0 9-17/2 * * 1-5', '5,35 0 1 */3 *']) expect(cronProblem(ok), ok).toBeUndefined()
  })
})

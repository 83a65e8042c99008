import { describeRun, storeNotes, type ExportPlan } from './plan.js'
import { quoted, yamlDocument } from './yaml.js'

/** A GitHub Actions job id: letters, digits, - and _, starting with a letter or _. */
function jobId(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z_]+/, '')
  return id || 'mlops'
}

/**
 * A workflow that runs the pipeline (or monitor) with the project's own `npx mlops` on GitHub's runners:
 * on the cron schedule and by hand (workflow_dispatch). Its output goes to the log and the job summary.
 */
export function renderGithubActions(plan: ExportPlan): { text: string; value: Record<string, unknown> } {
  const what = plan.target.kind === 'pipeline' ? `run ${plan.target.name}` : `monitor ${plan.target.name}`
  const commandLine = plan.command.join(' ')
  // The project may sit in a folder of the repository: run there (`defaults.run.working-directory`).
  const sub = plan.repoSubdir
  const on: Record<string, unknown> = {}
  if (plan.schedule) on.schedule = [{ cron: quoted(plan.schedule) }]
  on.workflow_dispatch = {}
  const steps: Record<string, unknown>[] = [
    { uses: 'actions/checkout@v4' },
    {
      uses: 'actions/setup-node@v4',
      // setup-node's npm cache is keyed on the lockfile and fails without one: no lockfile, no cache.
      with: {
        'node-version': plan.nodeVersion,
        ...(plan.lockfile ? { cache: 'npm', ...(plan.lockfile !== 'package-lock.json' ? { 'cache-dependency-path': plan.lockfile } : {}) } : {}),
      },
    },
    { name: 'Install dependencies', run: 'npm install --no-audit --no-fund' },
  ]
  if (plan.embeddedStores.metadata || plan.embeddedStores.storage) {
    steps.push({
      name: 'Restore .mlops',
      uses: 'actions/cache@v4',
      with: { path: `${sub ? `${sub}/` : ''}.mlops`, key: 'mlops-${{ runner.os }}-${{ github.run_id }}', 'restore-keys': 'mlops-${{ runner.os }}-' },
    })
  }
  steps.push(
    {
      name: `mlops ${what}`,
      shell: 'bash',
      // stdout and stderr both go to the log and to mlops-output.txt (for the summary); pipefail keeps mlops' exit code.
      run: `set -o pipefail\n${commandLine} 2>&1 | tee mlops-output.txt\n`,
    },
    {
      name: 'Job summary',
      if: 'always()',
      shell: 'bash',
      run: `if [ -f mlops-output.txt ]; then\n  { echo "### mlops ${what}"; echo; echo '\`\`\`text'; cat mlops-output.txt; echo '\`\`\`'; } >> "$GITHUB_STEP_SUMMARY"\nfi\n`,
    },
  )
  const job: Record<string, unknown> = { name: `mlops ${what}`, 'runs-on': 'ubuntu-latest' }
  if (sub) job.defaults = { run: { 'working-directory': sub } }
  if (plan.secrets.length) job.env = Object.fromEntries(plan.secrets.map((s) => [s.name, `\${{ secrets.${s.name} }}`]))
  job.steps = steps
  const value = {
    name: `mlops ${what}`,
    on,
    permissions: { contents: 'read' },
    // One run at a time: a scheduled run that overlaps the previous one waits instead of racing it.
    concurrency: { group: `mlops-${plan.target.kind}-${plan.target.name}`, 'cancel-in-progress': false },
    jobs: { [jobId(`${plan.target.kind === 'pipeline' ? 'run' : 'monitor'}-${plan.target.name}`)]: job },
  }
  const header = [
    `Written by \`mlops export github-actions\`: runs ${describeRun(plan)} with the project's own mlops CLI,`,
    'and by hand from the Actions tab (workflow_dispatch). Save it as .github/workflows/<name>.yml.',
    ...(plan.secrets.length
      ? ['Repository secrets it reads (set each with `gh secret set NAME`; an unset one reads as empty):', ...plan.secrets.map((s) => `  ${s.name}  (${s.source})`)]
      : []),
    ...storeNotes(plan, 'the workflow caches .mlops between runs (actions/cache), a speed-up and not a record; runners are discarded.'),
  ]
  return { text: yamlDocument(value, header), value }
}

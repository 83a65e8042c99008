import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { checkPlugin, type LoadedConfig } from '@mlops/core'

export const EXPORT_FORMATS = ['github-actions', 'k8s-cronjob', 'argo'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Everything a renderer needs, decided once from the command line and the config. */
export interface ExportPlan {
  format: ExportFormat
  project: string
  /** What runs: a pipeline (`mlops run NAME`) or a monitor (`mlops monitor run NAME`). */
  target: { kind: 'pipeline' | 'monitor'; name: string }
  /** The argv run in the job, starting with `npx mlops`. */
  command: string[]
  /** Five-field cron expression (UTC), or undefined for a run on demand only. */
  schedule: string | undefined
  /** Where the schedule came from, for the header comment. */
  scheduleSource: 'flag' | 'config' | undefined
  /** Environment variables passed from secrets, sorted: the config's plugins' and `--env` ones. */
  secrets: SecretEnv[]
  /** The node version for actions/setup-node, and the default image's tag. */
  nodeVersion: string
  /** Container image (k8s-cronjob, argo). */
  image: string
  /** True when --image was not given: the default node image has no project in it. */
  imageDefaulted: boolean
  /** The project's folder inside the image. */
  workingDir: string
  /** The project's folder relative to its git repository's root (posix, '' at the root): where GitHub's checkout puts it. */
  repoSubdir: string
  /** The npm lockfile the project installs from, relative to the repository root (posix), if there is one: setup-node's cache key. */
  lockfile: string | undefined
  namespace: string | undefined
  /** Kubernetes Secret holding the secret env vars. */
  secretName: string
  /** No metadata or storage plugin in the config: records stay in `.mlops/` of wherever the job runs. */
  embeddedStores: { metadata: boolean; storage: boolean }
}

export interface SecretEnv {
  name: string
  /** Why it is needed: `@mlops/metadata-postgres (urlEnv)` or `--env`. */
  source: string
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Variables a plugin reads from the environment without naming them in an option. */
const IMPLICIT_ENV: Record<string, (options: Record<string, unknown>) => string[]> = {
  '@mlops/executor-bullmq': (o) => (o.url === undefined ? ['MLOPS_REDIS_URL'] : []),
}

/**
 * The environment variables the config's plugins read secrets from, without setting the plugins up (no
 * connection is opened to export a workflow). The plugins of this project name them in options ending in
 * `Env` (`urlEnv`, `passwordEnv`, `accessKeyIdEnv` …), with defaults in their schemas, so the options are
 * parsed with each plugin's schema and every such option counts, unless the value it stands in for is
 * written in the config (`url` next to `urlEnv`).
 */
export function secretEnvOfPlugins(plugins: LoadedConfig['plugins'], file: string): SecretEnv[] {
  const found = new Map<string, string>()
  for (const [index, plugin] of plugins.entries()) {
    const { options } = checkPlugin(plugin, `${file}: plugins[${index}]`)
    const visit = (value: unknown, path: string) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return
      const record = value as Record<string, unknown>
      for (const [key, v] of Object.entries(record)) {
        if (typeof v === 'string' && key.endsWith('Env') && key.length > 3 && ENV_NAME.test(v)) {
          if (record[key.slice(0, -3)] === undefined && !found.has(v)) found.set(v, `${plugin.name} (${path}${key})`)
        } else visit(v, `${path}${key}.`)
      }
    }
    visit(options, '')
    for (const name of IMPLICIT_ENV[plugin.name]?.((options ?? {}) as Record<string, unknown>) ?? []) if (!found.has(name)) found.set(name, plugin.name)
  }
  return [...found].map(([name, source]) => ({ name, source }))
}

/**
 * Whether the config names its own metadata and artifact stores. Plugins cannot be asked what they provide
 * without setting them up (which connects), so this reads the package-name convention `<kind>-<name>`.
 */
export function embeddedStoresOf(plugins: LoadedConfig['plugins']): { metadata: boolean; storage: boolean } {
  const names = plugins.map((p) => p.name.replace(/^@[^/]+\//, ''))
  return {
    metadata: !names.some((n) => n.startsWith('metadata-') && n !== 'metadata-sqlite'),
    storage: !names.some((n) => n.startsWith('storage-') && n !== 'storage-fs'),
  }
}

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name)
}

/**
 * A Kubernetes object name (DNS-1123 label, starting with a letter) of at most `max` characters; a name that
 * had to change keeps a hash of the original so two inputs do not collide. CronJobs allow 52 characters
 * (their Jobs append 11).
 */
export function kubernetesName(text: string, max = 52): string {
  const base = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '')
  const name = /^[a-z]/.test(base) ? base : `m-${base}`.replace(/-+$/, '')
  if (name === text && name.length <= max) return name
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8)
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${hash}`
}

/** A label value: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
}

/** One line saying what the exported job runs, for comments and the human output. */
export function describeRun(plan: ExportPlan): string {
  return `\`${plan.command.join(' ')}\`${plan.schedule ? ` on "${plan.schedule}" (UTC)` : ' on demand'}`
}

/** Lines every format's header repeats: where the records go when the config keeps them in `.mlops/`. */
export function storeNotes(plan: ExportPlan, where: string): string[] {
  const { metadata, storage } = plan.embeddedStores
  if (!metadata && !storage) return []
  const which = [metadata && 'metadata (SQLite)', storage && 'artifacts'].filter(Boolean).join(' and ')
  return [
    `The config keeps its ${which} in .mlops/ (the embedded defaults): ${where}`,
    'To keep every run, model version and monitor result, use shared stores: npx mlops add @mlops/metadata-postgres, npx mlops add @mlops/storage-s3.',
  ]
}

/**
 * Where the project sits in its git repository ('' at the root, or without a repository), and the npm
 * lockfile it installs from: its own, or a workspace root's above it inside the repository.
 */
export function repositoryLayoutOf(root: string): { repoSubdir: string; lockfile: string | undefined } {
  let repo: string | undefined
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      repo = dir
      break
    }
    if (dirname(dir) === dir) break
  }
  const top = repo ?? root
  const posix = (path: string) => path.split(sep).join('/')
  let lockfile: string | undefined
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) {
      lockfile = posix(relative(top, join(dir, 'package-lock.json')))
      break
    }
    if (dir === top || dirname(dir) === dir) break
  }
  return { repoSubdir: posix(relative(top, root)), lockfile }
}

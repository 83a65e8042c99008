import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errors, mlopsError } from '@mlops/core'
import { parseCommandArgs } from '../args.js'
import type { CommandModule } from '../command.js'

const usage = `Usage: mlops init [--dir PATH] [--force] [--json]

Starts a project: writes mlops.config.ts with one working pipeline, "train" (softmax regression on the
Palmer penguins, in plain TypeScript: it needs only @mlops/core), its sample data data/penguins.csv,
and a ".mlops/" line in .gitignore (runs and artifacts are stored there).

  --dir PATH  the project folder (default: the current folder; created if missing)
  --force     overwrite an existing mlops.config.ts and sample data

Refuses (exit 2, nothing written) when the folder already has an mlops.config.* file, unless --force.
Then: npx mlops run train --param lr=0.1`

/** Files init writes come from here (shipped in the package: "files" lists "templates"). */
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/init/', import.meta.url))
const CONFIG_NAME = 'mlops.config.ts'
/** Any file the loader would take as the config (or a CommonJS variant a user might have written). */
const ANY_CONFIG = /^mlops\.config\.[cm]?[jt]s$/
const GITIGNORE_LINE = '.mlops/'

export type InitAction = 'created' | 'overwritten' | 'unchanged' | 'updated'

export interface InitResult {
  /** Absolute project folder. */
  dir: string
  files: { path: string; action: InitAction }[]
  /** Whether `@mlops/core`, which the config imports, resolves from the project folder. */
  coreInstalled: boolean
  next: string[]
}

async function listTemplateFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files: string[] = []
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) files.push(...(await listTemplateFiles(join(dir, entry.name), rel)))
    else files.push(rel)
  }
  return files
}

function isCoreResolvable(dir: string): boolean {
  try {
    createRequire(join(dir, 'noop.js')).resolve('@mlops/core')
    return true
  } catch {
    return false
  }
}

/** Plans every write first and refuses before touching anything, so a refusal leaves the folder as it was. */
export async function initProject(cwd: string, options: { dir?: string; force?: boolean } = {}): Promise<InitResult> {
  const dir = resolve(cwd, options.dir ?? '.')
  const shown = (file: string) => relative(cwd, file) || file
  if (existsSync(dir)) {
    const existing = (await readdir(dir)).filter((name) => ANY_CONFIG.test(name))
    const others = existing.filter((name) => name !== CONFIG_NAME)
    if (others.length) {
      throw mlopsError(errors.UsageInvalid, [
        `${shown(join(dir, others[0]!))} already exists; nothing was written. ` +
          (options.force
            ? `--force replaces only ${CONFIG_NAME}, which would be loaded instead of it: remove ${others.join(', ')} first, or pick another --dir.`
            : `This folder already has an mlops config: edit it, or run mlops init --dir PATH to start a project elsewhere.`),
      ])
    }
    if (existing.includes(CONFIG_NAME) && !options.force) {
      throw mlopsError(errors.UsageInvalid, [
        `${shown(join(dir, CONFIG_NAME))} already exists; nothing was written. ` +
          `Pass --force to overwrite it (and the sample data), or --dir PATH to start a project elsewhere.`,
      ])
    }
  }

  const writes: { target: string; bytes: Buffer; action: InitAction }[] = []
  for (const rel of await listTemplateFiles(TEMPLATE_DIR)) {
    const target = join(dir, ...rel.split('/'))
    const bytes = await readFile(join(TEMPLATE_DIR, ...rel.split('/')))
    let action: InitAction = 'created'
    if (existsSync(target)) {
      const current = await readFile(target).catch(() => undefined)
      if (current !== undefined && current.equals(bytes)) action = 'unchanged'
      else if (options.force) action = 'overwritten'
      else {
        throw mlopsError(errors.UsageInvalid, [
          `${shown(target)} already exists (and differs from the sample init would write); nothing was written. Pass --force to overwrite it, or --dir PATH to start a project elsewhere.`,
        ])
      }
    }
    writes.push({ target, bytes, action })
  }

  // The config last: an interrupted init leaves no config that points at missing data.
  writes.sort((a, b) => Number(a.target.endsWith(`${sep}${CONFIG_NAME}`)) - Number(b.target.endsWith(`${sep}${CONFIG_NAME}`)))
  const files: InitResult['files'] = []
  for (const write of writes) {
    if (write.action !== 'unchanged') {
      await mkdir(dirname(write.target), { recursive: true })
      await writeFile(write.target, write.bytes)
    }
    files.push({ path: write.target, action: write.action })
  }

  const gitignore = join(dir, '.gitignore')
  const current = existsSync(gitignore) ? await readFile(gitignore, 'utf8') : undefined
  const lines = (current ?? '').split(/\r?\n/).map((l) => l.trim())
  if (lines.some((l) => l === GITIGNORE_LINE || l === '.mlops' || l === '/.mlops' || l === '/.mlops/')) {
    files.push({ path: gitignore, action: 'unchanged' })
  } else {
    const separator = current === undefined || current === '' || current.endsWith('\n') ? '' : '\n'
    await writeFile(gitignore, `${current ?? ''}${separator}${GITIGNORE_LINE}\n`)
    files.push({ path: gitignore, action: current === undefined ? 'created' : 'updated' })
  }

  const coreInstalled = isCoreResolvable(dir)
  const cd = dir === resolve(cwd) ? '' : `cd ${shown(dir)} && `
  const next = [
    ...(coreInstalled ? [] : [`${cd}npm install --save-dev @mlops/cli @mlops/core   # ${CONFIG_NAME} imports @mlops/core`]),
    `${cd}npx mlops run train --param lr=0.1`,
    `${cd}npx mlops runs ls`,
  ]
  return { dir, files, coreInstalled, next }
}

const command: CommandModule = {
  summary: 'Write mlops.config.ts with one working pipeline',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('init', { args: argv, options: { dir: { type: 'string' }, force: { type: 'boolean' } }, allowPositionals: false })
    if (globals.configPath !== undefined) {
      throw mlopsError(errors.UsageInvalid, [`mlops init always writes ${CONFIG_NAME}; choose its folder with --dir PATH instead of --config`])
    }
    const result = await initProject(io.cwd, {
      ...(parsed.values.dir !== undefined ? { dir: parsed.values.dir } : {}),
      force: parsed.values.force === true,
    })
    const shown = (file: string) => relative(io.cwd, file) || file
    const human = [
      ...result.files.map((f) => `${f.action.padEnd(11)} ${shown(f.path)}${f.path.endsWith('.gitignore') && f.action !== 'unchanged' ? ` (${GITIGNORE_LINE})` : ''}`),
      '',
      'Next:',
      ...result.next.map((line) => `  ${line}`),
    ].join('\n')
    return {
      exitCode: 0,
      data: { ...result, files: result.files.map((f) => ({ path: shown(f.path), action: f.action })) },
      human,
    }
  },
}

export default command

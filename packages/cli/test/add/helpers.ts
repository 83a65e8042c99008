import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CommandIo } from '../../src/command.js'
import { main } from '../../src/main.js'

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url))
export const pluginPackagesDir = fileURLToPath(new URL('./plugin-packages/', import.meta.url))

/** Runs `mlops ...argv` in-process with captured output. */
export async function mlops(cwd: string, argv: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIo = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    cwd,
    env,
    isInteractive: false,
    useColor: false,
    signal: new AbortController().signal,
  }
  const code = await main(argv, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

/**
 * A temp folder whose node_modules holds what `npm install` would put there: the workspace's @mlops
 * packages, zod, @types, and each fixture plugin package under @acme. Projects go in its subfolders.
 */
export async function createWorkspace(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const modules = join(dir, 'node_modules')
  await mkdir(join(modules, '@acme'), { recursive: true })
  for (const name of ['@mlops', 'zod', '@types']) await symlink(join(repoRoot, 'node_modules', name), join(modules, name), 'dir')
  for (const name of ['notify-fixture', 'not-a-plugin', 'notify-future']) {
    await symlink(join(pluginPackagesDir, name), join(modules, '@acme', name), 'dir')
  }
  await writeFile(join(dir, 'package.json'), '{ "name": "add-fixtures", "private": true, "type": "module" }\n')
  return dir
}

export const DEFAULT_OPTIONS = ['url=https://hooks.example.test/mlops']

/** `--option a --option b` for each key=value. */
export function optionFlags(options: readonly string[]): string[] {
  return options.flatMap((o) => ['--option', o])
}

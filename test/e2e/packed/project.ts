import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The pack step of `npm run release:dry`, shared so the tarballs tested here are the ones a release checks.
// @ts-expect-error: a plain .mjs script without types
import { build, packWorkspaces, publicWorkspaces } from '../../../scripts/release-dry.mjs'

export interface Packed {
  name: string
  version: string
  /** Absolute path of the .tgz. */
  tarball: string
}

/** What a user of the CLI and a plugin author install; their internal dependencies are packed too. */
export const ROOT_PACKAGES = ['@mlops/cli', '@mlops/core', '@mlops/testkit', 'create-mlops-plugin']

interface Workspace {
  pkg: { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
}

/** ROOT_PACKAGES and every public workspace package they depend on, transitively. */
export function packagesToPack(): Workspace[] {
  const all = publicWorkspaces() as Workspace[]
  const byName = new Map(all.map((w) => [w.pkg.name, w]))
  const wanted = new Set<string>()
  const visit = (name: string) => {
    const w = byName.get(name)
    if (!w || wanted.has(name)) return
    wanted.add(name)
    for (const deps of [w.pkg.dependencies, w.pkg.peerDependencies, w.pkg.optionalDependencies]) for (const dep of Object.keys(deps ?? {})) visit(dep)
  }
  ROOT_PACKAGES.forEach(visit)
  return all.filter((w) => wanted.has(w.pkg.name))
}

/** A fresh folder under the OS temp dir: outside the monorepo, so nothing resolves through its workspaces. */
export function outsideTemp(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `mlops-${label}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Builds (turbo, cached when nothing changed) and packs packagesToPack() into `destination`.
 * MLOPS_PACKED_SKIP_BUILD=1 packs the dist/ folders as they are (after a build of your own).
 */
export function buildAndPack(destination: string): Map<string, Packed> {
  const workspaces = packagesToPack()
  if (process.env.MLOPS_PACKED_SKIP_BUILD !== '1') build(workspaces.map((w) => w.pkg.name))
  const packed = packWorkspaces(destination, workspaces) as Packed[]
  return new Map(packed.map((p) => [p.name, p]))
}

export interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * The environment of a user's shell: without the npm_* variables `npm test` sets for the monorepo
 * (an inherited npm_config_workspace or prefix would point npm back into the repository).
 */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra }
}

export function sh(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs and asserts exit 0, with the output in the error when it is not. */
export async function ok(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Result> {
  const result = await sh(command, args, cwd, extra)
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`)
  }
  return result
}

export function json<T = any>(result: Result, what: string): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`${what}: stdout is not one JSON document\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`)
  }
}

export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

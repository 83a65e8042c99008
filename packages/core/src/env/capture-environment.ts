import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { arch, hostname, platform, release, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { RunEnvironment } from '../plugin/kinds.js'
import { sha256Hex } from '../util/hash.js'

const run = promisify(execFile)

async function git(root: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run('git', args, { cwd: root, timeout: 5_000 })
    return stdout
  } catch {
    return null
  }
}

async function findUp(start: string, name: string): Promise<string | null> {
  let dir = start
  for (;;) {
    try {
      await readFile(join(dir, name), { flag: 'r' }).then(() => undefined)
      return join(dir, name)
    } catch {
      const parent = dirname(dir)
      if (parent === dir) return null
      dir = parent
    }
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  } catch {
    return null
  }
}

/** What a run needs to be reproduced: runtime, OS, code version (git), dependency lock and versions. */
export async function captureEnvironment(root: string): Promise<RunEnvironment> {
  const [commit, status, lockPath, manifest] = await Promise.all([
    git(root, ['rev-parse', 'HEAD']),
    git(root, ['status', '--porcelain', '--untracked-files=no']),
    findUp(root, 'package-lock.json'),
    readJson(join(root, 'package.json')),
  ])
  const lockfileHash = lockPath ? sha256Hex(await readFile(lockPath)) : null
  const packages: Record<string, string> = {}
  const deps = { ...(manifest?.dependencies as Record<string, string> | undefined), ...(manifest?.devDependencies as Record<string, string> | undefined) }
  await Promise.all(
    Object.keys(deps).map(async (name) => {
      const pkg = await readInstalledManifest(root, name)
      packages[name] = typeof pkg?.version === 'string' ? pkg.version : `unresolved (${deps[name]})`
    }),
  )
  let user: string | null = null
  try {
    user = userInfo().username
  } catch {
    user = null
  }
  return {
    nodeVersion: process.version,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    hostname: hostname(),
    user,
    gitCommit: commit ? commit.trim() : null,
    gitDirty: status === null ? null : status.trim().length > 0,
    lockfileHash,
    packages,
  }
}

async function readInstalledManifest(root: string, name: string): Promise<Record<string, unknown> | null> {
  let dir = root
  for (;;) {
    const pkg = await readJson(join(dir, 'node_modules', name, 'package.json'))
    if (pkg) return pkg
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

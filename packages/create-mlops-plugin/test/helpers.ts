import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const bin = fileURLToPath(new URL('../bin/create-mlops-plugin.js', import.meta.url))

/**
 * A temp folder inside the repository (test/.tmp, gitignored), so a scaffolded package resolves
 * @mlops/*, zod, vitest and typescript through the workspace's node_modules without an install.
 */
export function tempDir(label: string): { dir: string; remove(): void } {
  const base = join(repoRoot, 'test/.tmp')
  mkdirSync(base, { recursive: true })
  const dir = mkdtempSync(join(base, `${label}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface Result {
  code: number | null
  stdout: string
  stderr: string
}

export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

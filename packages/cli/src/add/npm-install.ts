import { spawn } from 'node:child_process'
import { errors, mlopsError } from '@mlops/core'

/**
 * Runs `npm install SPEC` in `cwd` with npm's own output: stderr as is, stdout too unless `--json` needs
 * stdout for its one document (then npm's stdout goes to stderr).
 */
export async function npmInstall(
  spec: string,
  cwd: string,
  options: { json: boolean; signal: AbortSignal; env: Readonly<Record<string, string | undefined>> },
): Promise<void> {
  const command = `npm install ${spec}`
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn('npm', ['install', spec], {
      cwd,
      env: { ...process.env, ...options.env },
      stdio: ['inherit', options.json ? 2 : 'inherit', 'inherit'],
      // npm is npm.cmd on Windows, which needs a shell.
      shell: process.platform === 'win32',
      signal: options.signal,
    })
    child.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ABORT_ERR' ? 'was interrupted' : `could not start (${error.code ?? error.message})`))
    child.on('close', (exitCode, signal) => resolve(exitCode ?? `was stopped by ${signal}`))
  })
  if (code === 0) return
  throw mlopsError(errors.AddInstallFailed, [command, typeof code === 'number' ? `exited with code ${code}` : code])
}

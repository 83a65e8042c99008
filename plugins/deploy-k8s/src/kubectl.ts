import { spawn } from 'node:child_process'

export interface KubectlResult {
  /** False when the binary is not on PATH (spawn ENOENT). */
  found: boolean
  code: number | null
  stdout: string
  stderr: string
}

export interface KubectlOptions {
  kubectl: string
  context?: string | undefined
  env: Readonly<Record<string, string | undefined>>
  signal?: AbortSignal | undefined
  /** Kills kubectl after this long (ms). */
  timeoutMs?: number
}

/**
 * Runs kubectl with stdin closed (so it never waits on a credentials prompt) and the plugin's environment
 * (PATH, KUBECONFIG, HOME). Never throws for a missing binary or a non-zero exit: the caller words the error.
 */
export function runKubectl(args: readonly string[], options: KubectlOptions): Promise<KubectlResult> {
  const argv = [...(options.context ? ['--context', options.context] : []), ...args]
  const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined))
  return new Promise((resolve, reject) => {
    const child = spawn(options.kubectl, argv, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolve({ found: false, code: null, stdout: '', stderr: '' })
      else reject(error)
    })
    child.once('close', (code, signal) => {
      resolve({ found: true, code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
  })
}

/** kubectl's stderr without client-go's klog noise (`E1123 12:40:19.612898 … memcache.go …`), in a few lines. */
export function summarizeKubectlError(stderr: string, stdout = ''): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^[EWI]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/.test(l))
  const text = (lines.length ? lines : stdout.split('\n').filter((l) => l.trim() !== '')).slice(-3).join('\n')
  return text || 'no output'
}

/** How a command line reads in a message. */
export function formatCommand(kubectl: string, args: readonly string[], context?: string): string {
  return [kubectl, ...(context ? ['--context', context] : []), ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

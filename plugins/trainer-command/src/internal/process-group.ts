import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'

/** A line longer than this is passed on in pieces: a script printing a huge blob must not exhaust memory. */
const MAX_LINE_CHARS = 16_384
/** How often a terminating group is polled for survivors. */
const POLL_MS = 50

export interface RunProcessGroupOptions {
  /** Absolute path of the executable (resolved beforehand, so a missing one is reported before spawning). */
  executable: string
  args: readonly string[]
  cwd: string
  env: Record<string, string>
  signal: AbortSignal
  timeoutMs?: number | undefined
  /** Between SIGTERM and SIGKILL. */
  killGraceMs: number
  onLine(stream: 'stdout' | 'stderr', line: string): void
}

export interface ProcessOutcome {
  /** Exit code of the command, or null when a signal ended it. */
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
}

/**
 * Runs a command as the leader of its own process group (spawned detached), streams its output line by
 * line, and on timeout or abort signals the whole group: SIGTERM, then SIGKILL after `killGraceMs`.
 * Children the command started (a shell's background job, a multiprocessing pool) share the group, so
 * they die with it. When the leader exits, surviving members are terminated the same way: a training
 * run leaves no processes behind. Resolves once the leader exited and the group is gone.
 */
export function runProcessGroup(options: RunProcessGroupOptions): Promise<ProcessOutcome> {
  return new Promise<ProcessOutcome>((resolve, reject) => {
    let timedOut = false
    let aborted = false
    let termination: Promise<void> | undefined
    const child = spawn(options.executable, options.args as string[], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const pid = child.pid
    const terminate = () => {
      if (pid !== undefined) termination ??= terminateGroup(pid, options.killGraceMs)
      return termination ?? Promise.resolve()
    }
    const onAbort = () => {
      aborted = true
      void terminate()
    }
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            void terminate()
          }, options.timeoutMs)
    options.signal.addEventListener('abort', onAbort, { once: true })
    const cleanup = () => {
      clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
    }

    const streamsDone = Promise.all([pipeLines(child.stdout, 'stdout', options.onLine), pipeLines(child.stderr, 'stderr', options.onLine)])

    child.once('error', (error) => {
      cleanup()
      reject(error)
    })
    child.once('exit', (code, signal) => {
      cleanup()
      // Survivors (background jobs of the command) hold the pipes open and would outlive the run.
      const group = pid !== undefined && groupAlive(pid) ? terminate() : (termination ?? Promise.resolve())
      const outcome: ProcessOutcome = { code, signal, timedOut, aborted }
      // A process that left the group (setsid) may keep a pipe open forever: stop reading after the grace.
      const forceClose = setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
      }, options.killGraceMs + 1000)
      Promise.all([group, streamsDone]).then(
        () => {
          clearTimeout(forceClose)
          resolve(outcome)
        },
        (error: unknown) => {
          clearTimeout(forceClose)
          reject(error)
        },
      )
    })
  })
}

/** Splits a stream into lines (\n or \r\n, UTF-8 safe across chunks); resolves when the stream ends. */
function pipeLines(stream: Readable | null, name: 'stdout' | 'stderr', onLine: RunProcessGroupOptions['onLine']): Promise<void> {
  if (!stream) return Promise.resolve()
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8')
    let pending = ''
    const emit = (line: string) => {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line
      for (let start = 0; start === 0 || start < text.length; start += MAX_LINE_CHARS) onLine(name, text.slice(start, start + MAX_LINE_CHARS))
    }
    const push = (text: string) => {
      pending += text
      let newline: number
      while ((newline = pending.indexOf('\n')) !== -1) {
        emit(pending.slice(0, newline))
        pending = pending.slice(newline + 1)
      }
      while (pending.length > MAX_LINE_CHARS) {
        emit(pending.slice(0, MAX_LINE_CHARS))
        pending = pending.slice(MAX_LINE_CHARS)
      }
    }
    stream.on('data', (chunk: Buffer) => push(decoder.write(chunk)))
    const finish = () => {
      push(decoder.end())
      if (pending !== '') emit(pending)
      pending = ''
      resolve()
    }
    stream.once('close', finish)
  })
}

/** SIGTERM to the group, SIGKILL after the grace period if anything survives; resolves when none is left. */
export function terminateGroup(pgid: number, killGraceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!signalGroup(pgid, 'SIGTERM')) return resolve()
    const started = Date.now()
    const poll = setInterval(() => {
      if (!groupAlive(pgid)) {
        clearInterval(poll)
        resolve()
      } else if (Date.now() - started >= killGraceMs) {
        signalGroup(pgid, 'SIGKILL')
        clearInterval(poll)
        // SIGKILL cannot be caught; give the kernel a moment to tear the processes down.
        setTimeout(resolve, POLL_MS)
      }
    }, Math.min(POLL_MS, Math.max(1, killGraceMs)))
  })
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/**
 * Whether any live process is left in the group. `kill(-pgid, 0)` also succeeds for zombies, which
 * stay around where PID 1 does not reap orphans (many containers): on Linux, /proc tells them apart.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return true
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readProcStat(Number(entry))
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true
  }
  return false
}

/** Whether a process exists and is not a zombie (Linux: from /proc; elsewhere: signal 0). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  const stat = readProcStat(pid)
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X'
}

function readProcStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) }
}

/** The shape every `mlops` command module has; commands are imported lazily by name (see commands/index.ts). */
export interface TextSink {
  write(chunk: string): unknown
}

export interface CommandIo {
  stdout: TextSink
  stderr: TextSink
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  /** stdout is a terminal and CI is not set: progress may redraw lines. */
  isInteractive: boolean
  /** Colours allowed (a TTY and no NO_COLOR). */
  useColor: boolean
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}

export interface GlobalOptions {
  json: boolean
  /** `--config PATH` as given (relative to cwd), if any. */
  configPath: string | undefined
}

export interface CommandResult {
  /** 0 success, 1 a check failed (drift found with --fail-on-drift, a gate not met), 2 a backend unreachable (doctor). Errors throw instead. */
  exitCode: 0 | 1 | 2
  /** What `--json` prints (one JSON document). */
  data: unknown
  /** What a person sees on stdout without `--json`. */
  human: string
}

export interface CommandModule {
  /** One line for `mlops --help`. */
  summary: string
  /** Full usage text for `mlops <command> --help`. */
  usage: string
  /** `argv` is what follows the command name, with the global flags (--json, --config) removed. */
  run(argv: string[], io: CommandIo, globals: GlobalOptions): Promise<CommandResult>
}

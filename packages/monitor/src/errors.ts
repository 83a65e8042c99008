import type { ErrorData } from '@mlops/core'

export const MonitorUnknown = {
  code: 'MLOPS_MONITOR_UNKNOWN',
  title: 'No such monitor.',
  message: (name: string, known: readonly string[]) => `mlops.config.ts has no monitor "${name}". Monitors: ${known.join(', ') || 'none'}.`,
  hint: 'Declare it under `monitors` in mlops.config.ts: monitors: { name: monitor({ model, checks }) }.',
  exit: 2,
} satisfies ErrorData<[string, readonly string[]]>

export const MonitorInputInvalid = {
  code: 'MLOPS_MONITOR_INPUT_INVALID',
  title: 'The monitor cannot read its data.',
  message: (monitor: string, reason: string) => `monitors.${monitor}: ${reason}`,
  hint: 'Check the monitor\'s model, alias, reference and current settings in mlops.config.ts.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const DaemonRunning = {
  code: 'MLOPS_DAEMON_RUNNING',
  title: 'A daemon already runs for this project.',
  message: (holder: string, expires: string) => `Another mlops daemon holds this project's lease (${holder}; its lease runs until ${expires}). Only one daemon runs per project.`,
  hint: 'Stop the other daemon (Ctrl-C or SIGTERM) or wait for its lease to expire if it crashed; `mlops monitor run NAME` does a single pass without a daemon.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const DaemonLeaseLost = {
  code: 'MLOPS_DAEMON_LEASE_LOST',
  title: 'The daemon lost its lease.',
  message: (detail: string) => `This daemon's lease was taken over (${detail}); stopping so that only one daemon acts on the project.`,
  hint: 'A long pause (a suspended laptop) can let the lease expire; start the daemon again if no other one runs.',
  exit: 1,
} satisfies ErrorData<[string]>

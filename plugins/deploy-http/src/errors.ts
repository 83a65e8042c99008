import type { ErrorData } from '@mlops/core'

export const ServeSettingsInvalid = {
  code: 'MLOPS_SERVE_SETTINGS_INVALID',
  title: 'Invalid model server setting.',
  message: (key: string, reason: string) => `http model server setting "${key}": ${reason}`,
  hint: 'Fix the value given with --set KEY=VALUE (or --port, --canary-share) and start the server again.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const ServePortUnavailable = {
  code: 'MLOPS_SERVE_PORT_UNAVAILABLE',
  title: 'The model server cannot listen on its address.',
  message: (address: string, reason: string) => `The model server cannot listen on ${address}: ${reason}`,
  hint: 'Pick a free port with --port (or stop what listens there: `npx mlops deployments ls`).',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const DeploymentNotFound = {
  code: 'MLOPS_DEPLOYMENT_NOT_FOUND',
  title: 'No such http deployment.',
  message: (id: string, where: string, known: readonly string[]) =>
    `No http deployment "${id}" in ${where}${known.length ? ` (deployments: ${known.join(', ')})` : ' (there are none)'}.`,
  hint: 'List deployments with `npx mlops deployments ls`; start one with `npx mlops deploy NAME@champion --target http`.',
  exit: 2,
} satisfies ErrorData<[string, string, readonly string[]]>

export const DeployRequestInvalid = {
  code: 'MLOPS_DEPLOY_REQUEST_INVALID',
  title: 'Invalid deploy request.',
  message: (field: string, reason: string) => `http deploy target: ${field} ${reason}`,
  hint: 'Deploy a registered model by name: `npx mlops deploy NAME@champion --target http --port 8080`.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const DeployStartFailed = {
  code: 'MLOPS_DEPLOY_START_FAILED',
  title: 'The model server did not start.',
  message: (id: string, reason: string, logTail: string) => `Deployment ${id}: ${reason}.${logTail ? `\nLast lines of its log:\n${logTail}` : ''}`,
  hint: (id: string) => `Read .mlops/deployments/${id}.log, fix the cause, and deploy again (or run \`npx mlops serve\` in the foreground to see it fail).`,
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const DeployAborted = {
  code: 'MLOPS_DEPLOY_ABORTED',
  title: 'The deployment was cancelled.',
  message: (id: string) => `Deployment ${id} was cancelled before it was running; nothing is left running.`,
  hint: 'Deploy again when ready.',
  exit: 2,
} satisfies ErrorData<[string]>

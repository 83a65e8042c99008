import type { ErrorData } from '@mlops/core'

export const K8sDeployRequestInvalid = {
  code: 'MLOPS_K8S_DEPLOY_REQUEST_INVALID',
  title: 'Invalid deploy request.',
  message: (field: string, reason: string) => `k8s deploy target: ${field} ${reason}`,
  hint: 'Deploy a registered model by name: `npx mlops deploy NAME@champion --target k8s --dry-run`.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const K8sSettingInvalid = {
  code: 'MLOPS_K8S_SETTING_INVALID',
  title: 'Invalid Kubernetes deploy setting.',
  message: (key: string, reason: string) => `k8s deploy target setting "${key}": ${reason}`,
  hint: 'Fix the value given with --set KEY=VALUE (settings: image, namespace, replicas, port, serviceType, secretName, requests.cpu, requests.memory, limits.cpu, limits.memory) or the option of deployK8s({ … }) in mlops.config.ts.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const K8sImageMissing = {
  code: 'MLOPS_K8S_IMAGE_MISSING',
  title: 'No container image for the model server.',
  message: (deploymentId: string) =>
    `k8s deployment ${deploymentId} needs a container image that holds the project (mlops.config.ts, package.json and node_modules with @mlops/cli), and none was given.`,
  hint: "Build one (see @mlops/deploy-k8s's README: FROM node:20-bookworm-slim, COPY the project, npm ci) and name it with deployK8s({ image: 'ghcr.io/acme/penguins:1' }) or --set image=….",
  exit: 2,
} satisfies ErrorData<[string]>

export const K8sDeploymentNotFound = {
  code: 'MLOPS_K8S_DEPLOYMENT_NOT_FOUND',
  title: 'No such Kubernetes deployment.',
  message: (id: string, where: string, known: readonly string[]) =>
    `No k8s deployment "${id}": there is no ${where}${known.length ? ` (deployments: ${known.join(', ')})` : ' (there are none)'}.`,
  hint: 'List deployments with `npx mlops deployments ls`; create one with `npx mlops deploy NAME@champion --target k8s`.',
  exit: 2,
} satisfies ErrorData<[string, string, readonly string[]]>

export const K8sKubectlMissing = {
  code: 'MLOPS_K8S_KUBECTL_MISSING',
  title: 'kubectl is not installed.',
  message: (action: string, kubectl: string, file: string) =>
    `Cannot ${action}: "${kubectl}" is not on PATH. The manifests are in ${file}.`,
  hint: (action: string, kubectl: string, file: string) =>
    `Install kubectl (https://kubernetes.io/docs/tasks/tools/) and run the command again, or run \`kubectl ${action.startsWith('delete') ? 'delete' : 'apply'} -f ${file}\` where kubectl is set up. To only write manifests (GitOps), use deployK8s({ apply: false }).`,
  exit: 2,
} satisfies ErrorData<[string, string, string]>

export const K8sKubectlFailed = {
  code: 'MLOPS_K8S_KUBECTL_FAILED',
  title: 'kubectl failed.',
  message: (command: string, code: number | string, reason: string, file: string) =>
    `\`${command}\` exited with ${code}: ${reason}\nThe manifests are in ${file}.`,
  hint: 'Check the cluster and context (`kubectl config current-context`, `kubectl cluster-info`; `npx mlops doctor` checks access), then run the command again.',
  exit: 2,
} satisfies ErrorData<[string, number | string, string, string]>

export const K8sDeployAborted = {
  code: 'MLOPS_K8S_DEPLOY_ABORTED',
  title: 'The deployment was cancelled.',
  message: (id: string) => `k8s deployment ${id} was cancelled before its manifests were written; nothing was applied.`,
  hint: 'Deploy again when ready.',
  exit: 2,
} satisfies ErrorData<[string]>

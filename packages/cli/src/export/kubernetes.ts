import { describeRun, kubernetesName, labelValue, storeNotes, type ExportPlan } from './plan.js'
import { quoted, yamlDocument } from './yaml.js'

/** The object name: `<project>-<pipeline>` or `<project>-monitor-<name>`. */
export function objectName(plan: ExportPlan): string {
  return kubernetesName(`${plan.project}-${plan.target.kind === 'monitor' ? 'monitor-' : ''}${plan.target.name}`)
}

export function labelsOf(plan: ExportPlan): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': 'mlops',
    'app.kubernetes.io/instance': objectName(plan),
    'app.kubernetes.io/component': plan.target.kind,
    'app.kubernetes.io/part-of': labelValue(plan.project) || 'mlops',
    'app.kubernetes.io/managed-by': 'mlops',
    [`mlops.dev/${plan.target.kind}`]: labelValue(plan.target.name),
  }
  for (const key of Object.keys(labels)) if (labels[key] === '') delete labels[key]
  return labels
}

function metadata(plan: ExportPlan, name: Record<string, string>): Record<string, unknown> {
  return { ...name, ...(plan.namespace ? { namespace: plan.namespace } : {}), labels: labelsOf(plan) }
}

/** The container that runs `npx mlops …` in the project's folder, with the secrets from one Secret. */
export function container(plan: ExportPlan, name: string): Record<string, unknown> {
  return {
    name,
    image: plan.image,
    workingDir: plan.workingDir,
    command: [...plan.command],
    env: [
      // Plain progress lines in the pod log, no spinners.
      { name: 'CI', value: 'true' },
      ...plan.secrets.map((s) => ({ name: s.name, valueFrom: { secretKeyRef: { name: plan.secretName, key: s.name, optional: true } } })),
    ],
  }
}

/** Header lines for both Kubernetes formats: the image assumption, the Secret, the stores. */
function kubernetesHeader(plan: ExportPlan, format: string, apply: string): string[] {
  const image = plan.imageDefaulted
    ? [
        `The image must contain the project in ${plan.workingDir} (mlops.config.ts, package.json, node_modules). ${plan.image} alone`,
        'does not: build one (FROM node:20-bookworm-slim; WORKDIR /app; COPY package*.json ./; RUN npm ci; COPY . .)',
        'and export again with --image REGISTRY/IMAGE:TAG.',
      ]
    : [`The image ${plan.image} must contain the project in ${plan.workingDir} (mlops.config.ts, package.json, node_modules).`]
  return [
    `Written by \`mlops export ${format}\`: runs ${describeRun(plan)}.`,
    ...image,
    ...(plan.secrets.length
      ? [
          `Secret variables, from the keys of the Secret ${plan.secretName}:`,
          ...plan.secrets.map((s) => `  ${s.name}  (${s.source})`),
          `Create it: kubectl create secret generic ${plan.secretName}${plan.namespace ? ` -n ${plan.namespace}` : ''} ${plan.secrets.map((s) => `--from-literal=${s.name}=…`).join(' ')}`,
        ]
      : []),
    ...storeNotes(plan, 'they live and die with each pod.'),
    `Apply: ${apply}`,
  ]
}

/** A batch/v1 CronJob: one Job per schedule tick, never two at once, no retry of a failed run (mlops records it). */
export function renderK8sCronJob(plan: ExportPlan): { text: string; value: Record<string, unknown> } {
  const name = objectName(plan)
  const value = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(plan, { name }),
    spec: {
      schedule: quoted(plan.schedule!),
      // mlops schedules are UTC, whatever the controller's zone.
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labelsOf(plan) },
        spec: {
          // A failed run is recorded as failed; steps retry on their own (step `retry`), so the Job does not.
          backoffLimit: 0,
          ttlSecondsAfterFinished: 86_400,
          template: {
            metadata: { labels: labelsOf(plan) },
            spec: { restartPolicy: 'Never', containers: [container(plan, 'mlops')] },
          },
        },
      },
    },
  }
  return { text: yamlDocument(value, kubernetesHeader(plan, 'k8s-cronjob', 'kubectl apply -f THIS_FILE (kubectl create job --from=cronjob/' + name + ' NAME runs it now).')), value }
}

/** An Argo Workflow (on demand) or, with a schedule, a CronWorkflow (Argo Workflows 3.6 or later: `schedules`). */
export function renderArgo(plan: ExportPlan): { text: string; value: Record<string, unknown> } {
  const name = objectName(plan)
  const workflowSpec = {
    entrypoint: 'mlops',
    ttlStrategy: { secondsAfterCompletion: 86_400 },
    templates: [{ name: 'mlops', container: container(plan, 'main') }],
  }
  const value = plan.schedule
    ? {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'CronWorkflow',
        metadata: metadata(plan, { name }),
        spec: {
          schedules: [quoted(plan.schedule)],
          timezone: 'UTC',
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          workflowSpec,
        },
      }
    : {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: metadata(plan, { generateName: `${name}-` }),
        spec: workflowSpec,
      }
  const apply = plan.schedule ? 'argo cron create THIS_FILE (or kubectl apply -f THIS_FILE).' : 'argo submit --watch THIS_FILE (or kubectl create -f THIS_FILE; each submission is a new run).'
  return { text: yamlDocument(value, kubernetesHeader(plan, 'argo', apply)), value }
}

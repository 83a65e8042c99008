import type { CommandModule } from '../command.js'

/** Lazy: `mlops --help` imports none of these; each command loads only what it uses. */
export const commands: Record<string, () => Promise<{ default: CommandModule }>> = {
  init: () => import('./init.js'),
  run: () => import('./run.js'),
  runs: () => import('./runs.js'),
  lineage: () => import('./lineage.js'),
  pipelines: () => import('./pipelines.js'),
  plugins: () => import('./plugins.js'),
  drift: () => import('./drift.js'),
  models: () => import('./models.js'),
  approve: () => import('./approve.js'),
  rollback: () => import('./rollback.js'),
  monitor: () => import('./monitor.js'),
  daemon: () => import('./daemon.js'),
  labels: () => import('./labels.js'),
  deploy: () => import('./deploy.js'),
  serve: () => import('./serve.js'),
  deployments: () => import('./deployments.js'),
  worker: () => import('./worker.js'),
  doctor: () => import('./doctor.js'),
  add: () => import('./add.js'),
  export: () => import('./export.js'),
}

/** One line each for `mlops --help`, kept here so help needs no command module. */
export const summaries: Record<string, string> = {
  init: 'Write mlops.config.ts with one working pipeline (and its sample data)',
  run: 'Run a pipeline: mlops run PIPELINE [--param k=v] [--resume RUN_ID] [--no-cache]',
  runs: 'List runs (runs ls) or show one (runs show RUN_ID)',
  lineage: 'Show the upstream graph of an artifact or a run: data -> steps -> model',
  pipelines: 'List the pipelines of the config and their steps',
  plugins: 'List the loaded plugins, their versions and kinds',
  drift: 'Compare reference and current data: mlops drift --reference A --current B',
  models: 'The model registry: ls, show NAME[@ALIAS|:VERSION], promote, rollback, diff, tag, delete',
  approve: 'Approve the model versions of a run that wait for manual approval',
  rollback: 'Put the previous holder of an alias back: mlops rollback NAME [--alias champion]',
  monitor: 'Run a monitor once (monitor run NAME), list monitors, or show past results',
  daemon: 'Run schedules, monitors, triggers and notifications in the foreground (one per project)',
  labels: 'Import labels that arrived later, joined to predictions by request id',
  deploy: 'Deploy a registered model: mlops deploy NAME@champion --target http [--port 8080]',
  serve: 'Serve a registered model over HTTP in the foreground (follows its alias)',
  deployments: 'List deployments (deployments ls) or stop one (deployments stop ID)',
  worker: 'Run the steps a remote executor (e.g. @mlops/executor-bullmq) hands out: mlops worker [--concurrency N] [--queue Q]',
  doctor: 'Check that every configured backend (stores, executor, trainers, notifiers, deploy targets) is reachable',
  add: 'Install a plugin and add it to mlops.config.ts: mlops add PACKAGE [--option key=value]',
  export: 'Write a GitHub Actions workflow, Kubernetes CronJob or Argo workflow that runs a pipeline or monitor on a schedule',
}

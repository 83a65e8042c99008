import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { HttpDeployTarget } from './deploy.js'

export const httpDeployOptions = z.object({
  /** How long `mlops deploy` waits for the background server to answer /v2/health/ready (ms, default 60000). */
  readyTimeoutMs: z.int().min(100).optional(),
  /** How long `mlops deployments stop` waits after SIGTERM before SIGKILL (ms, default 30000). */
  stopTimeoutMs: z.int().min(0).optional(),
  /** A command to run instead of `mlops serve …` (a wrapper); the original is in MLOPS_SERVE_COMMAND (JSON). */
  command: z.array(z.string().min(1)).min(1).optional(),
})

/** The built-in http deploy target: `deployHttp()` in `plugins` (the CLI wires it when the config names none). */
export const deployHttp = definePlugin({
  name: '@mlops/deploy-http',
  apiVersion: 1,
  version: '0.1.0',
  options: httpDeployOptions,
  setup: (options, ctx) => ({
    deployTarget: new HttpDeployTarget(
      {
        ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
        ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
        ...(options.command !== undefined ? { command: options.command } : {}),
      },
      ctx,
    ),
  }),
})

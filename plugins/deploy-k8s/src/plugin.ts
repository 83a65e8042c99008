import { definePlugin } from '@mlops/core'
import { k8sDeployOptions } from './options.js'
import { K8sDeployTarget } from './target.js'

/**
 * The Kubernetes deploy target (`--target k8s`):
 * `plugins: [deployK8s({ namespace: 'ml', image: 'ghcr.io/acme/penguins:1' })]` in mlops.config.ts.
 */
export const deployK8s = definePlugin({
  name: '@mlops/deploy-k8s',
  apiVersion: 1,
  version: '0.1.0',
  options: k8sDeployOptions,
  setup: (options, ctx) => ({ deployTarget: new K8sDeployTarget(options, ctx) }),
})

import type { DeployRequest } from '@mlops/core'

/** A deploy request as `mlops deploy penguins@champion --target k8s` makes it. */
export function request(overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    deploymentId: 'penguins-champion-k8s',
    model: 'penguins',
    selector: { alias: 'champion' },
    resolved: { version: '3', artifactHash: 'ab'.repeat(32) },
    project: { name: 'palmer', root: '/srv/palmer', configFile: '/srv/palmer/mlops.config.ts' },
    serveCommand: ['npx', 'mlops', 'serve', 'penguins@champion', '--target', 'http', '--deployment', 'penguins-champion-k8s'],
    settings: {},
    ...overrides,
  }
}

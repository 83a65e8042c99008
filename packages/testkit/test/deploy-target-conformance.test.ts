import type { DeploymentStatus } from '@mlops/core'
import { deployTargetConformance } from '@mlops/testkit'
import { describe, expect, it } from 'vitest'
import { MemoryDeployTarget } from './fixtures/memory-deploy-target.js'
import { recorder } from './fixtures/recorder.js'

// The reference in-memory target passes the whole suite.
deployTargetConformance({ describe, it }, { pluginName: 'memory (reference)', create: async () => new MemoryDeployTarget() })

describe('the deployTarget suite fails a target that breaks the contract', () => {
  const broken: [string, string, new () => MemoryDeployTarget][] = [
    [
      'answers status() for any id',
      'an unknown deployment id is rejected',
      class extends MemoryDeployTarget {
        override async status(id: string): Promise<DeploymentStatus> {
          return this.deployments.get(id) ?? { id, target: this.name, model: { model: 'penguins', version: '1' }, state: 'running' }
        }
      },
    ],
    [
      'keeps the first version on a redeploy',
      'deploying an id again replaces it',
      class extends MemoryDeployTarget {
        protected override record(status: DeploymentStatus): void {
          if (!this.deployments.has(status.id)) super.record(status)
        }
      },
    ],
    [
      'returns its own ids',
      'deploy returns a status with the id',
      class extends MemoryDeployTarget {
        protected override record(status: DeploymentStatus): void {
          super.record({ ...status, id: `dep-${this.deployments.size}` })
        }
      },
    ],
    [
      'throws a plain Error for an unknown id',
      'an unknown deployment id is rejected',
      class extends MemoryDeployTarget {
        override async undeploy(id: string): Promise<void> {
          if (!this.deployments.delete(id)) throw new Error(`unknown ${id}`)
        }
      },
    ],
    [
      'creates dry-run deployments',
      'a dry run describes the deployment',
      class extends MemoryDeployTarget {
        override async deploy(...args: Parameters<MemoryDeployTarget['deploy']>) {
          return super.deploy({ ...args[0], dryRun: false }, args[1])
        }
      },
    ],
    [
      'does not stop on undeploy',
      'undeploy ends the deployment',
      class extends MemoryDeployTarget {
        override async undeploy(id: string): Promise<void> {
          await this.status(id)
        }
      },
    ],
  ]
  for (const [what, failingCase, Target] of broken) {
    it(`a target that ${what} fails "${failingCase}"`, async () => {
      const { api, find } = recorder()
      deployTargetConformance(api, { pluginName: 'broken', create: async () => new Target() })
      await expect(find(failingCase).run!()).rejects.toThrow()
    })
  }
})

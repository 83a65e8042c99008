import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { trainerConformance } from '@mlops/testkit'
import { describe, it } from 'vitest'
import { createCommandTrainer } from '../src/index.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

trainerConformance(
  { describe, it },
  {
    pluginName: '@mlops/trainer-command',
    create: () => createCommandTrainer({ command: ['sh', 'train.sh'], cwd: fixtures }),
    async succeeding(inputDir) {
      const data = join(inputDir, 'data.csv')
      await writeFile(data, 'x,y\n1,2\n3,4\n')
      return { inputs: { data }, params: { lr: 0.1 } }
    },
    failing: () => ({ trainer: createCommandTrainer({ command: ['sh', 'fail.sh'], cwd: fixtures }), inputs: {}, params: {} }),
    slow: () => ({ trainer: createCommandTrainer({ command: ['sh', 'slow.sh'], cwd: fixtures, killGraceMs: 2_000 }), inputs: {}, params: {} }),
  },
)

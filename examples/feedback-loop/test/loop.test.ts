import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const example = fileURLToPath(new URL('../', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

describe('examples/feedback-loop', () => {
  it('closes the loop: train, deploy, replay drifted traffic, monitor, retrain, gate, promote without a restart, notify', () => {
    // A copy inside the repository, so @mlops/* resolve through the workspace's node_modules.
    mkdirSync(join(repoRoot, 'test/.tmp'), { recursive: true })
    const dir = mkdtempSync(join(repoRoot, 'test/.tmp', 'feedback-loop-'))
    try {
      cpSync(example, dir, { recursive: true, filter: (src) => !/[/\\](\.mlops|node_modules|test)$/.test(src) })
      const result = spawnSync(process.execPath, [join(example, 'scripts/loop.mjs')], { env: { ...process.env, MLOPS_LOOP_DIR: dir }, encoding: 'utf8', timeout: 150_000 })
      const out = result.stdout
      expect(result.status, `${out}\n${result.stderr}`).toBe(0)
      for (const stage of [
        'weather:1 passed its gates and is weather@champion',
        'GET /v2/models/weather serves version 1',
        '120 Seattle days scored',
        '365 New York days scored',
        'labels joined to the prediction log by request id',
        'the monitor found drift in the New York traffic',
        'onDrift fired and retrained',
        'beat the champion on the same evaluation data and was promoted (@champion 1 → 2)',
        'now serves version 2 (same server',
        'drift.detected, trigger.fired and model.promoted were delivered',
        'every registration, promotion and its reason is recorded',
        'the server drained its requests and prediction log',
      ]) {
        expect(out).toContain(stage)
      }
      expect(out).toMatch(/ALERT {2}drift: \d of 4 columns drifted/)
      expect(out).toMatch(/promote {3}2 {8}champion {2}1 → 2/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

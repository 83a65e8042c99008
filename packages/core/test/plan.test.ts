import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseParamArgs, planRun } from '../src/index.js'

describe('planRun', () => {
  it('re-plans a run from its recorded params as they are, even when the schema transforms its input', async () => {
    const config = await loadConfig({ cwd: fileURLToPath(new URL('./fixtures/transforming-params/', import.meta.url)) })
    const fresh = planRun(config, 'train', parseParamArgs(['source=data/b.csv']))
    expect(fresh.steps[0]!.params).toEqual({ source: { path: 'data/b.csv', length: 10 } })
    // Feeding the parsed value back through the schema fails: it wants the text, not the object.
    expect(() => planRun(config, 'train', [{ stepId: 'load', key: 'source', value: fresh.steps[0]!.params.source, raw: 'load.source' }])).toThrow(/expected string/)
    // Re-planning a run (resume, a remote worker) keeps what the run recorded.
    const replanned = planRun(config, 'train', [], { load: fresh.steps[0]!.params })
    expect(replanned.steps[0]!.params).toEqual({ source: { path: 'data/b.csv', length: 10 } })
    expect(replanned.codeVersion).toBe(fresh.codeVersion)
  })
})

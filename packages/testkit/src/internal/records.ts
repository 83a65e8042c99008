import type { ArtifactRecord, RunEnvironment, RunRecord, StepCompletion, StepRecord } from '@mlops/core'
import { sha256 } from './bytes.js'

const BASE_MS = Date.UTC(2026, 0, 15, 9, 0, 0)

/** An ISO timestamp `minutes` after a fixed base, with milliseconds (how core writes them). */
export function at(minutes: number): string {
  return new Date(BASE_MS + minutes * 60_000 + 123).toISOString()
}

export function environment(): RunEnvironment {
  return {
    nodeVersion: 'v20.20.0',
    platform: 'linux',
    arch: 'x64',
    osRelease: '6.1.0',
    hostname: 'build-1',
    user: 'ci',
    gitCommit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    gitDirty: false,
    lockfileHash: null,
    packages: { '@mlops/core': '0.1.0', zod: '4.1.0' },
  }
}

export function makeRun(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    pipeline: 'train',
    status: 'running',
    params: { prepare: { split: 0.8, seed: 42 }, fit: { lr: 0.01, layers: [64, 32], tags: { team: 'ml' }, note: 'ünïcode ✓' } },
    codeVersion: sha256(`code:${id}`),
    environment: environment(),
    pid: 4242,
    hostname: 'build-1',
    startedAt: at(0),
    finishedAt: null,
    error: null,
    resumeCount: 0,
    ...overrides,
  }
}

export function makeStep(runId: string, stepId: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    runId,
    stepId,
    stepName: stepId.replace(/#.*$/, ''),
    status: 'running',
    cacheKey: sha256(`cache:${stepId}`),
    codeVersion: sha256(`code:${stepId}`),
    params: { seed: 42, nested: { list: [1, 'two', null, true] } },
    attempts: 1,
    startedAt: at(1),
    finishedAt: null,
    durationMs: null,
    cachedFromRunId: null,
    error: null,
    ...overrides,
  }
}

export function makeArtifact(content: string, overrides: Partial<ArtifactRecord> = {}): ArtifactRecord {
  return {
    hash: sha256(content),
    kind: 'dataset',
    size: content.length,
    mediaType: 'application/vnd.apache.parquet',
    createdAt: at(2),
    meta: { rows: 1000, columns: ['a', 'b'], schema: { a: 'float64', b: 'string' } },
    ...overrides,
  }
}

export function makeCompletion(overrides: Partial<StepCompletion> = {}): StepCompletion {
  return {
    status: 'succeeded',
    finishedAt: at(3),
    durationMs: 1234.5,
    attempts: 1,
    cachedFromRunId: null,
    artifacts: [],
    inputs: [],
    outputs: [],
    metrics: [],
    ...overrides,
  }
}

export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : 0
  }
}

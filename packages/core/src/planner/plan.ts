import { z } from 'zod'
import type { LoadedConfig } from '../config/load-config.js'
import type { PipelineNode } from '../dsl/pipeline.js'
import type { StepDefinition } from '../dsl/step.js'
import { ParamInvalid, ParamUnknown, PipelineUnknown, UsageInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import { hashJson, sha256Hex } from '../util/hash.js'

export interface ParamOverride {
  /** Node id when written as `step.key=value`. */
  stepId: string | undefined
  key: string
  value: unknown
  /** As typed, for messages. */
  raw: string
}

export interface PlannedStep {
  id: string
  index: number
  stepName: string
  step: StepDefinition
  /** Parsed by the step's schema: defaults included, so a changed default changes the cache key. */
  params: Record<string, unknown>
  codeVersion: string
  dependsOn: string[]
  inputs: PipelineNode['inputs']
}

export interface RunPlan {
  pipeline: string
  steps: PlannedStep[]
  /** Hash over every step's code version and the graph's wiring. */
  codeVersion: string
}

/** `--param lr=0.1` / `--param train.lr=0.1`; values are JSON when they parse as JSON, else strings. */
export function parseParamArgs(args: readonly string[]): ParamOverride[] {
  return args.map((raw) => {
    const eq = raw.indexOf('=')
    if (eq <= 0) throw mlopsError(UsageInvalid, [`--param ${raw}: expected name=value (or step.name=value)`])
    const name = raw.slice(0, eq)
    const text = raw.slice(eq + 1)
    let value: unknown = text
    try {
      value = JSON.parse(text)
    } catch {
      value = text
    }
    const dot = name.lastIndexOf('.')
    return dot > 0 ? { stepId: name.slice(0, dot), key: name.slice(dot + 1), value, raw } : { stepId: undefined, key: name, value, raw }
  })
}

/** The step's code identity: its own source plus its declared version and output kinds. */
export function stepCodeVersion(step: StepDefinition): string {
  const config = step.config
  return sha256Hex(
    JSON.stringify({
      name: config.name,
      version: config.version ?? null,
      run: config.run.toString(),
      outputs: Object.fromEntries(Object.entries(config.outputs).map(([k, v]) => [k, v.kind])),
    }),
  )
}

export function computeCacheKey(stepName: string, codeVersion: string, params: Record<string, unknown>, inputHashes: Record<string, string>): string {
  return hashJson({ stepName, codeVersion, params, inputs: inputHashes })
}

function schemaKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return []
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape)
  return []
}

/** Resolves params (config values, then CLI overrides, then zod defaults) and the run order. */
/**
 * Plans a run of `pipelineName`: each step's params are the pipeline's plus `overrides`, parsed by the
 * step's schema. `recorded` (a run's stored params, already parsed) re-plans an existing run (resume, a
 * remote worker): those steps keep their recorded params as they are, since a schema's transform need
 * not accept its own output (a path parsed into `{ path, sha256 }`).
 */
export function planRun(
  config: LoadedConfig,
  pipelineName: string,
  overrides: readonly ParamOverride[] = [],
  recorded?: Readonly<Record<string, Record<string, unknown>>>,
): RunPlan {
  const entry = config.pipelines.get(pipelineName)
  if (!entry) throw mlopsError(PipelineUnknown, [pipelineName, [...config.pipelines.keys()]])
  const nodes = entry.graph.nodes
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const applied = new Map<string, Map<string, ParamOverride>>()
  for (const override of overrides) {
    const targets = override.stepId !== undefined ? [byId.get(override.stepId)].filter((n) => n !== undefined) : nodes.filter((n) => schemaKeys(n.step.config.params).includes(override.key))
    const declaredBy = targets.filter((n) => schemaKeys(n.step.config.params).includes(override.key))
    if (declaredBy.length === 0) {
      const known = nodes.flatMap((n) => schemaKeys(n.step.config.params).map((k) => `${n.id}.${k}`))
      throw mlopsError(ParamUnknown, [override.stepId ? `${override.stepId}.${override.key}` : override.key, pipelineName, known])
    }
    for (const node of declaredBy) {
      let map = applied.get(node.id)
      if (!map) applied.set(node.id, (map = new Map()))
      map.set(override.key, override)
    }
  }
  const steps: PlannedStep[] = nodes.map((node) => {
    const base = {
      id: node.id,
      index: node.index,
      stepName: node.step.config.name,
      step: node.step,
      codeVersion: stepCodeVersion(node.step),
      dependsOn: [...new Set(Object.values(node.inputs).map((i) => i.nodeId))],
      inputs: node.inputs,
    }
    const kept = recorded?.[node.id]
    if (kept !== undefined) return { ...base, params: kept }
    const schema = node.step.config.params ?? z.object({})
    const fromCli = applied.get(node.id)
    const merged: Record<string, unknown> = { ...node.params }
    for (const [key, o] of fromCli ?? []) merged[key] = o.value
    const parsed = schema.safeParse(merged)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const key = String(issue.path[0] ?? '')
      const cli = fromCli?.get(key)
      const path = `pipelines.${pipelineName}.steps[${node.index}].params${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`
      throw mlopsError(ParamInvalid, [cli ? `${path} (from --param ${cli.raw})` : path, issue.message], { loc: { file: config.file, path } })
    }
    return { ...base, params: parsed.data as Record<string, unknown> }
  })
  const codeVersion = hashJson(steps.map((s) => ({ id: s.id, code: s.codeVersion, inputs: s.inputs })))
  return { pipeline: pipelineName, steps, codeVersion }
}

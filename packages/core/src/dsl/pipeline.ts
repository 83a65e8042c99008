import { PipelineInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactRef, StepDefinition } from './step.js'

export interface PipelineNode {
  /** Unique in the pipeline: the step name, or the `id` option. */
  id: string
  /** Position in `steps()` order; used in error paths (`pipelines.train.steps[2]`). */
  index: number
  step: StepDefinition
  /** Params given where the step was added (before CLI overrides and schema defaults). */
  params: Record<string, unknown>
  /** Input name → producing node and output. */
  inputs: Record<string, { nodeId: string; output: string }>
}

export interface PipelineGraph {
  nodes: PipelineNode[]
}

export interface PipelineConfig {
  description?: string
  /** Builds the graph by calling steps like functions; runs once when the config is loaded. */
  steps: () => void
}

const PIPELINE_BRAND = Symbol.for('@mlops/core/pipeline')

export interface PipelineDefinition {
  readonly [PIPELINE_BRAND]: true
  readonly description: string | undefined
  readonly build: () => void
}

export function pipeline(config: PipelineConfig): PipelineDefinition {
  return { [PIPELINE_BRAND]: true, description: config.description, build: config.steps }
}

export function isPipelineDefinition(value: unknown): value is PipelineDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PIPELINE_BRAND] === true
}

class GraphBuilder {
  readonly nodes: PipelineNode[] = []
  private readonly ids = new Set<string>()

  constructor(private readonly where: string) {}

  addNode(step: StepDefinition, inputs: Record<string, ArtifactRef>, options: { id?: string; params?: unknown }): Record<string, ArtifactRef> {
    const index = this.nodes.length
    const path = `${this.where}.steps[${index}]`
    let id = options.id ?? step.config.name
    if (options.id === undefined) for (let n = 2; this.ids.has(id); n++) id = `${step.config.name}_${n}`
    if (this.ids.has(id)) throw mlopsError(PipelineInvalid, [path, `step id "${id}" is used twice; give each use its own { id }`])
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw mlopsError(PipelineInvalid, [path, `step id "${id}" may only contain letters, digits, "_", "-" and "."`])
    const declared = step.config.inputs ?? {}
    const wired: PipelineNode['inputs'] = {}
    for (const name of Object.keys(declared)) {
      const ref = inputs[name]
      if (!ref || typeof ref !== 'object' || typeof ref.nodeId !== 'string') {
        throw mlopsError(PipelineInvalid, [`${path}.inputs.${name}`, `input "${name}" of step "${id}" is not connected to a step output`])
      }
      if (!this.ids.has(ref.nodeId)) {
        throw mlopsError(PipelineInvalid, [`${path}.inputs.${name}`, `refers to step "${ref.nodeId}", which is not part of this pipeline`])
      }
      const expected = declared[name]!.kind
      if (ref.artifact.kind !== expected) {
        throw mlopsError(PipelineInvalid, [`${path}.inputs.${name}`, `expects a ${expected} artifact, got ${ref.nodeId}.${ref.output} (${ref.artifact.kind})`])
      }
      wired[name] = { nodeId: ref.nodeId, output: ref.output }
    }
    for (const name of Object.keys(inputs)) {
      if (!(name in declared)) throw mlopsError(PipelineInvalid, [`${path}.inputs.${name}`, `step "${step.config.name}" declares no input "${name}"`])
    }
    const params = options.params ?? {}
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw mlopsError(PipelineInvalid, [`${path}.params`, 'params must be an object'])
    }
    this.ids.add(id)
    this.nodes.push({ id, index, step, params: params as Record<string, unknown>, inputs: wired })
    const outputs: Record<string, ArtifactRef> = {}
    for (const [output, type] of Object.entries(step.config.outputs)) {
      outputs[output] = { nodeId: id, output, artifact: type, __kind: type.kind }
    }
    return outputs
  }
}

// On globalThis, not in a module variable: a config may load a second copy of @mlops/core (source
// vs dist, or two installs), and steps from either copy must reach the builder that is collecting.
const ACTIVE = Symbol.for('@mlops/core/activeGraphBuilder')
const slot = globalThis as { [ACTIVE]?: GraphBuilder }

export function currentBuilder(stepName: string): GraphBuilder {
  const active = slot[ACTIVE]
  if (!active) {
    throw new Error(`Step "${stepName}" was called outside a pipeline: call steps only inside pipeline({ steps() { … } }).`)
  }
  return active
}

/** Runs a pipeline's `steps()` to collect its graph. `where` is the config path, e.g. `pipelines.train`. */
export function buildPipelineGraph(definition: PipelineDefinition, where: string): PipelineGraph {
  if (slot[ACTIVE]) throw new Error('buildPipelineGraph is not re-entrant')
  const builder = new GraphBuilder(where)
  slot[ACTIVE] = builder
  try {
    definition.build()
  } finally {
    slot[ACTIVE] = undefined
  }
  if (builder.nodes.length === 0) throw mlopsError(PipelineInvalid, [`${where}.steps`, 'the pipeline adds no steps'])
  return { nodes: builder.nodes }
}

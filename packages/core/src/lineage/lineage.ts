import { ArtifactNotFound } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactRecord, MetadataStore, StepIoRecord, StepRecord } from '../plugin/kinds.js'
import { resolveArtifact, resolveRun } from '../runtime/resolve.js'

export interface LineageStepNode {
  type: 'step'
  key: string
  runId: string
  stepId: string
  stepName: string
  status: StepRecord['status']
}
export interface LineageArtifactNode {
  type: 'artifact'
  key: string
  hash: string
  kind: string
  meta: Record<string, unknown>
}
export type LineageNode = LineageStepNode | LineageArtifactNode
export interface LineageEdge {
  from: string
  to: string
  /** Input or output name on the step side. */
  name: string
}
export interface LineageGraph {
  root: { type: 'run'; runId: string } | { type: 'artifact'; hash: string }
  nodes: LineageNode[]
  edges: LineageEdge[]
}

/**
 * The upstream graph of an artifact (data → steps → model), following each artifact to the step that
 * first produced it, or the whole graph of a run. `ref` is a run id, an artifact hash or a unique prefix.
 */
export async function traceLineage(metadata: MetadataStore, ref: string): Promise<LineageGraph> {
  const artifact = await resolveArtifact(metadata, ref)
  const nodes = new Map<string, LineageNode>()
  const edges: LineageEdge[] = []
  const ioCache = new Map<string, StepIoRecord[]>()
  const stepCache = new Map<string, StepRecord[]>()
  const io = async (runId: string) => {
    let list = ioCache.get(runId)
    if (!list) ioCache.set(runId, (list = await metadata.listStepIo(runId)))
    return list
  }
  const steps = async (runId: string) => {
    let list = stepCache.get(runId)
    if (!list) stepCache.set(runId, (list = await metadata.listSteps(runId)))
    return list
  }
  const addArtifact = async (hash: string, record?: ArtifactRecord) => {
    const key = `artifact:${hash}`
    if (nodes.has(key)) return key
    const found = record ?? (await metadata.getArtifact(hash))
    nodes.set(key, { type: 'artifact', key, hash, kind: found?.kind ?? 'unknown', meta: found?.meta ?? {} })
    return key
  }
  const addStep = async (runId: string, stepId: string) => {
    const key = `step:${runId}/${stepId}`
    if (nodes.has(key)) return { key, isNew: false }
    const record = (await steps(runId)).find((s) => s.stepId === stepId)
    nodes.set(key, { type: 'step', key, runId, stepId, stepName: record?.stepName ?? stepId, status: record?.status ?? 'pending' })
    return { key, isNew: true }
  }

  if (artifact) {
    const queue = [artifact.hash]
    await addArtifact(artifact.hash, artifact)
    const seen = new Set<string>()
    while (queue.length > 0) {
      const hash = queue.shift()!
      if (seen.has(hash)) continue
      seen.add(hash)
      const producers = await metadata.findProducers(hash)
      const producer = producers[0]
      if (!producer) continue
      const { key: stepKey, isNew } = await addStep(producer.runId, producer.stepId)
      edges.push({ from: stepKey, to: `artifact:${hash}`, name: producer.name })
      if (!isNew) continue
      for (const input of (await io(producer.runId)).filter((e) => e.stepId === producer.stepId && e.direction === 'input')) {
        edges.push({ from: await addArtifact(input.hash), to: stepKey, name: input.name })
        queue.push(input.hash)
      }
    }
    return { root: { type: 'artifact', hash: artifact.hash }, nodes: [...nodes.values()], edges }
  }

  let run
  try {
    run = await resolveRun(metadata, ref)
  } catch {
    throw mlopsError(ArtifactNotFound, [ref])
  }
  for (const step of await steps(run.id)) await addStep(run.id, step.stepId)
  for (const edge of await io(run.id)) {
    const stepKey = `step:${run.id}/${edge.stepId}`
    const artifactKey = await addArtifact(edge.hash)
    edges.push(edge.direction === 'input' ? { from: artifactKey, to: stepKey, name: edge.name } : { from: stepKey, to: artifactKey, name: edge.name })
  }
  return { root: { type: 'run', runId: run.id }, nodes: [...nodes.values()], edges }
}

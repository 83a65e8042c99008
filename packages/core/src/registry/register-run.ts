import type { LoadedConfig } from '../config/load-config.js'
import type { ModelDefinition } from '../dsl/model.js'
import { ModelConfigInvalid, RunNotFound } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactStore, Logger, MetadataStore } from '../plugin/kinds.js'
import { loadModelVersion, readArtifactValue } from './load.js'
import { outputHash, parseOutputRef, type OutputRef } from './output-ref.js'
import { Registry } from './registry.js'
import { signatureOf } from './signature.js'
import type { GateResult, ModelVersion } from './types.js'

export interface RegistrationOutcome {
  model: string
  version: ModelVersion
  /** `unchanged`: the run produced an artifact an existing version already holds. */
  outcome: 'unchanged' | 'promoted' | 'rejected' | 'awaiting-approval' | 'registered'
  alias: string
  /** The alias holder before this registration. */
  previous: string | null
  gate: GateResult | null
}

function splitOutput(where: string, output: string): OutputRef {
  const ref = parseOutputRef(output)
  if (!ref) throw mlopsError(ModelConfigInvalid, [where, `"${output}" must name a step output as "step.output" (e.g. "train.model")`])
  return ref
}

/** The models whose versions come from `pipeline`. */
export function modelsOfPipeline(config: LoadedConfig, pipeline: string): [string, ModelDefinition][] {
  return [...config.models.entries()].filter(([, d]) => d.config.source.pipeline === pipeline)
}

/**
 * After a run of a model's source pipeline succeeded: registers its output as a new version (unless an
 * existing version holds the same artifact), evaluates the gates against the alias holder on the same
 * evaluation data, records the outcome, and promotes the version when every gate passed (and no manual
 * approval is required). A rejected version stays in the registry with its reasons.
 */
export async function registerRunModels(options: {
  config: LoadedConfig
  metadata: MetadataStore
  storage: ArtifactStore
  runId: string
  actor: string
  logger?: Logger
}): Promise<RegistrationOutcome[]> {
  const { config, metadata, storage, runId, actor } = options
  const run = await metadata.getRun(runId)
  if (!run) throw mlopsError(RunNotFound, [runId])
  const models = modelsOfPipeline(config, run.pipeline)
  if (models.length === 0 || run.status !== 'succeeded') return []
  const registry = new Registry(metadata)
  const io = await metadata.listStepIo(runId)
  const metrics: Record<string, number> = {}
  for (const m of await metadata.listMetrics(runId)) metrics[`${m.stepId}.${m.key}`] = m.value
  const steps = await metadata.listSteps(runId)
  const hasInputs = new Set(io.filter((e) => e.direction === 'input').map((e) => e.stepId))
  const dataHashes: Record<string, string> = {}
  for (const s of steps) if (!hasInputs.has(s.stepId)) for (const e of io) if (e.direction === 'output' && e.stepId === s.stepId) dataHashes[`${e.stepId}.${e.name}`] = e.hash

  const outcomes: RegistrationOutcome[] = []
  for (const [name, definition] of models) {
    const where = `models.${name}`
    const cfg = definition.config
    const alias = cfg.alias ?? 'champion'
    const source = splitOutput(`${where}.source.output`, cfg.source.output)
    const hash = outputHash(io, source)
    if (!hash) throw mlopsError(ModelConfigInvalid, [`${where}.source.output`, `run ${runId} of pipeline "${run.pipeline}" has no output "${cfg.source.output}"`])
    const artifact = await metadata.getArtifact(hash)
    const head = await registry.getModel(name)
    const previous = head?.aliases[alias]?.at(-1) ?? null
    const existing = await registry.findVersionByArtifact(name, hash)
    if (existing) {
      outcomes.push({ model: name, version: existing, outcome: 'unchanged', alias, previous, gate: existing.gate })
      continue
    }
    let evaluation: { output: string; hash: string } | null = null
    let evaluationRows: Record<string, unknown>[] | undefined
    if (cfg.evaluation) {
      const ev = splitOutput(`${where}.evaluation.output`, cfg.evaluation.output)
      const evHash = outputHash(io, ev)
      if (!evHash) throw mlopsError(ModelConfigInvalid, [`${where}.evaluation.output`, `run ${runId} has no output "${cfg.evaluation.output}"`])
      const rows = await readArtifactValue(storage, evHash, 'dataset')
      if (!Array.isArray(rows)) throw mlopsError(ModelConfigInvalid, [`${where}.evaluation.output`, `"${cfg.evaluation.output}" is not a dataset (an array of rows)`])
      evaluation = { output: cfg.evaluation.output, hash: evHash }
      evaluationRows = rows as Record<string, unknown>[]
    }
    const classes =
      cfg.task === 'classification' && cfg.label && evaluationRows
        ? [...new Set(evaluationRows.map((r) => String(r[cfg.label!])))].sort()
        : undefined
    const version = await registry.register(
      {
        name,
        description: cfg.description ?? null,
        artifactHash: hash,
        artifactKind: artifact?.kind ?? 'model',
        mediaType: artifact?.mediaType ?? 'application/json',
        runId,
        pipeline: run.pipeline,
        output: cfg.source.output,
        codeVersion: run.codeVersion,
        params: run.params,
        dataHashes,
        metrics,
        evaluation,
        signature: signatureOf(cfg.input, cfg.task, classes),
      },
      { actor, reason: `registered from run ${runId}` },
    )
    const { evaluateGates } = await import('./gates.js')
    const candidate = await loadModelVersion(storage, definition, version)
    let holder: Parameters<typeof evaluateGates>[0]['holder']
    if (previous !== null) {
      const held = await registry.getVersion(name, previous)
      if (held) holder = { version: previous, model: await loadModelVersion(storage, definition, held), runMetrics: held.metrics }
    }
    const gate = await evaluateGates({ gates: cfg.gates, task: cfg.task, label: cfg.label, evaluationRows, candidate: { model: candidate, runMetrics: metrics }, holder })
    const recorded = await registry.recordGate(name, version.version, gate, { actor })
    if (!gate.passed) {
      outcomes.push({ model: name, version: recorded, outcome: 'rejected', alias, previous, gate })
      continue
    }
    if (gate.awaitingApproval) {
      outcomes.push({ model: name, version: recorded, outcome: 'awaiting-approval', alias, previous, gate })
      continue
    }
    const checks = gate.checks.map((c) => c.name).join(', ')
    await registry.promote(name, version.version, alias, { actor, reason: checks ? `passed gates (${checks})` : 'no gates configured' }, { expectHolder: previous })
    outcomes.push({ model: name, version: (await registry.getVersion(name, version.version))!, outcome: 'promoted', alias, previous, gate })
  }
  return outcomes
}

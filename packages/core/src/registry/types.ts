import type { ModelSignature } from '../plugin/kinds.js'

/** The registry's documents (collections `models`, `model-versions`, `model-audit` of the metadata store). */

export interface ModelHead {
  name: string
  description: string | null
  task: ModelSignature['task']
  createdAt: string
  /** Highest version number handed out. */
  latestVersion: number
  /** Alias → the versions that held it, oldest first; the last one holds it now. Rollback pops it. */
  aliases: Record<string, string[]>
  tags: Record<string, string>
}

export type VersionStatus = 'registered' | 'awaiting-approval' | 'promoted' | 'rejected'

export interface GateCheck {
  name: string
  passed: boolean
  detail: string
}

export interface GateResult {
  passed: boolean
  /** True when every other check passed and the version waits for `mlops approve`. */
  awaitingApproval: boolean
  checks: GateCheck[]
  /** The alias holder the candidate was compared with. */
  comparedWith: string | null
  metrics: { candidate: Record<string, number>; holder: Record<string, number> | null }
  evaluatedAt: string
}

export interface ModelVersion {
  name: string
  version: string
  artifactHash: string
  artifactKind: string
  mediaType: string
  /** Lineage: the run, its pipeline and output, code version, params and the data it read. */
  runId: string
  pipeline: string
  output: string
  codeVersion: string
  params: Record<string, Record<string, unknown>>
  /** Input artifacts of the run that no step of the run produced (the data it was trained on). */
  dataHashes: Record<string, string>
  /** Last value of each metric the run recorded, as `step.key`. */
  metrics: Record<string, number>
  /** The evaluation dataset (output of the same run) the gates used. */
  evaluation: { output: string; hash: string } | null
  signature: ModelSignature
  status: VersionStatus
  gate: GateResult | null
  tags: Record<string, string>
  createdAt: string
  createdBy: string
}

export type AuditAction = 'register' | 'promote' | 'rollback' | 'reject' | 'await-approval' | 'approve' | 'delete' | 'tag'

export interface AuditEntry {
  id: string
  at: string
  actor: string
  action: AuditAction
  model: string
  version: string | null
  alias: string | null
  /** For alias moves: the previous and the new holder. */
  from: string | null
  to: string | null
  reason: string | null
}

/** `name`, `name@alias` or `name:version`. */
export interface ModelRef {
  name: string
  alias?: string
  version?: string
}

import { randomUUID } from 'node:crypto'
import { userInfo } from 'node:os'
import {
  AliasNotFound,
  ApprovalNotPending,
  ModelNotFound,
  ModelRefInvalid,
  ModelVersionInUse,
  ModelVersionNotFound,
  NoPreviousAliasHolder,
  WriteConflict,
} from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { DocumentRecord, DocumentWrite, MetadataStore } from '../plugin/kinds.js'
import type { AuditAction, AuditEntry, GateResult, ModelHead, ModelRef, ModelVersion, VersionStatus } from './types.js'

export const MODELS = 'models'
export const MODEL_VERSIONS = 'model-versions'
export const MODEL_AUDIT = 'model-audit'

const NAME = /^[A-Za-z0-9_.-]+$/

/** Parses `name`, `name@alias` or `name:version`. */
export function parseModelRef(text: string): ModelRef {
  const m = /^([A-Za-z0-9_.-]+)(?:@([A-Za-z0-9_.-]+)|:(\d+))?$/.exec(text)
  if (!m) throw mlopsError(ModelRefInvalid, [text])
  return { name: m[1]!, ...(m[2] ? { alias: m[2] } : {}), ...(m[3] ? { version: String(Number(m[3])) } : {}) }
}

export function formatModelRef(ref: ModelRef): string {
  return ref.alias ? `${ref.name}@${ref.alias}` : ref.version ? `${ref.name}:${ref.version}` : ref.name
}

/** Who is acting: `--actor`, else MLOPS_ACTOR, else the OS user. */
export function resolveActor(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (explicit) return explicit
  if (env.MLOPS_ACTOR) return env.MLOPS_ACTOR
  try {
    return userInfo().username
  } catch {
    return env.USER ?? 'unknown'
  }
}

function versionKey(name: string, version: string | number): string {
  return `${name}/${String(version).padStart(8, '0')}`
}

export interface RegisterInput extends Omit<ModelVersion, 'version' | 'status' | 'gate' | 'tags' | 'createdAt' | 'createdBy'> {
  description: string | null
}

export interface ActorInput {
  actor: string
  reason?: string
}

/**
 * The model registry over the metadata store's documents. Every change is one `commit`: the head
 * document (aliases, version counter) is written with the revision it was read at, so a change that
 * races another fails with MLOPS_WRITE_CONFLICT instead of overwriting it, and the audit entry and the
 * event commit with it.
 */
export class Registry {
  constructor(readonly metadata: MetadataStore) {}

  async listModels(): Promise<ModelHead[]> {
    return (await this.metadata.listDocuments(MODELS)).map((d) => d.value as ModelHead)
  }

  async getModel(name: string): Promise<ModelHead | undefined> {
    return (await this.metadata.getDocument(MODELS, name))?.value as ModelHead | undefined
  }

  async #head(name: string): Promise<DocumentRecord & { value: ModelHead }> {
    const doc = await this.metadata.getDocument(MODELS, name)
    if (!doc) {
      const known = (await this.listModels()).map((m) => m.name)
      throw mlopsError(ModelNotFound, [name, known])
    }
    return doc as DocumentRecord & { value: ModelHead }
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    return (await this.metadata.listDocuments(MODEL_VERSIONS, { prefix: `${name}/` })).map((d) => d.value as ModelVersion)
  }

  async getVersion(name: string, version: string): Promise<ModelVersion | undefined> {
    return (await this.metadata.getDocument(MODEL_VERSIONS, versionKey(name, version)))?.value as ModelVersion | undefined
  }

  async #version(name: string, version: string): Promise<DocumentRecord & { value: ModelVersion }> {
    const doc = await this.metadata.getDocument(MODEL_VERSIONS, versionKey(name, version))
    if (!doc) {
      const versions = (await this.listVersions(name)).map((v) => v.version)
      throw mlopsError(ModelVersionNotFound, [name, version, versions])
    }
    return doc as DocumentRecord & { value: ModelVersion }
  }

  /** The version a reference points at: `name:3`, `name@champion`, or `name` (the latest version). */
  async resolve(ref: ModelRef | string): Promise<{ head: ModelHead; version: ModelVersion }> {
    const r = typeof ref === 'string' ? parseModelRef(ref) : ref
    const head = (await this.#head(r.name)).value
    let version: string
    if (r.alias !== undefined) {
      const holder = head.aliases[r.alias]?.at(-1)
      if (holder === undefined) throw mlopsError(AliasNotFound, [r.name, r.alias, Object.keys(head.aliases).filter((a) => head.aliases[a]?.length)])
      version = holder
    } else if (r.version !== undefined) {
      version = r.version
    } else {
      if (head.latestVersion === 0) throw mlopsError(ModelVersionNotFound, [r.name, 'latest', []])
      version = String(head.latestVersion)
    }
    return { head, version: (await this.#version(r.name, version)).value }
  }

  /** The versions an alias pointed at, oldest first (the last holds it). */
  aliasHistory(head: ModelHead, alias: string): string[] {
    return head.aliases[alias] ?? []
  }

  async findVersionByArtifact(name: string, artifactHash: string): Promise<ModelVersion | undefined> {
    return (await this.listVersions(name)).find((v) => v.artifactHash === artifactHash)
  }

  async findVersionsByRun(runId: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = []
    for (const head of await this.listModels()) for (const v of await this.listVersions(head.name)) if (v.runId === runId) out.push(v)
    return out
  }

  /** Adds a version (creating the model on first use); the version number comes from the head's counter. */
  async register(input: RegisterInput, who: ActorInput): Promise<ModelVersion> {
    if (!NAME.test(input.name)) throw mlopsError(ModelRefInvalid, [input.name])
    const existing = await this.metadata.getDocument(MODELS, input.name)
    const now = new Date().toISOString()
    const head: ModelHead = existing
      ? { ...(existing.value as ModelHead) }
      : { name: input.name, description: input.description, task: input.signature.task, createdAt: now, latestVersion: 0, aliases: {}, tags: {} }
    head.latestVersion += 1
    if (input.description !== null) head.description = input.description
    const { description: _description, ...rest } = input
    const version: ModelVersion = { ...rest, version: String(head.latestVersion), status: 'registered', gate: null, tags: {}, createdAt: now, createdBy: who.actor }
    await this.#commit([
        { collection: MODELS, key: input.name, value: head, expectedRevision: existing?.revision ?? 0 },
        { collection: MODEL_VERSIONS, key: versionKey(input.name, version.version), value: version, expectedRevision: 0 },
      ], 'register', input.name, version.version, null, null, null, who, { runId: input.runId, artifactHash: input.artifactHash })
    return version
  }

  /** Records a gate outcome on a version (and rejects it when the gate failed). */
  async recordGate(name: string, version: string, gate: GateResult, who: ActorInput): Promise<ModelVersion> {
    const doc = await this.#version(name, version)
    const status: VersionStatus = gate.passed ? (gate.awaitingApproval ? 'awaiting-approval' : doc.value.status) : 'rejected'
    const value: ModelVersion = { ...doc.value, gate, status }
    const action: AuditAction | null = !gate.passed ? 'reject' : gate.awaitingApproval ? 'await-approval' : null
    const failed = gate.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)
    const writes: DocumentWrite[] = [{ collection: MODEL_VERSIONS, key: versionKey(name, version), value, expectedRevision: doc.revision }]
    if (action) await this.#commit(writes, action, name, version, null, null, null, { ...who, reason: who.reason ?? (failed.join('; ') || 'waiting for approval') }, { gate })
    else await this.metadata.commit({ writes })
    return value
  }

  /**
   * Points `alias` at `version`. `expectHolder` (when given) must be the current holder: set it from what
   * the caller decided on, so a promotion based on a stale read fails instead of overwriting a newer one.
   */
  async promote(name: string, version: string, alias: string, who: ActorInput, options: { expectHolder?: string | null; approve?: boolean } = {}): Promise<ModelHead> {
    if (!NAME.test(alias)) throw mlopsError(ModelRefInvalid, [`${name}@${alias}`])
    const headDoc = await this.#head(name)
    const versionDoc = await this.#version(name, version)
    const history = [...(headDoc.value.aliases[alias] ?? [])]
    const from = history.at(-1) ?? null
    if (options.expectHolder !== undefined && options.expectHolder !== from) {
      throw mlopsError(WriteConflict, [`${name}@${alias}`, `expected it to point at ${options.expectHolder ?? 'nothing'}, but it points at ${from ?? 'nothing'}`])
    }
    if (from === version) return headDoc.value
    history.push(version)
    const head: ModelHead = { ...headDoc.value, aliases: { ...headDoc.value.aliases, [alias]: history } }
    const value: ModelVersion = { ...versionDoc.value, status: 'promoted' }
    await this.#commit([
        { collection: MODELS, key: name, value: head, expectedRevision: headDoc.revision },
        { collection: MODEL_VERSIONS, key: versionKey(name, version), value, expectedRevision: versionDoc.revision },
      ], options.approve ? 'approve' : 'promote', name, version, alias, from, version, who, {})
    return head
  }

  /** Moves `alias` back to its previous holder. */
  async rollback(name: string, alias: string, who: ActorInput): Promise<{ head: ModelHead; from: string; to: string }> {
    const headDoc = await this.#head(name)
    const history = [...(headDoc.value.aliases[alias] ?? [])]
    const from = history.at(-1)
    if (from === undefined) throw mlopsError(AliasNotFound, [name, alias, Object.keys(headDoc.value.aliases).filter((a) => headDoc.value.aliases[a]?.length)])
    if (history.length < 2) throw mlopsError(NoPreviousAliasHolder, [name, alias, from])
    history.pop()
    const to = history.at(-1)!
    const head: ModelHead = { ...headDoc.value, aliases: { ...headDoc.value.aliases, [alias]: history } }
    await this.#commit([{ collection: MODELS, key: name, value: head, expectedRevision: headDoc.revision }], 'rollback', name, to, alias, from, to, who, {})
    return { head, from, to }
  }

  /** Approves a version waiting for approval and promotes it to its alias. */
  async approve(name: string, version: string, alias: string, who: ActorInput): Promise<ModelHead> {
    const v = (await this.#version(name, version)).value
    if (v.status !== 'awaiting-approval') throw mlopsError(ApprovalNotPending, [`${name}:${version}`, v.status])
    return this.promote(name, version, alias, who, { approve: true })
  }

  async setTags(name: string, version: string, tags: Record<string, string>, who: ActorInput): Promise<ModelVersion> {
    const doc = await this.#version(name, version)
    const value: ModelVersion = { ...doc.value, tags: { ...doc.value.tags, ...tags } }
    await this.#commit([{ collection: MODEL_VERSIONS, key: versionKey(name, version), value, expectedRevision: doc.revision }], 'tag', name, version, null, null, null, who, { tags })
    return value
  }

  /** Deletes a version no alias points at (its artifact stays in the store; lineage keeps the run). */
  async deleteVersion(name: string, version: string, who: ActorInput): Promise<void> {
    const headDoc = await this.#head(name)
    const doc = await this.#version(name, version)
    const holding = Object.entries(headDoc.value.aliases)
      .filter(([, h]) => h.at(-1) === version)
      .map(([a]) => a)
    if (holding.length) throw mlopsError(ModelVersionInUse, [`${name}:${version}`, holding])
    const aliases = Object.fromEntries(Object.entries(headDoc.value.aliases).map(([a, h]) => [a, h.filter((v) => v !== version)]))
    await this.#commit([
        { collection: MODELS, key: name, value: { ...headDoc.value, aliases }, expectedRevision: headDoc.revision },
        { collection: MODEL_VERSIONS, key: versionKey(name, version), value: null, expectedRevision: doc.revision },
      ], 'delete', name, version, null, null, null, who, {})
  }

  /** Every promotion, rollback, rejection, approval and deletion of a model, oldest first. */
  async audit(name: string): Promise<AuditEntry[]> {
    return (await this.metadata.listDocuments(MODEL_AUDIT, { prefix: `${name}/` })).map((d) => d.value as AuditEntry)
  }

  async #commit(
    writes: DocumentWrite[],
    action: AuditAction,
    model: string,
    version: string | null,
    alias: string | null,
    from: string | null,
    to: string | null,
    who: ActorInput,
    extra: Record<string, unknown>,
  ): Promise<void> {
    const at = new Date().toISOString()
    const id = randomUUID()
    const entry: AuditEntry = { id, at, actor: who.actor, action, model, version, alias, from, to, reason: who.reason ?? null }
    await this.metadata.commit({
      writes: [...writes, { collection: MODEL_AUDIT, key: `${model}/${at}/${id}`, value: entry, expectedRevision: 0 }],
      events: [{ id, type: AUDIT_EVENT_TYPES[action], payload: { ...entry, ...extra }, createdAt: at }],
    })
  }
}

/** The event each registry change appends (what triggers and notifiers react to). */
export const AUDIT_EVENT_TYPES: Record<AuditAction, string> = {
  register: 'model.registered',
  promote: 'model.promoted',
  approve: 'model.promoted',
  rollback: 'model.rolled_back',
  reject: 'model.rejected',
  'await-approval': 'model.awaiting_approval',
  delete: 'model.deleted',
  tag: 'model.tagged',
}

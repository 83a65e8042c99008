import { RunNotFound, UsageInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ArtifactRecord, MetadataStore, RunRecord } from '../plugin/kinds.js'

/** A run by full id or unique prefix (as people type them from `runs ls`). */
export async function resolveRun(metadata: MetadataStore, idOrPrefix: string): Promise<RunRecord> {
  const exact = await metadata.getRun(idOrPrefix)
  if (exact) return exact
  const matches = idOrPrefix.length >= 4 ? await metadata.findRuns(idOrPrefix) : []
  if (matches.length === 1) return matches[0]!
  if (matches.length > 1) throw mlopsError(UsageInvalid, [`run id prefix "${idOrPrefix}" matches ${matches.length} runs; type more characters`])
  throw mlopsError(RunNotFound, [idOrPrefix])
}

/** An artifact by hash or unique prefix (at least 6 hex characters). */
export async function resolveArtifact(metadata: MetadataStore, hashOrPrefix: string): Promise<ArtifactRecord | undefined> {
  const exact = await metadata.getArtifact(hashOrPrefix)
  if (exact) return exact
  if (!/^[0-9a-f]{6,64}$/.test(hashOrPrefix)) return undefined
  const matches = await metadata.findArtifacts(hashOrPrefix)
  if (matches.length > 1) throw mlopsError(UsageInvalid, [`artifact prefix "${hashOrPrefix}" matches ${matches.length} artifacts; type more characters`])
  return matches[0]
}

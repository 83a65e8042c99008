import { ModelConfigInvalid } from '../errors/catalogue.js'
import { mlopsError } from '../errors/mlops-error.js'
import type { ModelDefinition, Predictor } from '../dsl/model.js'
import type { ArtifactStore, LoadedModel } from '../plugin/kinds.js'
import type { ModelVersion } from './types.js'

const decoder = new TextDecoder()

/** The value a step returned for an artifact: parsed JSON, or the raw bytes of an `artifact.file`. */
export async function readArtifactValue(storage: ArtifactStore, hash: string, kind: string): Promise<unknown> {
  const bytes = await storage.get(hash)
  return kind === 'file' ? bytes : JSON.parse(decoder.decode(bytes))
}

function asArray<T>(value: unknown, what: string, n: number): T[] {
  if (!Array.isArray(value)) throw mlopsError(ModelConfigInvalid, [what, `returned ${typeof value}, expected an array with one entry per row`])
  if (value.length !== n) throw mlopsError(ModelConfigInvalid, [what, `returned ${value.length} entries for ${n} rows`])
  return value as T[]
}

/** Loads a registered version with the config's `load` into a predictor that checks its own outputs. */
export async function loadModelVersion(storage: ArtifactStore, definition: ModelDefinition, version: ModelVersion): Promise<LoadedModel> {
  const value = await readArtifactValue(storage, version.artifactHash, version.artifactKind)
  let predictor: Predictor
  try {
    predictor = await definition.config.load(value)
  } catch (error) {
    throw mlopsError(ModelConfigInvalid, [`models.${version.name}.load`, `failed for version ${version.version}: ${error instanceof Error ? error.message : String(error)}`], { cause: error })
  }
  if (!predictor || typeof predictor.predict !== 'function') {
    throw mlopsError(ModelConfigInvalid, [`models.${version.name}.load`, 'must return an object with predict(rows)'])
  }
  const where = `models.${version.name}`
  const loaded: LoadedModel = {
    model: version.name,
    version: version.version,
    artifactHash: version.artifactHash,
    signature: version.signature,
    predict: async (rows) => asArray(await predictor.predict(rows as Record<string, unknown>[]), `${where}: predict()`, rows.length),
  }
  if (predictor.predictProba) {
    const proba = predictor.predictProba.bind(predictor)
    loaded.predictProba = async (rows) => asArray(await proba(rows as Record<string, unknown>[]), `${where}: predictProba()`, rows.length)
  }
  return loaded
}

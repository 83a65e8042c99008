import { definePlugin, mlopsError } from '@mlops/core'
import { z } from 'zod'
import { S3CredentialsIncomplete } from './errors.js'
import { createS3ArtifactStore, normalizePrefix } from './s3-artifact-store.js'
import type { S3ArtifactStoreOptions, S3Credentials } from './s3-artifact-store.js'

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as MY_S3_SECRET')

export const s3StorageOptions = z.object({
  /** Bucket name (3–63 characters). It must exist: the store never creates buckets. */
  bucket: z.string().min(3).max(63),
  /** Key prefix inside the bucket, one per project: `mlops/` by default. */
  prefix: z
    .string()
    .default('mlops/')
    .refine((value) => {
      try {
        normalizePrefix(value)
        return true
      } catch {
        return false
      }
    }, 'must be key segments separated by single slashes, without a leading slash, "." or ".." (e.g. "mlops/churn/")'),
  /** Endpoint of an S3-compatible service, e.g. `http://127.0.0.1:9000` for MinIO. Default: AWS. */
  endpoint: z.url().optional(),
  /** Default: `AWS_REGION` from the environment, else `us-east-1`. */
  region: z.string().min(1).optional(),
  /** Path-style URLs (`host/bucket/key`), needed by most self-hosted services. */
  forcePathStyle: z.boolean().optional(),
  /** Environment variables holding the credentials (never put secrets in the config). */
  accessKeyIdEnv: envName.default('AWS_ACCESS_KEY_ID'),
  secretAccessKeyEnv: envName.default('AWS_SECRET_ACCESS_KEY'),
  sessionTokenEnv: envName.default('AWS_SESSION_TOKEN'),
  /** Part size of multipart uploads (min 5 MiB); streams shorter than one part are sent in one request. */
  partSizeBytes: z.int().min(5 * 1024 * 1024).optional(),
  /** Parts uploaded in parallel. */
  queueSize: z.int().min(1).max(64).optional(),
  /** Attempts per request (the SDK retries throttling, 5xx and network errors). */
  maxAttempts: z.int().min(1).max(20).optional(),
  connectTimeoutMs: z.int().min(1).optional(),
  /** Age after which a temp object of a crashed writer is deleted (at the first large put). */
  staleTempMs: z.int().min(0).optional(),
})

export type S3StorageOptions = z.input<typeof s3StorageOptions>

/**
 * Resolves the credentials from the environment: both variables set → static credentials; neither →
 * undefined (the AWS SDK default chain); one of them → an error naming the missing variable.
 */
export function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: { accessKeyIdEnv: string; secretAccessKeyEnv: string; sessionTokenEnv: string },
): S3Credentials | undefined {
  const accessKeyId = env[names.accessKeyIdEnv] || undefined
  const secretAccessKey = env[names.secretAccessKeyEnv] || undefined
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined
  if (accessKeyId === undefined) throw mlopsError(S3CredentialsIncomplete, [names.secretAccessKeyEnv, names.accessKeyIdEnv])
  if (secretAccessKey === undefined) throw mlopsError(S3CredentialsIncomplete, [names.accessKeyIdEnv, names.secretAccessKeyEnv])
  const sessionToken = env[names.sessionTokenEnv] || undefined
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken }
}

/** Artifacts in an S3 bucket: `storageS3({ bucket: 'ml-artifacts', prefix: 'churn/' })` in `plugins`. */
export const storageS3 = definePlugin({
  name: '@mlops/storage-s3',
  apiVersion: 1,
  options: s3StorageOptions,
  setup: async (options, ctx) => {
    const credentials = credentialsFromEnv(ctx.env, options)
    const storeOptions: S3ArtifactStoreOptions = {
      bucket: options.bucket,
      prefix: options.prefix,
      region: options.region ?? ctx.env.AWS_REGION ?? 'us-east-1',
    }
    if (credentials) storeOptions.credentials = credentials
    if (options.endpoint !== undefined) storeOptions.endpoint = options.endpoint
    if (options.forcePathStyle !== undefined) storeOptions.forcePathStyle = options.forcePathStyle
    if (options.partSizeBytes !== undefined) storeOptions.partSizeBytes = options.partSizeBytes
    if (options.queueSize !== undefined) storeOptions.queueSize = options.queueSize
    if (options.maxAttempts !== undefined) storeOptions.maxAttempts = options.maxAttempts
    if (options.connectTimeoutMs !== undefined) storeOptions.connectTimeoutMs = options.connectTimeoutMs
    if (options.staleTempMs !== undefined) storeOptions.staleTempMs = options.staleTempMs
    return { storage: await createS3ArtifactStore(storeOptions) }
  },
})

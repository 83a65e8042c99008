// The quickstart on shared backends: the same pipelines as mlops.config.ts, with runs and lineage in
// PostgreSQL, artifacts in S3 (or any S3-compatible service) and steps run by `mlops worker` processes
// through BullMQ on Redis. Only `plugins` differs; every connection detail and secret comes from the
// environment, so this file holds none:
//
//   MLOPS_POSTGRES_URL      postgres://USER:PASSWORD@HOST:5432/DATABASE               (required)
//   MLOPS_POSTGRES_SCHEMA   schema of the tables                                       (default mlops)
//   MLOPS_S3_BUCKET         an existing bucket                                         (required)
//   MLOPS_S3_PREFIX         key prefix inside the bucket                               (default mlops/quickstart/)
//   MLOPS_S3_ENDPOINT       an S3-compatible service, e.g. http://127.0.0.1:9000       (default: AWS)
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN, AWS_REGION)          (default: the AWS SDK's chain)
//   MLOPS_REDIS_URL         redis://[:PASSWORD@]HOST:6379                              (default redis://127.0.0.1:6379)
//   MLOPS_QUEUE             BullMQ queue, the same for `mlops run` and every worker    (default mlops-<folder name>)
//
//   npx mlops worker --config mlops.production.config.ts       # on each machine that runs steps
//   npx mlops run train --config mlops.production.config.ts    # anywhere
import { defineConfig, errors, mlopsError } from '@mlops/core'
import { executorBullmq } from '@mlops/executor-bullmq'
import { metadataPostgres } from '@mlops/metadata-postgres'
import { storageS3 } from '@mlops/storage-s3'
import base from './mlops.config.js'

/** The value of a required environment variable; exit 2 naming it when it is not set. */
function required(env: Readonly<Record<string, string | undefined>>, name: string, plugin: string, example: string): string {
  const value = env[name]
  if (value) return value
  throw mlopsError(errors.PluginOptionsInvalid, [`mlops.production.config.ts (${plugin})`, `the environment variable ${name} is not set; set it, e.g. ${name}=${example}`])
}

export default defineConfig(async (configEnv) => {
  const { env } = configEnv
  return {
    // mlops.config.ts as it is (an object today; a config function would be called with the same env).
    ...(typeof base === 'function' ? await base(configEnv) : base),
    plugins: [
      // Reads the URL, password included, from MLOPS_POSTGRES_URL when the store opens.
      metadataPostgres({ urlEnv: 'MLOPS_POSTGRES_URL', ...(env.MLOPS_POSTGRES_SCHEMA ? { schema: env.MLOPS_POSTGRES_SCHEMA } : {}) }),
      // Credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the plugin's defaults).
      storageS3({
        bucket: required(env, 'MLOPS_S3_BUCKET', '@mlops/storage-s3', 'ml-artifacts'),
        prefix: env.MLOPS_S3_PREFIX || 'mlops/quickstart/',
        ...(env.MLOPS_S3_ENDPOINT ? { endpoint: env.MLOPS_S3_ENDPOINT, forcePathStyle: true } : {}),
      }),
      // The Redis URL, password included, from MLOPS_REDIS_URL (the plugin's default).
      executorBullmq(env.MLOPS_QUEUE ? { queue: env.MLOPS_QUEUE } : {}),
    ],
  }
})

import { definePlugin, errors, mlopsError } from '@mlops/core'
import { z } from 'zod'
import { openPostgresMetadataStore } from './open.js'

export const DEFAULT_URL_ENV = 'MLOPS_POSTGRES_URL'

export const postgresMetadataOptions = z.object({
  /**
   * `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. Prefer `urlEnv`: a URL written here is part of
   * the config file, and a password in it is a committed secret.
   */
  url: z.string().min(1).optional(),
  /** The environment variable holding the URL when `url` is not given. */
  urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').default(DEFAULT_URL_ENV),
  /** The schema holding the tables (created and migrated at start). */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _, starting with a letter or _ (at most 63)')
    .default('mlops'),
  /** Connections per process. */
  poolSize: z.int().min(1).max(1000).default(10),
  /** How long opening a connection may take (ms). */
  connectTimeoutMs: z.int().min(1).default(10_000),
  /** `false`: commits return before the server flushed them (faster; a server crash may lose the last ones). */
  synchronousCommit: z.boolean().default(true),
})

/**
 * The shared metadata store: `metadataPostgres()` in `plugins`, with the URL in MLOPS_POSTGRES_URL.
 * pg and kysely load only when the plugin is set up, so loading a config that names it stays cheap.
 */
export const metadataPostgres = definePlugin({
  name: '@mlops/metadata-postgres',
  apiVersion: 1,
  options: postgresMetadataOptions,
  setup: async (options, ctx) => {
    const fromEnv = options.url === undefined
    const url = options.url ?? ctx.env[options.urlEnv]
    if (url === undefined || url === '') {
      throw mlopsError(errors.PluginOptionsInvalid, [
        '@mlops/metadata-postgres',
        `no PostgreSQL URL: the environment variable ${options.urlEnv} is not set. Set it to postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or name another variable with the \`urlEnv\` option).`,
      ])
    }
    const metadata = await openPostgresMetadataStore({
      url,
      urlSource: fromEnv ? `the environment variable ${options.urlEnv}` : 'the `url` option of @mlops/metadata-postgres',
      schema: options.schema,
      poolSize: options.poolSize,
      connectTimeoutMs: options.connectTimeoutMs,
      synchronousCommit: options.synchronousCommit,
      logger: ctx.logger,
    })
    return { metadata }
  },
})

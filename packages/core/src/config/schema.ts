import { z } from 'zod'
import { isPipelineDefinition } from '../dsl/pipeline.js'
import { isPluginInstance } from '../plugin/define-plugin.js'

export const ConfigSchema = z.strictObject({
  project: z.string().min(1).optional(),
  plugins: z
    .array(z.custom((v) => isPluginInstance(v), { message: 'expected a configured plugin, e.g. notifyWebhook({ url }) (call the factory)' }))
    .default([]),
  pipelines: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'pipeline names may only contain letters, digits, "_", "-" and "."'),
    z.custom((v) => isPipelineDefinition(v), { message: 'expected pipeline({ steps() { … } })' }),
  ),
  execution: z
    .strictObject({
      concurrency: z.int().min(1).max(256).default(4),
      cache: z.boolean().default(true),
    })
    .default({ concurrency: 4, cache: true }),
})

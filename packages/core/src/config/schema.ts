import { z } from 'zod'
import { isPipelineDefinition } from '../dsl/pipeline.js'
import { isPluginInstance } from '../plugin/define-plugin.js'
import { isModelDefinition } from '../dsl/model.js'
import { isMonitorDefinition, isTriggerDefinition } from '../dsl/monitor.js'

const Name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'names may only contain letters, digits, "_", "-" and "."')
/** `30s`, `10m`, `1h`, `7d`. */
export const Duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration like "30s", "10m", "1h" or "7d"')

export const ConfigSchema = z.strictObject({
  project: z.string().min(1).optional(),
  plugins: z
    .array(z.custom((v) => isPluginInstance(v), { message: 'expected a configured plugin, e.g. notifyWebhook({ url }) (call the factory)' }))
    .default([]),
  pipelines: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'pipeline names may only contain letters, digits, "_", "-" and "."'),
    z.custom((v) => isPipelineDefinition(v), { message: 'expected pipeline({ steps() { … } })' }),
  ),
  models: z.record(Name, z.custom((v) => isModelDefinition(v), { message: 'expected model({ task, source, input, load })' })).default({}),
  monitors: z.record(Name, z.custom((v) => isMonitorDefinition(v), { message: 'expected monitor({ model, checks })' })).default({}),
  triggers: z
    .array(z.custom((v) => isTriggerDefinition(v), { message: 'expected a trigger: onDrift(…), onSchedule(…), onNewData(…), onCodeChange(…) or onPerformanceDrop(…)' }))
    .default([]),
  notifications: z
    .strictObject({ events: z.array(z.string().min(1)).optional(), cooldown: Duration.optional() })
    .default({}),
  execution: z
    .strictObject({
      concurrency: z.int().min(1).max(256).default(4),
      cache: z.boolean().default(true),
    })
    .default({ concurrency: 4, cache: true }),
})

import type { PluginFactory, z } from '@mlops/core'

declare const notifyFixture: PluginFactory<
  z.ZodObject<{
    url: z.ZodURL
    retries: z.ZodDefault<z.ZodInt>
    verbose: z.ZodDefault<z.ZodBoolean>
    channel: z.ZodOptional<z.ZodString>
    tls: z.ZodOptional<z.ZodObject<{ rejectUnauthorized: z.ZodBoolean; ca: z.ZodOptional<z.ZodString> }>>
  }>
>
export default notifyFixture

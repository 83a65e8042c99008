// A plugin package as npm would install it: plain JS, default export made by definePlugin.
import { definePlugin, z } from '@mlops/core'

export default definePlugin({
  name: '@acme/notify-fixture',
  version: '1.4.0',
  apiVersion: 1,
  options: z.strictObject({
    url: z.url(),
    retries: z.int().min(0).default(3),
    verbose: z.boolean().default(false),
    channel: z.string().optional(),
    tls: z.strictObject({ rejectUnauthorized: z.boolean(), ca: z.string().optional() }).optional(),
  }),
  setup: (options) => ({
    notifier: {
      name: `notify-fixture ${options.url}`,
      async send() {},
    },
  }),
})

// A plugin built for a plugin API this core does not support.
import { definePlugin, z } from '@mlops/core'

export default definePlugin({
  name: '@acme/notify-future',
  version: '2.0.0',
  apiVersion: 2,
  options: z.object({}),
  setup: () => ({}),
})

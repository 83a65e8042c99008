import { definePlugin } from '@mlops/core'
import { z } from 'zod'
import { CsvDriftDetector } from './detector.js'
import { version } from './version.js'

export const __FACTORY__Options = z.object({
  /** A column drifts when its test's p-value is below this. */
  threshold: z.number().gt(0).lt(1).default(0.05),
  /** The dataset drifts when at least this share of the compared columns drifted. */
  driftShare: z.number().min(0).max(1).default(0.5),
})

export type __FACTORY__Options = z.output<typeof __FACTORY__Options>

/** `plugins: [__FACTORY__({ threshold: 0.01 })]` */
export const __FACTORY__ = definePlugin({
  name: '__PACKAGE_NAME__',
  version,
  apiVersion: 1,
  options: __FACTORY__Options,
  setup: (options) => ({ driftDetector: new CsvDriftDetector('__PACKAGE_NAME__', options) }),
})

export { CsvDriftDetector }

/** The plugin kinds of @mlops/core's apiVersion 1 (packages/core/src/plugin/kinds.ts), in its order. */
export const PLUGIN_KINDS = ['storage', 'metadata', 'executor', 'trainer', 'driftDetector', 'notifier', 'deployTarget'] as const
export type PluginKind = (typeof PLUGIN_KINDS)[number]

export interface KindInfo {
  /** What the generated plugin does, for package.json and the README. */
  description: string
  /** The conformance suite of @mlops/testkit the generated test runs. */
  suite: string
  /** Runtime dependencies beyond zod (names; versions come from versions.json). */
  dependencies: readonly string[]
}

export const KIND_INFO: Record<PluginKind, KindInfo> = {
  storage: {
    description: 'An mlops artifact store: content-addressed files in a folder.',
    suite: 'storageConformance',
    dependencies: [],
  },
  metadata: {
    description: 'An mlops metadata store: runs, steps, lineage, metrics, events and documents in one JSON file.',
    suite: 'metadataConformance',
    dependencies: [],
  },
  executor: {
    description: 'An mlops executor: runs the planned steps in dependency order, several at a time.',
    suite: 'executorConformance',
    dependencies: [],
  },
  trainer: {
    description: 'An mlops trainer: runs a training command and collects its model file and metrics.',
    suite: 'trainerConformance',
    dependencies: [],
  },
  driftDetector: {
    description: 'An mlops drift detector: Kolmogorov-Smirnov and chi-square tests per column of two CSV files.',
    suite: 'driftDetectorConformance',
    dependencies: ['@mlops/stats'],
  },
  notifier: {
    description: 'An mlops notifier: appends events as JSON lines to a file, or posts them to a URL.',
    suite: 'notifierConformance',
    dependencies: [],
  },
  deployTarget: {
    description: 'An mlops deploy target: writes one deployment descriptor (JSON) per deployment into a folder.',
    suite: 'deployTargetConformance',
    dependencies: [],
  },
}

export function isPluginKind(value: string): value is PluginKind {
  return (PLUGIN_KINDS as readonly string[]).includes(value)
}

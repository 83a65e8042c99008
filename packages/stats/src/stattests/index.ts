export { categoricalColumn, categoricalColumnFromProfile, numericColumn } from './columns.js'
export type { NumericColumnOptions } from './columns.js'
export {
  appliesTo,
  getStatTest,
  isStatTestId,
  STAT_TEST_IDS,
  STAT_TESTS,
  statTestsFor,
} from './registry.js'
export type { StatTestDefinition } from './registry.js'
export {
  autoTest,
  datasetDrift,
  DEFAULT_DRIFT_SHARE,
  isDrift,
  runStatTest,
  SMALL_REFERENCE_ROWS,
} from './run.js'
export type { DatasetDrift, RunStatTestOptions } from './run.js'
export type {
  CategoricalColumnData,
  ColumnData,
  ColumnKind,
  DriftRule,
  NumericColumnData,
  StatResult,
  StatTestFailure,
  StatTestId,
  StatTestOutcome,
  StatTestSuccess,
} from './types.js'

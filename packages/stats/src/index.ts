export { MersenneTwister } from './random/mt19937.js'
export { StatsInputError } from './errors.js'
export {
  betaI,
  chi2Cdf,
  chi2Sf,
  erf,
  erfc,
  gammaP,
  gammaQ,
  lnBeta,
  lnGamma,
  normalCdf,
  normalSf,
  studentTCdf,
  studentTSf,
} from './special/index.js'
export { PythonRandom } from './random/python-random.js'
export { Adwin, ADWIN_DEFAULTS } from './stream/adwin.js'
export type { AdwinOptions } from './stream/adwin.js'
export { Ddm, DDM_DEFAULTS } from './stream/ddm.js'
export type { DdmOptions } from './stream/ddm.js'
export { Eddm, EDDM_DEFAULTS } from './stream/eddm.js'
export type { EddmOptions } from './stream/eddm.js'
export { PageHinkley, PAGE_HINKLEY_DEFAULTS } from './stream/page-hinkley.js'
export type { PageHinkleyMode, PageHinkleyOptions } from './stream/page-hinkley.js'
export { STREAM_DETECTOR_IDS, isStreamDetectorId } from './stream/detector.js'
export type { StreamDetectorId, StreamDriftDetector } from './stream/detector.js'
export { ksStatistic, ksTest } from './numeric/ks.js'
export type { NumericKernel, TwoSampleResult } from './numeric/types.js'
export { Kswin, KSWIN_DEFAULTS } from './stream/kswin.js'
export type { KswinOptions } from './stream/kswin.js'
export { createStreamDetector, detectChanges } from './stream/detect-changes.js'
export type { StreamDetections, StreamDetectorOptions } from './stream/detect-changes.js'
export { andersonKSample } from './numeric/anderson-darling.js'
export { cramerVonMises } from './numeric/cramer-von-mises.js'
export { energyDistance } from './numeric/energy.js'
export { mannWhitneyU } from './numeric/mann-whitney.js'
export { tTest } from './numeric/t-test.js'
export { wassersteinDistance, wassersteinNormed } from './numeric/wasserstein.js'
export { eppsSingleton } from './numeric/epps-singleton.js'
export { empiricalMmd, MMD_MAX_VALUES, MMD_PERMUTATIONS } from './numeric/mmd.js'
export { legacyPermutation, legacyRandomInterval } from './numeric/numpy-permutation.js'
export { NUMERIC_KERNELS, isNumericKernelId } from './numeric/registry.js'
export type { NumericKernelId } from './numeric/registry.js'
export { besselK, kolmogorovNCdf, kolmogorovNSf, smirnovSf } from './special/index.js'
export {
  binNumeric,
  fillZeroShares,
  hellingerFromShares,
  hellingerNumeric,
  histogramSorted,
  jensenShannonFromShares,
  jensenShannonNumeric,
  klDivFromShares,
  klDivNumeric,
  psiFromShares,
  psiNumeric,
  sturgesEdges,
} from './binned/index.js'
export type { BinnedShares, SortedSample } from './binned/index.js'
export {
  alignCategoryCounts,
  alignSortedValues,
  chiSquare,
  countLabels,
  countsFromProfile,
  fisherExact,
  fisherExact2x2,
  gTest,
  hellingerCategorical,
  jensenShannonCategorical,
  klDivCategorical,
  psiCategorical,
  totalVariationDistance,
  zTest,
} from './categorical/index.js'
export type {
  AlignedCategoryCounts,
  CategoricalTestResult,
  CategoryCounts,
  CategoryLabel,
  FisherExactResult,
  TvdOptions,
  TvdResult,
} from './categorical/index.js'
export {
  appliesTo,
  autoTest,
  categoricalColumn,
  categoricalColumnFromProfile,
  datasetDrift,
  DEFAULT_DRIFT_SHARE,
  getStatTest,
  isDrift,
  isStatTestId,
  numericColumn,
  runStatTest,
  SMALL_REFERENCE_ROWS,
  STAT_TEST_IDS,
  STAT_TESTS,
  statTestsFor,
} from './stattests/index.js'
export type {
  CategoricalColumnData,
  ColumnData,
  ColumnKind,
  DatasetDrift,
  DriftRule,
  NumericColumnData,
  NumericColumnOptions,
  RunStatTestOptions,
  StatResult,
  StatTestDefinition,
  StatTestFailure,
  StatTestId,
  StatTestOutcome,
  StatTestSuccess,
} from './stattests/index.js'
export {
  accuracy,
  f1Macro,
  isPerformanceMetric,
  meanAbsoluteError,
  METRIC_DIRECTION,
  perClassScores,
  performanceMetrics,
  precisionMacro,
  r2Score,
  recallMacro,
  rocAuc,
  rocAucBinary,
  rootMeanSquaredError,
} from './performance/metrics.js'
export type { ClassScores, ClassificationMetric, Label, PerformanceMetric, RegressionMetric } from './performance/metrics.js'

export {
  alignCategoryCounts,
  alignSortedValues,
  compareCodePoints,
  countLabels,
  countsFromProfile,
} from './counts.js'
export type { AlignedCategoryCounts, CategoryCounts, CategoryLabel } from './counts.js'
export { hellingerCategorical, jensenShannonCategorical, klDivCategorical, psiCategorical } from './distances.js'
export type { CategoricalDistanceResult } from './distances.js'
export { fisherExact, fisherExact2x2 } from './fisher.js'
export type { FisherExactResult } from './fisher.js'
export { chiSquare, chiSquareSurvival, gTest, zTest } from './tests.js'
export type { CategoricalTestResult } from './tests.js'
export { totalVariationDistance } from './tvd.js'
export type { TvdOptions, TvdResult } from './tvd.js'

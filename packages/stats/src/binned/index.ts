export {
  fillZeroShares,
  hellingerFromDensities,
  hellingerFromShares,
  jensenShannonFromShares,
  klDivFromShares,
  psiFromShares,
  relEntr,
} from './distances.js'
export { histogramSorted, sturgesEdges } from './histogram.js'
export { log2CorrectlyRounded } from './log2.js'
export {
  binNumeric,
  hellingerNumeric,
  jensenShannonNumeric,
  klDivNumeric,
  MAX_VALUE_BINS,
  psiNumeric,
} from './numeric.js'
export type { BinnedShares, DistanceResult, SortedSample } from './numeric.js'
export { numpySum } from './pairwise-sum.js'
export { alignSortedValueCounts, countDistinctSorted, countDistinctUnionSorted } from './value-counts.js'
export type { AlignedValueCounts } from './value-counts.js'

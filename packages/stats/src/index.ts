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
export { ksStatistic, ksTest } from './numeric/ks.js'
export type { NumericKernel, TwoSampleResult } from './numeric/types.js'

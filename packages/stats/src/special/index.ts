export { betaFn, betaI, betaIComplemented, lnBeta } from './beta.js'
export { chi2Cdf, chi2Sf, studentTCdf, studentTSf } from './distributions.js'
export { erf, erfc, normalCdf, normalSf } from './erf.js'
export { gamma, gammaP, gammaQ, lnGamma, lnGamma1p, log1pmx } from './gamma.js'

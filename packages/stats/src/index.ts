export { MersenneTwister } from './random/mt19937.js'

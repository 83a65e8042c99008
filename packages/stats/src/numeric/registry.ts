/**
 * The numeric kernels by Evidently stattest id, so a report can run "every numeric test" from one
 * table. All take (reference, current) as finite values sorted ascending, except empirical_mmd,
 * which also accepts file order (see mmd.ts: file order reproduces Evidently's permutations).
 */
import { andersonKSample } from './anderson-darling.js'
import { cramerVonMises } from './cramer-von-mises.js'
import { energyDistance } from './energy.js'
import { eppsSingleton } from './epps-singleton.js'
import { ksTest } from './ks.js'
import { mannWhitneyU } from './mann-whitney.js'
import { empiricalMmd } from './mmd.js'
import { tTest } from './t-test.js'
import type { NumericKernel } from './types.js'
import { wassersteinNormed } from './wasserstein.js'

export const NUMERIC_KERNELS = {
  ks: ksTest,
  wasserstein: wassersteinNormed,
  anderson: andersonKSample,
  cramer_von_mises: cramerVonMises,
  mannw: mannWhitneyU,
  t_test: tTest,
  ed: energyDistance,
  es: eppsSingleton,
  empirical_mmd: empiricalMmd,
} as const satisfies Record<string, NumericKernel>

export type NumericKernelId = keyof typeof NUMERIC_KERNELS

export function isNumericKernelId(id: string): id is NumericKernelId {
  return Object.hasOwn(NUMERIC_KERNELS, id)
}

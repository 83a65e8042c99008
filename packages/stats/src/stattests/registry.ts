/**
 * The stattest registry: for every Evidently stattest id, the column types it applies to, its
 * default threshold and drift rule (Evidently 0.7.21's StatTest definitions), and how to compute it
 * from prepared columns.
 */
import { hellingerNumeric, jensenShannonNumeric, klDivNumeric, psiNumeric } from '../binned/numeric.js'
import type { AlignedCategoryCounts } from '../categorical/counts.js'
import { alignCategoryCounts, alignSortedValues } from '../categorical/counts.js'
import {
  hellingerCategorical,
  jensenShannonCategorical,
  klDivCategorical,
  psiCategorical,
} from '../categorical/distances.js'
import { fisherExact } from '../categorical/fisher.js'
import { chiSquare, gTest, zTest } from '../categorical/tests.js'
import { totalVariationDistance } from '../categorical/tvd.js'
import type { NumericKernelId } from '../numeric/registry.js'
import { NUMERIC_KERNELS } from '../numeric/registry.js'
import type {
  CategoricalColumnData,
  ColumnData,
  ColumnKind,
  DriftRule,
  NumericColumnData,
  StatResult,
  StatTestId,
} from './types.js'

export interface StatTestDefinition {
  readonly id: StatTestId
  readonly title: string
  /** Column types Evidently registers the test for. */
  readonly columnTypes: readonly ColumnKind[]
  /**
   * The test also runs on a numeric column by taking its distinct values as categories. Evidently
   * does this when it picks chisquare or z automatically for a numeric column with at most 5 values.
   */
  readonly acceptsNumericAsCategories: boolean
  readonly defaultThreshold: number
  /** Drift is decided on the p-value (true) or on the statistic/distance (false). */
  readonly isPValueTest: boolean
  readonly driftRule: DriftRule
  /** Computes the test; throws StatsInputError when it cannot be computed on these samples. */
  readonly compute: (reference: ColumnData, current: ColumnData) => StatResult
}

function numericKernel(id: NumericKernelId): (reference: ColumnData, current: ColumnData) => StatResult {
  const kernel = NUMERIC_KERNELS[id]
  return (reference, current) => {
    const ref = reference as NumericColumnData
    const cur = current as NumericColumnData
    // the MMD permutation p-value depends on row order: with it, the permutations are Evidently's own
    if (id === 'empirical_mmd' && ref.rowOrder && cur.rowOrder) return kernel(ref.rowOrder, cur.rowOrder)
    return kernel(ref.sorted, cur.sorted)
  }
}

/** Category counts of either column kind (numeric: one category per distinct value). */
function aligned(reference: ColumnData, current: ColumnData): AlignedCategoryCounts {
  if (reference.kind === 'numeric' && current.kind === 'numeric') return alignSortedValues(reference.sorted, current.sorted)
  return alignCategoryCounts(reference as CategoricalColumnData, current as CategoricalColumnData)
}

function categorical(kernel: (a: AlignedCategoryCounts) => StatResult): (reference: ColumnData, current: ColumnData) => StatResult {
  return (reference, current) => kernel(aligned(reference, current))
}

function binned(
  numeric: (r: NumericColumnData, c: NumericColumnData) => StatResult,
  categories: (a: AlignedCategoryCounts) => StatResult,
): (reference: ColumnData, current: ColumnData) => StatResult {
  return (reference, current) =>
    reference.kind === 'numeric' && current.kind === 'numeric'
      ? numeric(reference, current)
      : categories(aligned(reference, current))
}

const BOTH: readonly ColumnKind[] = ['numeric', 'categorical']
const NUMERIC: readonly ColumnKind[] = ['numeric']
const CATEGORICAL: readonly ColumnKind[] = ['categorical']

function define(
  id: StatTestId,
  title: string,
  columnTypes: readonly ColumnKind[],
  defaultThreshold: number,
  driftRule: DriftRule,
  compute: StatTestDefinition['compute'],
  acceptsNumericAsCategories = false,
): StatTestDefinition {
  return Object.freeze({
    id,
    title,
    columnTypes,
    acceptsNumericAsCategories,
    defaultThreshold,
    isPValueTest: driftRule.startsWith('pValue'),
    driftRule,
    compute,
  })
}

const DEFINITIONS: readonly StatTestDefinition[] = [
  define('ks', 'Kolmogorov-Smirnov (two-sample)', NUMERIC, 0.05, 'pValue <= threshold', numericKernel('ks')),
  define('chisquare', 'Pearson chi-square', CATEGORICAL, 0.05, 'pValue < threshold', categorical(chiSquare), true),
  define('z', 'Two-proportion Z test', CATEGORICAL, 0.05, 'pValue < threshold', categorical(zTest), true),
  define(
    'jensenshannon',
    'Jensen-Shannon distance',
    BOTH,
    0.1,
    'statistic >= threshold',
    binned(jensenShannonNumeric, jensenShannonCategorical),
  ),
  define('kl_div', 'Kullback-Leibler divergence', BOTH, 0.1, 'statistic >= threshold', binned(klDivNumeric, klDivCategorical)),
  define('psi', 'Population stability index', BOTH, 0.1, 'statistic >= threshold', binned(psiNumeric, psiCategorical)),
  define('wasserstein', 'Wasserstein distance (normed)', NUMERIC, 0.1, 'statistic >= threshold', numericKernel('wasserstein')),
  define('anderson', 'Anderson-Darling k-sample', NUMERIC, 0.1, 'pValue < threshold', numericKernel('anderson')),
  define('cramer_von_mises', 'Cramér-von Mises', NUMERIC, 0.1, 'pValue <= threshold', numericKernel('cramer_von_mises')),
  define('mannw', 'Mann-Whitney U', NUMERIC, 0.05, 'pValue < threshold', numericKernel('mannw')),
  define('t_test', "Student's t-test", NUMERIC, 0.05, 'pValue < threshold', numericKernel('t_test')),
  define('ed', 'Energy distance', NUMERIC, 0.1, 'statistic > threshold', numericKernel('ed')),
  define('es', 'Epps-Singleton', NUMERIC, 0.05, 'pValue < threshold', numericKernel('es')),
  define(
    'hellinger',
    'Hellinger distance',
    BOTH,
    0.1,
    'statistic >= threshold',
    binned(hellingerNumeric, hellingerCategorical),
  ),
  define('TVD', 'Total variation distance', CATEGORICAL, 0.1, 'pValue < threshold', categorical((a) => totalVariationDistance(a))),
  define('fisher_exact', "Fisher's exact test", CATEGORICAL, 0.1, 'pValue < threshold', categorical(fisherExact)),
  define('g_test', 'G-test', CATEGORICAL, 0.1, 'pValue < threshold', categorical(gTest)),
  define('empirical_mmd', 'Empirical maximum mean discrepancy', NUMERIC, 0.1, 'pValue < threshold', numericKernel('empirical_mmd')),
]

/** Every stattest, by Evidently id. */
export const STAT_TESTS: Readonly<Record<StatTestId, StatTestDefinition>> = Object.freeze(
  Object.fromEntries(DEFINITIONS.map((d) => [d.id, d])) as Record<StatTestId, StatTestDefinition>,
)

/** Evidently's stattest ids, in the order of its documentation table. */
export const STAT_TEST_IDS: readonly StatTestId[] = Object.freeze(DEFINITIONS.map((d) => d.id))

export function isStatTestId(id: string): id is StatTestId {
  return Object.prototype.hasOwnProperty.call(STAT_TESTS, id)
}

/** The definition of a stattest; throws a RangeError naming the known ids for an unknown one. */
export function getStatTest(id: string): StatTestDefinition {
  if (!isStatTestId(id)) {
    throw new RangeError(`Unknown stattest "${id}". Known stattests: ${STAT_TEST_IDS.join(', ')}.`)
  }
  return STAT_TESTS[id]
}

/** Whether a test can run on a column of this kind (including numeric columns as categories for chisquare/z). */
export function appliesTo(test: StatTestDefinition, kind: ColumnKind): boolean {
  return test.columnTypes.includes(kind) || (kind === 'numeric' && test.acceptsNumericAsCategories)
}

/** Ids of the tests Evidently registers for a column kind (the auto-only numeric use of chisquare/z excluded). */
export function statTestsFor(kind: ColumnKind): StatTestId[] {
  return DEFINITIONS.filter((d) => d.columnTypes.includes(kind)).map((d) => d.id)
}

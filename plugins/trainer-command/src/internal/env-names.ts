/**
 * `nEstimators` → `N_ESTIMATORS`, `max-depth` → `MAX_DEPTH`, `train.csv` → `TRAIN_CSV`: the suffix of
 * MLOPS_PARAM_* and MLOPS_INPUT_* variables. Returns '' for a name with no letter or digit.
 */
export function envSuffix(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

/** How a param value reads in an environment variable: strings as they are, everything else as JSON. */
export function envValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value) ?? ''
}

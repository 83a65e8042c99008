import type { TestOutcome } from '../report.js'

/** Compact number for people: 4 significant digits, exponent form for tiny or huge values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞'
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs < 1e-4 || abs >= 1e6) return value.toExponential(2)
  return String(Number(value.toPrecision(4)))
}

/** "p=0.012" or "stat=0.31" for the value the verdict is decided on. */
export function scoreText(t: TestOutcome): string {
  if ('error' in t) return `error: ${t.error}`
  if (t.pValue !== null) {
    const adj = t.pValueAdjusted !== undefined ? ` (adj. ${formatNumber(t.pValueAdjusted)})` : ''
    return `p=${formatNumber(t.pValue)}${adj}`
  }
  return `${formatNumber(t.statistic)}`
}

import { Cron } from 'croner'

/**
 * Checks a cron expression that GitHub Actions, Kubernetes and Argo all run the same way: five numeric
 * fields (minute hour day-of-month month day-of-week) with `* , - /`, valid ranges, and at least one
 * future match. Returns the reason it is not, or undefined.
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/)
  if (fields.length !== 5) {
    return `needs five fields (minute hour day-of-month month day-of-week), got ${fields.length}: e.g. "0 3 * * *" is every day at 03:00 UTC`
  }
  const odd = fields.find((f) => !/^[0-9*,/-]+$/.test(f))
  if (odd !== undefined) return `field "${odd}" may only use digits and * , - / (names such as MON, and ? L W #, are not portable to GitHub Actions and Argo)`
  try {
    const next = new Cron(fields.join(' '), { paused: true, timezone: 'UTC' }).nextRun()
    if (!next) return 'never matches a date (e.g. February 31st)'
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '')
  }
  return undefined
}

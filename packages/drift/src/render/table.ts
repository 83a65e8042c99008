import type { DriftReport } from '../report.js'
import { formatNumber, scoreText } from './format.js'

/** The human output: one line per column (verdict test, score, threshold), then the dataset verdict. */
export function renderDriftTable(report: DriftReport, options: { color?: boolean; allTests?: boolean } = {}): string {
  const color = options.color === true
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[39m` : s)
  const rows: string[][] = [['column', 'type', 'test', 'score', 'threshold', 'drift']]
  for (const c of report.columns) {
    const tests = options.allTests ? c.tests : c.tests.filter((t) => t.test === c.driftTest)
    for (const t of tests) {
      const isVerdict = t.test === c.driftTest
      rows.push([
        tests.indexOf(t) === 0 ? c.name : '',
        tests.indexOf(t) === 0 ? c.type : '',
        isVerdict && options.allTests ? `${t.test} *` : t.test,
        'error' in t ? `error` : scoreText(t),
        'error' in t ? '' : formatNumber(t.threshold),
        'error' in t ? t.error : t.drift ? 'DRIFT' : 'no',
      ])
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const lines = rows.map((r, k) =>
    r
      .map((cell, i) => {
        const padded = i === r.length - 1 ? cell : cell.padEnd(widths[i]!)
        if (k > 0 && i === r.length - 1 && cell === 'DRIFT') return paint(31, padded)
        return padded
      })
      .join('  ')
      .trimEnd(),
  )
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
  const d = report.dataset
  const verdict = d.datasetDrift ? paint(31, 'DATASET DRIFT') : paint(32, 'no dataset drift')
  const correction = d.correction === 'none' ? '' : `, ${d.correction === 'bh' ? 'Benjamini-Hochberg' : 'Bonferroni'} correction`
  lines.push('')
  lines.push(
    `${verdict}: ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted (${formatNumber(d.shareOfDriftedColumns * 100)}%, threshold ${formatNumber(d.driftShare * 100)}%${correction})`,
  )
  lines.push(`reference ${report.reference.source} (${report.reference.rows} rows${report.reference.isProfile ? ', profile' : ''}) vs current ${report.current.source} (${report.current.rows} rows)`)
  if (options.allTests) lines.push('* the test deciding the column verdict')
  return `${lines.join('\n')}\n`
}

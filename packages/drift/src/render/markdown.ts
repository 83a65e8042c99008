import type { DriftReport } from '../report.js'
import { formatNumber, scoreText } from './format.js'

const escapeCell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ')

/** A Markdown summary for PR comments: dataset verdict, then a table of columns (drifted first). */
export function renderDriftMarkdown(report: DriftReport): string {
  const d = report.dataset
  const out: string[] = []
  out.push(`### ${d.datasetDrift ? '🔴 Dataset drift' : '🟢 No dataset drift'}`)
  out.push('')
  const correction = d.correction === 'none' ? '' : ` ${d.correction === 'bh' ? 'Benjamini-Hochberg' : 'Bonferroni'} correction across columns.`
  out.push(
    `**${d.numberOfDriftedColumns} of ${d.numberOfColumns}** columns drifted (${formatNumber(d.shareOfDriftedColumns * 100)}%; dataset drift at ≥ ${formatNumber(d.driftShare * 100)}%).${correction}`,
  )
  out.push('')
  out.push(`Reference \`${escapeCell(report.reference.source)}\` (${report.reference.rows} rows) vs current \`${escapeCell(report.current.source)}\` (${report.current.rows} rows).`)
  out.push('')
  out.push('| column | type | test | score | threshold | drift |')
  out.push('| --- | --- | --- | ---: | ---: | :---: |')
  const ordered = [...report.columns].sort((a, b) => Number(b.drift) - Number(a.drift))
  for (const c of ordered) {
    const t = c.tests.find((x) => x.test === c.driftTest)!
    const score = 'error' in t ? `error: ${escapeCell(t.error)}` : scoreText(t)
    const threshold = 'error' in t ? '' : formatNumber(t.threshold)
    out.push(`| \`${escapeCell(c.name)}\` | ${c.type} | ${c.driftTest} | ${score} | ${threshold} | ${c.drift ? '🔴 yes' : 'no'} |`)
  }
  const extra = report.columns.some((c) => c.tests.length > 1)
  if (extra) {
    out.push('')
    out.push('<details><summary>All tests</summary>')
    out.push('')
    out.push('| column | test | statistic | p-value | threshold | drift |')
    out.push('| --- | --- | ---: | ---: | ---: | :---: |')
    for (const c of report.columns) {
      for (const t of c.tests) {
        if ('error' in t) out.push(`| \`${escapeCell(c.name)}\` | ${t.test} | error: ${escapeCell(t.error)} | | | |`)
        else out.push(`| \`${escapeCell(c.name)}\` | ${t.test} | ${formatNumber(t.statistic)} | ${formatNumber(t.pValue)} | ${formatNumber(t.threshold)} | ${t.drift ? 'yes' : 'no'} |`)
      }
    }
    out.push('')
    out.push('</details>')
  }
  return `${out.join('\n')}\n`
}

import type { ColumnHistogram } from '../internal/histogram-summary.js'
import type { DriftColumnReport, DriftReport } from '../report.js'
import { formatNumber, scoreText } from './format.js'

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')

const REF_COLOR = '#4c78a8'
const CUR_COLOR = '#f58518'

/**
 * One self-contained HTML file: the dataset verdict, then per column an inline SVG histogram (reference vs
 * current shares over common bins) and every test's result. No scripts, fonts or external assets.
 */
export function renderDriftHtml(report: DriftReport, options: { title?: string } = {}): string {
  const d = report.dataset
  const title = options.title ?? 'Data drift report'
  const correction = d.correction === 'none' ? '' : ` ${d.correction === 'bh' ? 'Benjamini-Hochberg' : 'Bonferroni'} correction across columns.`
  const ordered = [...report.columns].sort((a, b) => Number(b.drift) - Number(a.drift))
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600;color:#fff}
.drift{background:#c0392b}.ok{background:#2e8b57}
.meta{color:#5b6475;margin:6px 0 18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
.card{border:1px solid #dde1e8;border-radius:6px;padding:12px}
.card h2{font-size:15px;margin:0 0 2px;word-break:break-all}
.card.drifted{border-color:#c0392b}
.sub{color:#5b6475;font-size:12px;margin-bottom:6px}
table{border-collapse:collapse;width:100%;font-size:12px;margin-top:6px}
td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eef0f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.verdict-row td{font-weight:600}
.yes{color:#c0392b;font-weight:600}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p><span class="verdict ${d.datasetDrift ? 'drift' : 'ok'}">${d.datasetDrift ? 'Dataset drift' : 'No dataset drift'}</span>
 ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted (${formatNumber(d.shareOfDriftedColumns * 100)}%; dataset drift at ≥ ${formatNumber(d.driftShare * 100)}%).${escapeHtml(correction)}</p>
<p class="meta">Reference <code>${escapeHtml(report.reference.source)}</code> (${report.reference.rows} rows${report.reference.isProfile ? ', profile' : ''}) vs current <code>${escapeHtml(report.current.source)}</code> (${report.current.rows} rows).
<span class="legend"><span style="background:${REF_COLOR}"></span>reference<span style="background:${CUR_COLOR}"></span>current</span></p>
<div class="grid">
${ordered.map(renderColumn).join('\n')}
</div>
</body>
</html>
`
}

function renderColumn(c: DriftColumnReport): string {
  const rows = c.tests
    .map((t) => {
      const cls = t.test === c.driftTest ? ' class="verdict-row"' : ''
      if ('error' in t) return `<tr${cls}><td>${escapeHtml(t.test)}</td><td colspan="4">could not be computed: ${escapeHtml(t.error)}</td></tr>`
      return `<tr${cls}><td>${escapeHtml(t.test)}</td><td class="num">${formatNumber(t.statistic)}</td><td class="num">${escapeHtml(t.pValue === null ? '–' : scoreText(t).replace(/^p=/, ''))}</td><td class="num">${formatNumber(t.threshold)}</td><td class="${t.drift ? 'yes' : ''}">${t.drift ? 'drift' : 'no'}</td></tr>`
    })
    .join('')
  return `<section class="card${c.drift ? ' drifted' : ''}">
<h2>${escapeHtml(c.name)} ${c.drift ? '<span class="yes">· drift</span>' : ''}</h2>
<div class="sub">${c.type} · verdict by ${escapeHtml(c.driftTest)}${c.autoTest !== undefined && c.autoTest !== c.driftTest ? ` (automatic: ${escapeHtml(c.autoTest)})` : ''} · rows ${c.reference.rows} / ${c.current.rows} · missing ${c.reference.missing} / ${c.current.missing}</div>
${renderHistogram(c.histogram)}
<table><thead><tr><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>drift</th></tr></thead><tbody>${rows}</tbody></table>
</section>`
}

/** Grouped bars: reference and current share per bin, on a shared y axis. */
function renderHistogram(h: ColumnHistogram): string {
  const width = 400
  const height = h.kind === 'categorical' && h.reference.length > 8 ? 158 : 140
  const n = h.reference.length
  // many categories: slanted labels so they do not run into each other
  const slanted = h.kind === 'categorical' && n > 8
  const pad = { left: 46, right: 6, top: 6, bottom: h.kind === 'categorical' ? (slanted ? 52 : 34) : 20 }
  if (n === 0) return `<svg width="${width}" height="40" role="img" aria-label="no finite values"><text x="8" y="24" font-size="12" fill="#5b6475">no finite values to draw</text></svg>`
  const top = Math.max(...h.reference, ...h.current, 1e-12)
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const slot = plotW / n
  const bar = Math.max(0.5, (slot * 0.8) / 2)
  const y = (share: number) => pad.top + plotH - (share / top) * plotH
  const parts: string[] = []
  parts.push(`<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#9aa3b2"/>`)
  parts.push(`<text x="${pad.left - 4}" y="${pad.top + 9}" font-size="10" text-anchor="end" fill="#5b6475">${formatNumber(top * 100)}%</text>`)
  parts.push(`<text x="${pad.left - 4}" y="${pad.top + plotH}" font-size="10" text-anchor="end" fill="#5b6475">0</text>`)
  for (let i = 0; i < n; i++) {
    const x0 = pad.left + i * slot + slot * 0.1
    const r = h.reference[i]!
    const c = h.current[i]!
    const label = h.kind === 'categorical' ? h.labels[i]! : `${formatNumber(h.edges[i])} – ${formatNumber(h.edges[i + 1])}`
    parts.push(`<rect x="${x0.toFixed(2)}" y="${y(r).toFixed(2)}" width="${bar.toFixed(2)}" height="${(pad.top + plotH - y(r)).toFixed(2)}" fill="${REF_COLOR}"><title>${escapeHtml(label)}: reference ${formatNumber(r * 100)}%</title></rect>`)
    parts.push(`<rect x="${(x0 + bar).toFixed(2)}" y="${y(c).toFixed(2)}" width="${bar.toFixed(2)}" height="${(pad.top + plotH - y(c)).toFixed(2)}" fill="${CUR_COLOR}"><title>${escapeHtml(label)}: current ${formatNumber(c * 100)}%</title></rect>`)
    if (h.kind === 'categorical') {
      const max = slanted ? 9 : 10
      const text = label.length > max ? `${label.slice(0, max - 1)}…` : label
      const tx = (x0 + bar).toFixed(2)
      const ty = height - pad.bottom + 12
      parts.push(
        slanted
          ? `<text x="${tx}" y="${ty}" font-size="9" text-anchor="end" transform="rotate(-40 ${tx} ${ty})" fill="#5b6475">${escapeHtml(text)}</text>`
          : `<text x="${tx}" y="${ty}" font-size="9" text-anchor="middle" fill="#5b6475">${escapeHtml(text)}</text>`,
      )
    }
  }
  if (h.kind === 'numeric') {
    parts.push(`<text x="${pad.left}" y="${height - 4}" font-size="10" fill="#5b6475">${formatNumber(h.edges[0])}</text>`)
    parts.push(`<text x="${width - pad.right}" y="${height - 4}" font-size="10" text-anchor="end" fill="#5b6475">${formatNumber(h.edges[h.edges.length - 1])}</text>`)
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="histogram, reference vs current">${parts.join('')}</svg>`
}

#!/usr/bin/env node
// How data/penguins.csv was made, kept so anyone can check it against the source:
//   npm install --prefix /tmp/vega vega-datasets@3
//   node scripts/convert-vega-penguins.mjs /tmp/vega/node_modules/vega-datasets/data/penguins.json > data/penguins.csv
// Only the header is renamed (to the snake_case names of the R package palmerpenguins); values are kept as
// published, rows in the published order; a null becomes an empty field (and the one "." in `sex` stays ".").
import { readFileSync } from 'node:fs'

const columns = [
  ['Species', 'species'],
  ['Island', 'island'],
  ['Beak Length (mm)', 'bill_length_mm'],
  ['Beak Depth (mm)', 'bill_depth_mm'],
  ['Flipper Length (mm)', 'flipper_length_mm'],
  ['Body Mass (g)', 'body_mass_g'],
  ['Sex', 'sex'],
]
const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: node scripts/convert-vega-penguins.mjs PATH/TO/vega-datasets/data/penguins.json\n')
  process.exit(2)
}
const rows = JSON.parse(readFileSync(file, 'utf8'))
const cell = (value) => {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
const lines = [columns.map(([, name]) => name).join(',')]
for (const row of rows) {
  const unknown = Object.keys(row).filter((key) => !columns.some(([source]) => source === key))
  if (unknown.length) throw new Error(`unexpected column(s) ${unknown.join(', ')} in ${file}`)
  lines.push(columns.map(([source]) => cell(row[source])).join(','))
}
process.stdout.write(`${lines.join('\n')}\n`)

// Writes dist/versions.json: the versions a scaffolded plugin depends on, read from the workspace's own
// package.json files at build time, so a released create-mlops-plugin scaffolds against the @mlops/core
// it was released with (core, cli and testkit are linked: one version).
import { readFileSync, writeFileSync } from 'node:fs'

const read = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'))
const core = read('../../core/package.json')
const testkit = read('../../testkit/package.json')
const stats = read('../../stats/package.json')
const root = read('../../../package.json')

const versions = {
  '@mlops/core': core.version,
  '@mlops/testkit': testkit.version,
  '@mlops/stats': stats.version,
  zod: core.dependencies.zod,
  typescript: root.devDependencies.typescript,
  vitest: root.devDependencies.vitest,
  '@types/node': root.devDependencies['@types/node'],
  node: core.engines.node,
}
for (const [name, value] of Object.entries(versions)) {
  if (typeof value !== 'string' || !value) throw new Error(`write-versions: no version for ${name}`)
}
writeFileSync(new URL('../dist/versions.json', import.meta.url), `${JSON.stringify(versions, null, 2)}\n`)

import { errors, mlopsError, traceLineage, type LineageGraph, type LineageNode } from '@mlops/core'
import { parseCommandArgs } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'
import { shortId } from '../render/table.js'

const usage = `Usage: mlops lineage ARTIFACT_OR_RUN [--json]

Prints the upstream graph: for an artifact (hash or unique prefix of 6+ characters), the steps that
produced it and their inputs back to the source data; for a run id, every step with its inputs and
outputs. --json prints { root, nodes, edges }.`

function label(node: LineageNode | undefined): string {
  if (!node) return '?'
  if (node.type === 'artifact') {
    const rows = typeof node.meta.rows === 'number' ? `, ${node.meta.rows} rows` : ''
    return `${node.kind} ${node.hash.slice(0, 12)}${rows}`
  }
  return `step ${node.stepId} (run ${shortId(node.runId)}, ${node.status})`
}

/** An indented upstream tree from the root; shared ancestors print once and are referenced after. */
export function renderLineage(graph: LineageGraph): string {
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]))
  const upstream = new Map<string, { from: string; name: string }[]>()
  for (const edge of graph.edges) {
    const list = upstream.get(edge.to)
    if (list) list.push({ from: edge.from, name: edge.name })
    else upstream.set(edge.to, [{ from: edge.from, name: edge.name }])
  }
  const roots =
    graph.root.type === 'artifact'
      ? [`artifact:${graph.root.hash}`]
      : graph.nodes.filter((n) => n.type === 'artifact' && !graph.edges.some((e) => e.from === n.key)).map((n) => n.key)
  const lines: string[] = []
  const printed = new Set<string>()
  const walk = (key: string, prefix: string, via: string) => {
    const seen = printed.has(key)
    lines.push(`${prefix}${via}${label(byKey.get(key))}${seen && upstream.get(key)?.length ? ' (see above)' : ''}`)
    if (seen) return
    printed.add(key)
    for (const parent of upstream.get(key) ?? []) walk(parent.from, `${prefix}  `, `<- ${parent.name}: `)
  }
  for (const root of roots) walk(root, '', '')
  return lines.join('\n')
}

const command: CommandModule = {
  summary: 'Show lineage',
  usage,
  async run(argv, io, globals) {
    const [ref, ...extra] = parseCommandArgs('lineage', { args: argv, options: {} }).positionals
    if (!ref || extra.length) throw mlopsError(errors.UsageInvalid, ['mlops lineage takes one ARTIFACT_OR_RUN'])
    const project = await openProject(io, globals, 'lineage')
    try {
      const graph = await traceLineage(project.metadata, ref)
      return { exitCode: 0, data: graph, human: renderLineage(graph) }
    } finally {
      await project.close()
    }
  },
}

export default command

import { Document, Scalar } from 'yaml'

/** One YAML document with `# …` header lines (each line of `comment` becomes a comment line). */
export function yamlDocument(value: object, comment: readonly string[]): string {
  // No anchors and aliases (&a1 / *a1) for repeated objects such as labels: people and some tools read these files.
  const doc = new Document(value, { aliasDuplicateObjects: false })
  if (comment.length) doc.commentBefore = comment.map((line) => (line === '' ? '' : ` ${line}`)).join('\n')
  return doc.toString({ lineWidth: 0 })
}

/** A string written in single quotes (a cron line reads better quoted, as GitHub's and Kubernetes' docs write it). */
export function quoted(text: string): Scalar {
  const node = new Scalar(text)
  node.type = Scalar.QUOTE_SINGLE
  return node
}

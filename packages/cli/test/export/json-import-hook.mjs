// @actions/workflow-parser imports its JSON schema without `with { type: 'json' }`, which Node 20 refuses
// natively. This resolve hook adds the attribute for that package's .json files only.
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context)
  if (result.url.endsWith('.json') && result.url.includes('/@actions/workflow-parser/')) {
    return { ...result, importAttributes: { ...context.importAttributes, type: 'json' } }
  }
  return result
}

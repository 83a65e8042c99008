import { errors, formatZodIssues, mlopsError, type PluginFactory, type z } from '@mlops/core'
import { withLeafAsString, type ParsedOptions } from './option-args.js'
import { formatPath } from '@mlops/core'

/**
 * Checks the `--option` values against the plugin's zod schema, as core will when the config loads, without
 * setting the plugin up. A value typed as a number or boolean that the schema wants as a string
 * (`--option token=0123`) is taken as the string typed. Throws AddOptionsInvalid naming the plugin and the path.
 */
export function validatePluginOptions(factory: PluginFactory, options: ParsedOptions): ParsedOptions {
  const { name, options: schema } = factory.definition
  let current = options
  for (let attempt = 0; attempt <= options.raw.size; attempt++) {
    const result = schema.safeParse(current.value)
    if (result.success) return current
    const retry = stringRetry(result.error, current)
    if (!retry) {
      const issues = formatZodIssues(result.error, '', ' › ')
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n')
      throw mlopsError(errors.AddOptionsInvalid, [name, issues, describeAcceptedOptions(name, schema)])
    }
    current = retry
  }
  throw new Error('unreachable: each retry turns one more option into a string')
}

function stringRetry(error: z.ZodError, options: ParsedOptions): ParsedOptions | undefined {
  for (const issue of error.issues) {
    if (issue.code !== 'invalid_type' || issue.expected !== 'string') continue
    const retried = withLeafAsString(options, formatPath('', issue.path))
    if (retried) return retried
  }
  return undefined
}

/** `@acme/x takes: url (required), retries, tls.` for an object schema; empty otherwise. */
export function describeAcceptedOptions(pluginName: string, schema: z.ZodType): string {
  const shape = (schema as { shape?: unknown }).shape
  if (typeof shape !== 'object' || shape === null) return ''
  const keys = Object.entries(shape as Record<string, z.ZodType>).map(([key, field]) => (field.safeParse(undefined).success ? key : `${key} (required)`))
  return keys.length ? `${pluginName} takes: ${keys.join(', ')}.` : `${pluginName} takes no options.`
}

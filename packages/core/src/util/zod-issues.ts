import type { z } from 'zod'

/** Formats a config-style path: `pipelines.train.steps[2].params.lr`. */
export function formatPath(base: string, path: readonly PropertyKey[]): string {
  let out = base
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/** One line per issue, each prefixed by its path (joined to `base`). */
export function formatZodIssues(error: z.ZodError, base: string, separator = ': '): string {
  return error.issues
    .map((issue) => {
      const path = formatPath(base, issue.path)
      return path ? `${path}${separator}${issue.message}` : issue.message
    })
    .join('\n')
}

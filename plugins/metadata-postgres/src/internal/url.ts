import { errors, mlopsError } from '@mlops/core'

/**
 * The connection URL for messages: the password replaced by `****` (also in a URL that does not
 * parse, by pattern), so an error or a log line never carries the secret.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '****'
    // A password given as a query parameter (`?password=…`) is a secret too.
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '****')
    }
    return parsed.toString()
  } catch {
    return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1****@').replace(/(pass[a-z]*=)[^&\s]*/gi, '$1****')
  }
}

/** Checks that `url` is a postgres:// URL; `source` says where it came from (option or variable). */
export function parsePostgresUrl(url: string, source: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw mlopsError(errors.InputInvalid, [source, `${JSON.stringify(maskUrl(url))} is not a URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`])
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw mlopsError(errors.InputInvalid, [source, `${maskUrl(url)} is not a PostgreSQL URL (scheme ${parsed.protocol}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`])
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw mlopsError(errors.InputInvalid, [source, `${maskUrl(url)} names no host; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`])
  }
  return parsed
}

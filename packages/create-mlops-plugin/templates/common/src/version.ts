import { createRequire } from 'node:module'

/** This package's version (shown by `mlops plugins ls`), read from package.json in src/ and dist/ alike. */
export const version: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version

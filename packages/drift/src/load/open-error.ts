/** What went wrong opening a data file, in words a user can act on. */
export function describeOpenError(error: unknown): string {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT') return 'no such file; check the path (relative paths start at the current directory)'
  if (code === 'EISDIR') return 'is a directory, not a data file'
  if (code === 'EACCES') return 'permission denied; check the file permissions'
  return `cannot be opened: ${(error as Error).message}`
}

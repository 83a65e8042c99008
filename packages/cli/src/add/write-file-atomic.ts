import { randomBytes } from 'node:crypto'
import { chmod, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { errors, mlopsError } from '@mlops/core'

/**
 * Replaces `file`'s content with `text` all at once: writes a temp file beside it (same folder, so the
 * rename stays on one filesystem), keeps the file's mode, then renames over it. A crash leaves either
 * the old or the new file, never half of one. Refuses if the file changed since it was read (`expected`).
 */
export async function replaceFileAtomically(file: string, expected: string, text: string): Promise<void> {
  const current = await readFile(file, 'utf8')
  if (current !== expected) {
    throw mlopsError(errors.InputInvalid, [file, 'it changed while mlops add was working; nothing was written. Run mlops add again'])
  }
  const { mode } = await stat(file)
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await writeFile(temp, text, { flag: 'wx' })
    await chmod(temp, mode & 0o7777)
    await rename(temp, file)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}

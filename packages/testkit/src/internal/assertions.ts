import assert from 'node:assert/strict'

/** Awaits `action` and asserts it rejected with an error carrying `code` (an MlopsError code). */
export async function rejectsWithCode(action: () => unknown, code: string, what: string): Promise<Error> {
  let outcome: { threw: false; value: unknown } | { threw: true; error: unknown }
  try {
    outcome = { threw: false, value: await action() }
  } catch (error) {
    outcome = { threw: true, error }
  }
  if (!outcome.threw) {
    assert.fail(`${what}: expected a rejection with ${code}, but it resolved with ${preview(outcome.value)}`)
  }
  const error = outcome.error
  const actual = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  if (actual !== code) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    assert.fail(`${what}: expected an error with code ${code}, got ${actual === undefined ? 'no code' : String(actual)} (${message})`)
  }
  assert.ok(error instanceof Error, `${what}: the rejection should be an Error`)
  return error
}

/** Awaits `action` and asserts it rejected (any error), returning the error. */
export async function rejects(action: () => unknown, what: string): Promise<unknown> {
  try {
    const value = await action()
    assert.fail(`${what}: expected a rejection, but it resolved with ${preview(value)}`)
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error
    return error
  }
}

export function preview(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  try {
    const text = JSON.stringify(value)
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text
  } catch {
    return String(value)
  }
}

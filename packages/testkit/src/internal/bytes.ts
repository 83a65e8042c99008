import { createHash } from 'node:crypto'

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Deterministic pseudo-random bytes (xorshift32), so a failing case fails the same way every run. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0
  for (const chunk of chunks) total += chunk.byteLength
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Splits `data` into chunks of the given sizes (cycled), yielding with a macrotask gap between chunks. */
export async function* chunked(data: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = 0
  let i = 0
  while (offset < data.byteLength) {
    const size = sizes[i++ % sizes.length] ?? 1
    // Copies, as a real producer (socket, file) hands out fresh buffers.
    yield data.slice(offset, offset + size)
    offset += size
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return concatBytes(chunks)
}

export async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

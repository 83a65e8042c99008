import { createHmac, timingSafeEqual } from 'node:crypto'

/** `sha256=<hex of HMAC-SHA256(secret, timestamp + '.' + body)>`: the `X-Mlops-Signature` header. */
export function signWebhookPayload(secret: string, timestamp: string | number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret)
  hmac.update(`${timestamp}.`)
  hmac.update(body)
  return `sha256=${hmac.digest('hex')}`
}

export interface VerifyWebhookSignatureOptions {
  /** Reject timestamps further than this from `now` (replayed requests). Default 300 s; `Infinity` disables. */
  toleranceSeconds?: number
  /** Current time in seconds since the epoch (for tests). Default: the clock. */
  now?: number
}

/**
 * For receivers: true when `header` (the `X-Mlops-Signature` value) is the signature of the raw request
 * `body` with `timestamp` (the `X-Mlops-Timestamp` value) under `secret`, and the timestamp is recent.
 * Verify the raw bytes as received, before parsing the JSON. Constant-time comparison.
 *
 * ```ts
 * const ok = verifyWebhookSignature(process.env.MLOPS_WEBHOOK_SECRET!, req.headers['x-mlops-timestamp'], rawBody, req.headers['x-mlops-signature'])
 * ```
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | string[] | null | undefined,
  body: string | Uint8Array,
  header: string | string[] | null | undefined,
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  const ts = Array.isArray(timestamp) ? timestamp[0] : timestamp
  const signature = Array.isArray(header) ? header[0] : header
  if (typeof secret !== 'string' || secret === '' || ts === undefined || ts === null || typeof signature !== 'string') return false
  const tsText = String(ts)
  if (!/^\d{1,12}$/.test(tsText)) return false
  const tolerance = options.toleranceSeconds ?? 300
  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - Number(tsText)) > tolerance) return false
  const expected = Buffer.from(signWebhookPayload(secret, tsText, body))
  const given = Buffer.from(signature.trim())
  return given.length === expected.length && timingSafeEqual(given, expected)
}

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { memoByObject } from './memo.js'

export type SignatureScheme = 'chatwoot' | 'seed'

export type SignatureFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'missing_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'no_secret_configured'
  | 'signature_mismatch'

export type SignatureResult =
  | { readonly ok: true, readonly scheme: SignatureScheme }
  | { readonly ok: false, readonly reason: SignatureFailure }

export interface SignatureInput {
  readonly rawBody: Buffer
  readonly signature: string | undefined
  readonly timestamp: string | undefined
  readonly secrets: readonly string[]
  readonly nowSeconds: number
  readonly toleranceSeconds: number
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i
const UNIX_SECONDS = /^\d{1,12}$/

/** HMAC-SHA256 as Chatwoot >= 4.13 signs: over "<timestamp>.<raw body>". */
export function signChatwoot (secret: string, timestamp: string, rawBody: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')
}

/** HMAC-SHA256 over the raw body alone: the scheme the seed service documented. */
export function signSeed (secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex')
}

// A string key is copied into a new KeyObject on every createHmac; the configured list is one array
// for the life of the app, so its keys are built once. Weak: a list dropped by a test is collected.
const keysFor = memoByObject((secrets: readonly string[]): readonly KeyObject[] =>
  secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8'))))

function matchesAny (given: Buffer, secrets: readonly string[], digest: (key: KeyObject) => Buffer): boolean {
  let matched = false
  // Every secret is tried (no early exit) so timing does not reveal which one matched.
  for (const key of keysFor(secrets)) {
    if (timingSafeEqual(given, digest(key))) matched = true
  }
  return matched
}

/**
 * Verifies a delivery over its raw bytes. `sha256=<hex>` with X-Chatwoot-Timestamp is Chatwoot's
 * scheme and is held to the replay window; a bare `<hex>` is the seed's raw-body scheme.
 */
export function verifySignature (input: SignatureInput): SignatureResult {
  const header = input.signature?.trim()
  if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' }
  if (input.secrets.length === 0) return { ok: false, reason: 'no_secret_configured' }

  if (header.startsWith('sha256=')) {
    const hex = header.slice('sha256='.length)
    if (!HEX_SHA256.test(hex)) return { ok: false, reason: 'malformed_signature' }
    const ts = input.timestamp?.trim()
    if (ts === undefined || !UNIX_SECONDS.test(ts)) return { ok: false, reason: 'missing_timestamp' }
    const skew = Number(ts) - input.nowSeconds
    if (skew < -input.toleranceSeconds) return { ok: false, reason: 'stale_timestamp' }
    if (skew > input.toleranceSeconds) return { ok: false, reason: 'future_timestamp' }
    const given = Buffer.from(hex, 'hex')
    const ok = matchesAny(given, input.secrets, (k) =>
      createHmac('sha256', k).update(`${ts}.`).update(input.rawBody).digest())
    return ok ? { ok: true, scheme: 'chatwoot' } : { ok: false, reason: 'signature_mismatch' }
  }

  if (!HEX_SHA256.test(header)) return { ok: false, reason: 'malformed_signature' }
  const given = Buffer.from(header, 'hex')
  const ok = matchesAny(given, input.secrets, (k) => createHmac('sha256', k).update(input.rawBody).digest())
  return ok ? { ok: true, scheme: 'seed' } : { ok: false, reason: 'signature_mismatch' }
}

/** Constant-time string comparison for the path token. */
export function safeEqual (a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

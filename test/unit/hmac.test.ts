import { describe, expect, it } from 'vitest'
import { safeEqual, signChatwoot, signSeed, verifySignature, type SignatureInput } from '../../src/lib/hmac.js'
import { CHATWOOT_VECTOR, SEED_VECTOR, VECTORS, VECTOR_TIMESTAMP } from '../helpers/fixtures.js'

const body = CHATWOOT_VECTOR.body
const header = (headers: Readonly<Record<string, string>>, name: string): string => {
  const value = headers[name]
  if (value === undefined) throw new Error(`signature-vectors.json lacks ${name}`)
  return value
}
const chatwootSig = header(CHATWOOT_VECTOR.headers, 'X-Chatwoot-Signature')
const seedSig = header(SEED_VECTOR.headers, 'X-Chatwoot-Signature')

const chatwootInput = (over: Partial<SignatureInput> = {}): SignatureInput => ({
  rawBody: body,
  signature: chatwootSig,
  timestamp: String(VECTOR_TIMESTAMP),
  secrets: [VECTORS.secret],
  nowSeconds: VECTOR_TIMESTAMP,
  toleranceSeconds: 300,
  ...over,
})

const seedInput = (over: Partial<SignatureInput> = {}): SignatureInput => ({
  rawBody: body,
  signature: seedSig,
  timestamp: undefined,
  secrets: [VECTORS.secret],
  nowSeconds: VECTOR_TIMESTAMP,
  toleranceSeconds: 300,
  ...over,
})

describe('signature vectors', () => {
  it('the vectors share one body: the fixture bytes, not re-serialised', () => {
    expect(SEED_VECTOR.body.equals(CHATWOOT_VECTOR.body)).toBe(true)
    expect(body.length).toBeGreaterThan(1000)
  })

  it('signChatwoot reproduces the Chatwoot vector exactly', () => {
    expect(signChatwoot(VECTORS.secret, String(VECTOR_TIMESTAMP), body)).toBe(chatwootSig)
    // Same bytes as a string give the same signature.
    expect(signChatwoot(VECTORS.secret, String(VECTOR_TIMESTAMP), body.toString('utf8'))).toBe(chatwootSig)
  })

  it('signSeed reproduces the seed vector exactly', () => {
    expect(signSeed(VECTORS.secret, body)).toBe(seedSig)
  })

  it('verifies the Chatwoot vector as the chatwoot scheme', () => {
    expect(verifySignature(chatwootInput())).toEqual({ ok: true, scheme: 'chatwoot' })
  })

  it('verifies the seed vector as the seed scheme', () => {
    expect(verifySignature(seedInput())).toEqual({ ok: true, scheme: 'seed' })
  })

  it('the seed scheme ignores any timestamp (it has none to check)', () => {
    expect(verifySignature(seedInput({ timestamp: '1', nowSeconds: VECTOR_TIMESTAMP + 10_000 }))).toEqual({ ok: true, scheme: 'seed' })
  })
})

describe('replay window', () => {
  it('rejects the vector 392 s later as stale', () => {
    expect(verifySignature(chatwootInput({ nowSeconds: 1787062200 }))).toEqual({ ok: false, reason: 'stale_timestamp' })
  })

  it('accepts exactly at the tolerance in both directions and rejects one second beyond', () => {
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP + 300 })).ok).toBe(true)
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP - 300 })).ok).toBe(true)
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP + 301 }))).toEqual({ ok: false, reason: 'stale_timestamp' })
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP - 301 }))).toEqual({ ok: false, reason: 'future_timestamp' })
  })

  it('honours a custom tolerance', () => {
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP + 11, toleranceSeconds: 10 }))).toEqual({ ok: false, reason: 'stale_timestamp' })
    expect(verifySignature(chatwootInput({ nowSeconds: VECTOR_TIMESTAMP + 10, toleranceSeconds: 10 })).ok).toBe(true)
  })

  it('a timestamp swapped for a fresh one breaks the signature (it is signed)', () => {
    const fresh = VECTOR_TIMESTAMP + 100
    expect(verifySignature(chatwootInput({ timestamp: String(fresh), nowSeconds: fresh }))).toEqual({ ok: false, reason: 'signature_mismatch' })
  })
})

describe('secrets', () => {
  it('a wrong secret fails both schemes', () => {
    expect(verifySignature(chatwootInput({ secrets: ['not-the-bot-secret'] }))).toEqual({ ok: false, reason: 'signature_mismatch' })
    expect(verifySignature(seedInput({ secrets: ['not-the-bot-secret'] }))).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it('rotation: the second of several secrets matches, in both schemes', () => {
    const secrets = ['old-secret-before-reset', VECTORS.secret, 'another-one']
    expect(verifySignature(chatwootInput({ secrets }))).toEqual({ ok: true, scheme: 'chatwoot' })
    expect(verifySignature(seedInput({ secrets }))).toEqual({ ok: true, scheme: 'seed' })
  })

  it('no secret configured is its own failure, not a mismatch', () => {
    expect(verifySignature(chatwootInput({ secrets: [] }))).toEqual({ ok: false, reason: 'no_secret_configured' })
  })

  it('a secret that differs only in case or whitespace does not match', () => {
    expect(verifySignature(chatwootInput({ secrets: [VECTORS.secret.toUpperCase()] })).ok).toBe(false)
    expect(verifySignature(chatwootInput({ secrets: [`${VECTORS.secret} `] })).ok).toBe(false)
  })
})

describe('tampering and malformed input', () => {
  it('one changed byte anywhere in the body fails both schemes', () => {
    for (const index of [0, Math.floor(body.length / 2), body.length - 1]) {
      const tampered = Buffer.from(body)
      tampered[index] = (tampered[index] ?? 0) ^ 0x01
      expect(verifySignature(chatwootInput({ rawBody: tampered }))).toEqual({ ok: false, reason: 'signature_mismatch' })
      expect(verifySignature(seedInput({ rawBody: tampered }))).toEqual({ ok: false, reason: 'signature_mismatch' })
    }
  })

  it('re-serialised JSON (same data, different bytes) fails', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))))
    expect(reserialised.equals(body)).toBe(false)
    expect(verifySignature(chatwootInput({ rawBody: reserialised }))).toEqual({ ok: false, reason: 'signature_mismatch' })
    expect(verifySignature(seedInput({ rawBody: reserialised }))).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it('a changed signature digit fails', () => {
    const last = chatwootSig.at(-1) === '0' ? '1' : '0'
    expect(verifySignature(chatwootInput({ signature: chatwootSig.slice(0, -1) + last }))).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it.each([
    ['sha256= with a short digest', 'sha256=' + 'a'.repeat(63)],
    ['sha256= with a long digest', 'sha256=' + 'a'.repeat(65)],
    ['sha256= with non-hex', 'sha256=' + 'z'.repeat(64)],
    ['empty sha256=', 'sha256='],
    ['another algorithm', 'sha1=' + 'a'.repeat(40)],
    ['base64 digest', 'sha256=lQ2NNGi/FyiRLDxx2y6ZlLU+UzTz/cTd9heigHpcYHc='],
    ['bare short hex', 'abc123'],
    ['garbage', 'not a signature'],
  ])('malformed header (%s) → malformed_signature', (_label, signature) => {
    expect(verifySignature(chatwootInput({ signature }))).toEqual({ ok: false, reason: 'malformed_signature' })
  })

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['not a number', 'yesterday'],
    ['milliseconds with a dot', '1787061808.5'],
    ['negative', '-1787061808'],
  ])('sha256= with the timestamp %s → missing_timestamp', (_label, timestamp) => {
    expect(verifySignature(chatwootInput({ timestamp }))).toEqual({ ok: false, reason: 'missing_timestamp' })
  })

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('signature header %s → missing_signature', (_label, signature) => {
    expect(verifySignature(chatwootInput({ signature }))).toEqual({ ok: false, reason: 'missing_signature' })
  })

  it('tolerates surrounding whitespace and upper-case hex in the header', () => {
    expect(verifySignature(chatwootInput({ signature: `  ${chatwootSig}  ` })).ok).toBe(true)
    expect(verifySignature(seedInput({ signature: seedSig.toUpperCase() })).ok).toBe(true)
  })
})

describe('safeEqual', () => {
  it('compares exactly, including length', () => {
    expect(safeEqual('a'.repeat(40), 'a'.repeat(40))).toBe(true)
    expect(safeEqual('a'.repeat(40), 'a'.repeat(39) + 'b')).toBe(false)
    expect(safeEqual('a'.repeat(40), 'a'.repeat(41))).toBe(false)
    expect(safeEqual('', 'a')).toBe(false)
  })
})

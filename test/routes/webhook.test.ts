import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ConversationJob, MessageJob } from '../../src/conversation/inbound.js'
import { createTestClock, startTestApp, type EnvOverrides, type TestApp, type TestClock, type TestDeps } from '../helpers/app.js'
import {
  CHATWOOT_VECTOR,
  SEED_VECTOR,
  VECTORS,
  VECTOR_TIMESTAMP,
  fixtureBytes,
  messageVariant,
  type FixtureName,
  type MessageFixture,
} from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, type Response } from '../helpers/http.js'
import { cleanPrefix, createTestRedis, REDIS_URL, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { chatwootHeaders, seedHeaders } from '../helpers/sign.js'

const SECRET = VECTORS.secret
const INCOMING: FixtureName = 'message_created.incoming.whatsapp'
const PATH_TOKEN = 'pt_9fK2mQ7xVb4nR8sT1wY6zC3dE5gH0jLa'

const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

/** A fresh app per test (memory dedupe starts empty), closed after it. */
async function start (env: EnvOverrides = {}, deps: TestDeps = {}, clock: TestClock = createTestClock()): Promise<TestApp & { clock: TestClock }> {
  const t = await startTestApp(env, { clock, ...deps })
  opened.push(t)
  return Object.assign(t, { clock })
}

/** Signs like Chatwoot >= 4.13 at the app's current time. */
const signed = (t: { clock: TestClock }, body: Buffer, opts: { deliveryId?: string, secret?: string } = {}) =>
  chatwootHeaders(body, { secret: opts.secret ?? SECRET, timestamp: t.clock.seconds(), ...(opts.deliveryId !== undefined ? { deliveryId: opts.deliveryId } : {}) })

/** An incoming lead message variant with its own message id (and optionally conversation). */
const leadMessage = (messageId: number, mutate: (m: MessageFixture) => void = () => {}) => messageVariant((m) => {
  m.id = messageId
  mutate(m)
})

const bodyOf = (r: Response) => r.json as Record<string, unknown>

function expectAccepted (r: Response): void {
  expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'accepted' } })
}

function expectRefused (r: Response, status: number, code: string): void {
  expect(r.status).toBe(status)
  expect(bodyOf(r)).toMatchObject({ statusCode: status, code })
}

const messageJobs = (jobs: readonly ConversationJob[]): MessageJob[] => jobs.filter((j): j is MessageJob => j.kind === 'message')

describe('webhook: accepted signature schemes (real socket)', () => {
  it('Chatwoot >= 4.13: the vector exactly as sent (sha256= over "<ts>.<raw body>")', async () => {
    const t = await start()
    const r = await postWebhook(t.url, CHATWOOT_VECTOR.body, {
      'content-type': 'application/json',
      accept: 'application/json',
      ...CHATWOOT_VECTOR.headers,
    })
    expectAccepted(r)
    expect(t.jobs).toHaveLength(1)
    expect(t.jobs[0]).toMatchObject({ kind: 'message', ref: { accountId: 3, conversationId: 1487 }, messageId: 90211 })
    expect(t.batches[0]?.lane).toBe('{3:1487}')
  })

  it('the seed scheme: the vector (hex HMAC of the raw body, no timestamp)', async () => {
    const t = await start()
    const r = await postWebhook(t.url, SEED_VECTOR.body, { 'content-type': 'application/json', ...SEED_VECTOR.headers })
    expectAccepted(r)
    expect(t.jobs).toHaveLength(1)
  })

  it('content-type with a charset is still JSON', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const r = await postWebhook(t.url, body, { ...signed(t, body), 'content-type': 'application/json; charset=utf-8' })
    expectAccepted(r)
  })

  describe('path token (Chatwoot < 4.13 signs nothing)', () => {
    it('accepts an unsigned delivery on /agentbot/<token>', async () => {
      const t = await start({ WEBHOOK_PATH_TOKEN: PATH_TOKEN })
      const r = await postWebhook(t.url, fixtureBytes(INCOMING), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}`)
      expectAccepted(r)
      expect(t.jobs).toHaveLength(1)
    })

    it('refuses a wrong token with 401 and queues nothing', async () => {
      const t = await start({ WEBHOOK_PATH_TOKEN: PATH_TOKEN })
      for (const wrong of [PATH_TOKEN.slice(0, -1) + 'X', PATH_TOKEN.slice(0, -1), `${PATH_TOKEN}x`]) {
        const r = await postWebhook(t.url, fixtureBytes(INCOMING), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${wrong}`)
        expectRefused(r, 401, 'INVALID_SIGNATURE')
        expect(bodyOf(r)['message']).toContain('bad_path_token')
      }
      expect(t.jobs).toHaveLength(0)
    })

    it('the plain route still demands a signature when the token is configured', async () => {
      const t = await start({ WEBHOOK_PATH_TOKEN: PATH_TOKEN })
      const r = await postWebhook(t.url, fixtureBytes(INCOMING), { 'content-type': 'application/json' })
      expectRefused(r, 401, 'INVALID_SIGNATURE')
    })

    it('the token route does not exist when no token is configured (404)', async () => {
      const t = await start()
      const r = await postWebhook(t.url, fixtureBytes(INCOMING), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}`)
      expectRefused(r, 404, 'NOT_FOUND')
    })
  })
})

describe('webhook: refused signatures', () => {
  it('a stale timestamp (the vector 392 s later) → 401 stale_timestamp', async () => {
    const t = await start({}, {}, createTestClock(1787062200 * 1000))
    const r = await postWebhook(t.url, CHATWOOT_VECTOR.body, { 'content-type': 'application/json', ...CHATWOOT_VECTOR.headers })
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('stale_timestamp')
    expect(t.jobs).toHaveLength(0)
  })

  it('WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS moves the window: 392 s late passes at 400, fails at 60', async () => {
    const late = createTestClock((VECTOR_TIMESTAMP + 392) * 1000)
    const wide = await start({ WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: '400' }, {}, late)
    expectAccepted(await postWebhook(wide.url, CHATWOOT_VECTOR.body, { 'content-type': 'application/json', ...CHATWOOT_VECTOR.headers }))
    const tight = await start({ WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: '60' }, {}, createTestClock((VECTOR_TIMESTAMP + 61) * 1000))
    const r = await postWebhook(tight.url, CHATWOOT_VECTOR.body, { 'content-type': 'application/json', ...CHATWOOT_VECTOR.headers })
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('stale_timestamp')
  })

  it('a timestamp from the future beyond the window → 401 future_timestamp', async () => {
    const t = await start({}, {}, createTestClock((VECTOR_TIMESTAMP - 301) * 1000))
    const r = await postWebhook(t.url, CHATWOOT_VECTOR.body, { 'content-type': 'application/json', ...CHATWOOT_VECTOR.headers })
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('future_timestamp')
  })

  it('the vector with a fresh timestamp but the old signature → 401', async () => {
    const t = await start({}, {}, createTestClock(Date.now()))
    const r = await postWebhook(t.url, CHATWOOT_VECTOR.body, {
      'content-type': 'application/json',
      ...CHATWOOT_VECTOR.headers,
      'X-Chatwoot-Timestamp': String(t.clock.seconds()),
    })
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('signature_mismatch')
  })

  it('a wrong secret → 401 in both schemes', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    for (const headers of [signed(t, body, { secret: 'not-the-bot-secret' }), seedHeaders(body, { secret: 'not-the-bot-secret' })]) {
      const r = await postWebhook(t.url, body, headers)
      expectRefused(r, 401, 'INVALID_SIGNATURE')
      expect(bodyOf(r)['message']).toContain('signature_mismatch')
    }
    expect(t.jobs).toHaveLength(0)
  })

  it('no signature header → 401 missing_signature', async () => {
    const t = await start()
    const r = await postWebhook(t.url, fixtureBytes(INCOMING), { 'content-type': 'application/json', 'x-chatwoot-delivery': 'd-1' })
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('missing_signature')
  })

  it('sha256= without X-Chatwoot-Timestamp → 401 missing_timestamp', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const { 'x-chatwoot-timestamp': _dropped, ...headers } = signed(t, body)
    const r = await postWebhook(t.url, body, headers)
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('missing_timestamp')
  })

  it('one byte changed after signing → 401 (still valid JSON)', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const headers = signed(t, body)
    const tampered = Buffer.from(body.toString('utf8').replace('200 unidades', '900 unidades'))
    expect(tampered.length).toBe(body.length)
    const r = await postWebhook(t.url, tampered, headers)
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(t.jobs).toHaveLength(0)
  })

  it('re-serialised JSON (same data) with the original signature → 401', async () => {
    const t = await start()
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(CHATWOOT_VECTOR.body.toString('utf8'))))
    for (const [body, headers] of [
      [reserialised, CHATWOOT_VECTOR.headers],
      [reserialised, SEED_VECTOR.headers],
    ] as const) {
      const r = await postWebhook(t.url, body, { 'content-type': 'application/json', ...headers })
      expectRefused(r, 401, 'INVALID_SIGNATURE')
    }
    expect(t.jobs).toHaveLength(0)
  })

  it('rotation: CHATWOOT_WEBHOOK_SECRET="old,new" accepts both, and nothing else', async () => {
    const t = await start({ CHATWOOT_WEBHOOK_SECRET: `old-secret-before-reset,${SECRET}` })
    const a = leadMessage(1)
    const b = leadMessage(2)
    expectAccepted(await postWebhook(t.url, a, signed(t, a, { secret: 'old-secret-before-reset' })))
    expectAccepted(await postWebhook(t.url, b, signed(t, b, { secret: SECRET })))
    const c = leadMessage(3)
    expectRefused(await postWebhook(t.url, c, signed(t, c, { secret: 'third-secret' })), 401, 'INVALID_SIGNATURE')
    expect(messageJobs(t.jobs).map((j) => j.messageId)).toEqual([1, 2])
  })

  it('no secret configured → every signed delivery refused', async () => {
    const t = await start({ CHATWOOT_WEBHOOK_SECRET: '' })
    const body = fixtureBytes(INCOMING)
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 401, 'INVALID_SIGNATURE')
    expect(bodyOf(r)['message']).toContain('no_secret_configured')
  })
})

describe('webhook: dedupe', () => {
  it('the same delivery twice (a Chatwoot retry: fresh timestamp) → the second is duplicate', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const deliveryId = '6f1c2a9e-3b7d-4e8a-9c51-2d4f8b0e7a13'
    expectAccepted(await postWebhook(t.url, body, signed(t, body, { deliveryId })))
    t.clock.advance(3000)
    const again = await postWebhook(t.url, body, signed(t, body, { deliveryId }))
    expect({ status: again.status, body: again.json }).toEqual({ status: 200, body: { status: 'duplicate' } })
    expect(t.jobs).toHaveLength(1)
  })

  it('20 concurrent identical deliveries → exactly one accepted; the handler saw one job', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const headers = signed(t, body, { deliveryId: 'same-delivery' })
    const responses = await Promise.all(Array.from({ length: 20 }, () => postWebhook(t.url, body, headers)))
    const statuses = responses.map((r) => (r.status === 200 ? String(bodyOf(r)['status']) : `http_${r.status}`))
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1)
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19)
    expect(await t.app.queue.drain(1000)).toBe(true)
    expect(t.jobs).toHaveLength(1)
  })

  it('the same message under two delivery ids (FACTS §6) → one accepted, one duplicate', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const first = await postWebhook(t.url, body, signed(t, body, { deliveryId: 'delivery-a' }))
    const second = await postWebhook(t.url, body, signed(t, body, { deliveryId: 'delivery-b' }))
    expect([bodyOf(first)['status'], bodyOf(second)['status']]).toEqual(['accepted', 'duplicate'])
    expect(t.jobs).toHaveLength(1)
  })

  it('the body\'s event_id (the seed contract) dedupes too', async () => {
    const t = await start()
    const a = leadMessage(10, (m) => { m.event_id = 'evt-42' })
    const b = leadMessage(11, (m) => { m.event_id = 'evt-42' })
    expectAccepted(await postWebhook(t.url, a, seedHeaders(a, { secret: SECRET })))
    expect(bodyOf(await postWebhook(t.url, b, seedHeaders(b, { secret: SECRET })))).toEqual({ status: 'duplicate' })
  })

  it('distinct messages are all accepted, in order, in the conversation lane', async () => {
    const t = await start()
    for (const id of [101, 102, 103]) {
      const body = leadMessage(id)
      expectAccepted(await postWebhook(t.url, body, signed(t, body)))
    }
    await t.app.queue.drain(1000)
    expect(messageJobs(t.jobs).map((j) => j.messageId)).toEqual([101, 102, 103])
    expect(new Set(t.batches.map((b) => b.lane))).toEqual(new Set(['{3:1487}']))
  })
})

describe('webhook: rate limits', () => {
  it('past RATE_LIMIT_REQUESTS unauthenticated requests from an IP → 429 with Retry-After; valid ones still pass', async () => {
    const t = await start({ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW: '60' })
    const body = fixtureBytes(INCOMING)
    const bad = signed(t, body, { secret: 'wrong' })
    const results: Response[] = []
    for (let i = 0; i < 8; i++) results.push(await postWebhook(t.url, body, bad))
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    const limited = results[5] as Response
    expectRefused(limited, 429, 'RATE_LIMITED')
    const retryAfter = Number(limited.headers['retry-after'])
    expect(Number.isInteger(retryAfter)).toBe(true)
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(results[0]?.headers['retry-after']).toBeUndefined()

    // A validly signed delivery from the same, already limited, address is not throttled.
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
    expect(t.jobs).toHaveLength(1)
  })

  it('behind a trusted proxy (TRUST_PROXY=1) each client address is counted apart; without it X-Forwarded-For is ignored', async () => {
    const body = fixtureBytes(INCOMING)
    const from = (ip: string) => ({ 'content-type': 'application/json', 'x-forwarded-for': ip })
    const proxied = await start({ RATE_LIMIT_REQUESTS: '1', TRUST_PROXY: '1' })
    const viaProxy = [from('203.0.113.7'), from('203.0.113.7'), from('198.51.100.9')]
    const statuses: number[] = []
    for (const h of viaProxy) statuses.push((await postWebhook(proxied.url, body, h)).status)
    expect(statuses).toEqual([401, 429, 401])

    const direct = await start({ RATE_LIMIT_REQUESTS: '1' })
    const spoofed: number[] = []
    for (const h of viaProxy) spoofed.push((await postWebhook(direct.url, body, h)).status)
    // A forged header does not buy a stranger a fresh budget.
    expect(spoofed).toEqual([401, 429, 429])
  })

  it('the unauthenticated limit resets in the next window', async () => {
    const t = await start({ RATE_LIMIT_REQUESTS: '2', RATE_LIMIT_WINDOW: '60' })
    const body = fixtureBytes(INCOMING)
    for (let i = 0; i < 3; i++) await postWebhook(t.url, body, { 'content-type': 'application/json' })
    expect((await postWebhook(t.url, body, { 'content-type': 'application/json' })).status).toBe(429)
    t.clock.advance(60_000)
    expect((await postWebhook(t.url, body, { 'content-type': 'application/json' })).status).toBe(401)
  })

  it('a busy, validly signing Chatwoot is never throttled: 200 distinct messages from one IP with RATE_LIMIT_REQUESTS=5', async () => {
    const t = await start({ RATE_LIMIT_REQUESTS: '5' })
    const statuses: string[] = []
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => {
        const n = batch * 20 + i
        // 200 leads, each in its own conversation (a busy inbox), so no per-conversation limit applies.
        const body = leadMessage(500_000 + n, (m) => { m.conversation.id = 10_000 + n })
        return postWebhook(t.url, body, signed(t, body))
      }))
      statuses.push(...responses.map((r) => (r.status === 200 ? String(bodyOf(r)['status']) : `http_${r.status}`)))
    }
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(200)
    await t.app.queue.drain(2000)
    expect(t.jobs).toHaveLength(200)
  })

  it('per-conversation limit → 429, the message is not remembered, and its retry after the window is accepted', async () => {
    const t = await start({ CONVERSATION_RATE_LIMIT_REQUESTS: '2', CONVERSATION_RATE_LIMIT_WINDOW: '60' })
    // Start of a window, so "after the window" is well defined.
    t.clock.set(Math.ceil(t.clock.now() / 60_000) * 60_000)
    const [m1, m2, m3] = [leadMessage(201), leadMessage(202), leadMessage(203)] as [Buffer, Buffer, Buffer]
    expectAccepted(await postWebhook(t.url, m1, signed(t, m1)))
    expectAccepted(await postWebhook(t.url, m2, signed(t, m2)))
    const limited = await postWebhook(t.url, m3, signed(t, m3, { deliveryId: 'delivery-203' }))
    expectRefused(limited, 429, 'CONVERSATION_RATE_LIMITED')
    const retryAfter = Number(limited.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)

    // Another conversation is not affected.
    const other = leadMessage(301, (m) => { m.conversation.id = 9999 })
    expectAccepted(await postWebhook(t.url, other, signed(t, other)))

    // Chatwoot retries the same delivery 3 s later: still limited, and NOT taken for a duplicate.
    t.clock.advance(3000)
    expectRefused(await postWebhook(t.url, m3, signed(t, m3, { deliveryId: 'delivery-203' })), 429, 'CONVERSATION_RATE_LIMITED')

    // After the window, the retry is accepted.
    t.clock.advance(60_000)
    expectAccepted(await postWebhook(t.url, m3, signed(t, m3, { deliveryId: 'delivery-203' })))
    await t.app.queue.drain(1000)
    expect(messageJobs(t.jobs).map((j) => j.messageId)).toEqual([201, 202, 301, 203])
  })

  it('status events are not counted against the conversation limit', async () => {
    const t = await start({ CONVERSATION_RATE_LIMIT_REQUESTS: '1' })
    const m1 = leadMessage(401)
    expectAccepted(await postWebhook(t.url, m1, signed(t, m1)))
    const status = fixtureBytes('conversation_status_changed.pending_to_open_handoff')
    expectAccepted(await postWebhook(t.url, status, signed(t, status)))
    expect(t.jobs.map((j) => j.kind)).toEqual(['message', 'status'])
  })
})

describe('webhook: bad input is a clear 4xx or 200 ignored, never 5xx', () => {
  it('a body over WEBHOOK_BODY_LIMIT_BYTES → 413 (even validly signed)', async () => {
    const t = await start({ WEBHOOK_BODY_LIMIT_BYTES: '2048' })
    const body = fixtureBytes(INCOMING)
    expect(body.length).toBeGreaterThan(2048)
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 413, 'FST_ERR_CTP_BODY_TOO_LARGE')
    expect(bodyOf(r)['error']).toBe('Payload Too Large')
    expect(t.jobs).toHaveLength(0)
  })

  it('a body just under the limit is accepted', async () => {
    const t = await start({ WEBHOOK_BODY_LIMIT_BYTES: '4096' })
    const body = fixtureBytes(INCOMING)
    expect(body.length).toBeLessThan(4096)
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
  })

  it('text/plain → 415', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const r = await postWebhook(t.url, body, { ...signed(t, body), 'content-type': 'text/plain' })
    expectRefused(r, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    expect(t.jobs).toHaveLength(0)
  })

  it('form-encoded → 415', async () => {
    const t = await start()
    const body = Buffer.from('event=message_created')
    const r = await postWebhook(t.url, body, { ...signed(t, body), 'content-type': 'application/x-www-form-urlencoded' })
    expect(r.status).toBe(415)
  })

  it('no content-type with a body → 415', async () => {
    const t = await start()
    const body = fixtureBytes(INCOMING)
    const { 'content-type': _dropped, ...headers } = signed(t, body)
    const r = await postWebhook(t.url, body, headers)
    expectRefused(r, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  })

  it('no content-type and no body → 415 from the route itself', async () => {
    const t = await start()
    const { 'content-type': _dropped, ...headers } = signed(t, Buffer.alloc(0))
    const r = await postWebhook(t.url, Buffer.alloc(0), headers)
    expectRefused(r, 415, 'UNSUPPORTED_MEDIA_TYPE')
    // The reason phrase of the status, as every other error answer has it (it once read "Error").
    expect(bodyOf(r)).toEqual({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'Content-Type must be application/json' })
  })

  it('an empty, validly signed JSON body → 400 INVALID_JSON', async () => {
    const t = await start()
    const r = await postWebhook(t.url, Buffer.alloc(0), signed(t, Buffer.alloc(0)))
    expectRefused(r, 400, 'INVALID_JSON')
  })

  it('broken JSON with a valid signature → 400 INVALID_JSON', async () => {
    const t = await start()
    const body = Buffer.from('{"event":"message_created","id":')
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 400, 'INVALID_JSON')
  })

  it.each([
    ['a JSON array', '[{"event":"message_created"}]'],
    ['an object without event', '{"id":1,"account":{"id":3}}'],
    ['a non-string event', '{"event":42}'],
    ['an empty event', '{"event":""}'],
    ['a JSON string', '"message_created"'],
    ['null', 'null'],
  ])('%s with a valid signature → 400 INVALID_ENVELOPE', async (_label, text) => {
    const t = await start()
    const body = Buffer.from(text)
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 400, 'INVALID_ENVELOPE')
  })

  it('a known event with a broken shape → 400 INVALID_PAYLOAD naming the field', async () => {
    const t = await start()
    const body = leadMessage(1, (m) => { (m as Record<string, unknown>)['conversation'] = 'x' })
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 400, 'INVALID_PAYLOAD')
    expect(String(bodyOf(r)['message'])).toContain('conversation')
  })

  it('a signed update nested too deeply to serialise → 400 INVALID_PAYLOAD, not a 500', async () => {
    const t = await start()
    const depth = 200_000
    const body = Buffer.from(fixtureBytes(INCOMING).toString('utf8')
      .replace('"event": "message_created"', '"event": "message_updated"')
      .replace(/"content_attributes": \{\}/, `"content_attributes": {"x": ${'['.repeat(depth)}${']'.repeat(depth)}}`))
    expect(body.length).toBeGreaterThan(2 * depth)
    const r = await postWebhook(t.url, body, signed(t, body))
    expectRefused(r, 400, 'INVALID_PAYLOAD')
    expect(String(bodyOf(r)['message'])).toContain('nested too deeply')
    expect(t.jobs).toHaveLength(0)
  })

  it('an unknown event → 200 ignored unknown_event', async () => {
    const t = await start()
    const body = Buffer.from(JSON.stringify({ event: 'contact_created', id: 5821, account: { id: 3 } }))
    const r = await postWebhook(t.url, body, signed(t, body))
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'ignored', reason: 'unknown_event' } })
    expect(t.jobs).toHaveLength(0)
  })

  it('huge content and odd unicode are accepted as text, not choked on', async () => {
    const t = await start()
    const content = '🙂 olá\u0000\u202e\uFEFF ' + 'x'.repeat(20_000)
    const body = leadMessage(77, (m) => { m.content = content })
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
    await t.app.queue.drain(1000)
    expect(messageJobs(t.jobs)[0]?.text).toBe(content)
  })
})

describe('webhook: only what the bot must act on is queued', () => {
  const cases: Array<[string, () => Buffer, string]> = [
    ['the bot\'s own outgoing message', () => fixtureBytes('message_created.outgoing.agent_bot_self'), 'not_incoming'],
    ['an agent\'s private note', () => fixtureBytes('message_created.private_note.user'), 'not_incoming'],
    ['an incoming private message', () => leadMessage(1, (m) => { m.private = true }), 'private_note'],
    ['an "incoming" sent by the bot itself', () => leadMessage(1, (m) => { m.sender = { id: 4, name: 'SDR Bot', type: 'agent_bot' } }), 'not_from_contact'],
    ['a lead message once a human has the conversation (open)', () => leadMessage(1, (m) => { m.conversation.status = 'open' }), 'conversation_open'],
    ['a lead message in a resolved conversation', () => leadMessage(1, (m) => { m.conversation.status = 'resolved' }), 'conversation_resolved'],
    ['a lead message in a snoozed conversation', () => leadMessage(1, (m) => { m.conversation.status = 'snoozed' }), 'conversation_snoozed'],
    ['conversation_updated without a status change', () => fixtureBytes('conversation_updated.custom_attributes_by_bot'), 'no_status_change'],
    ['a widget bubble opening', () => fixtureBytes('webwidget_triggered.first_open'), 'widget_opened'],
  ]

  it.each(cases)('%s → 200 ignored (%s) and the handler is never called', async (_label, makeBody, reason) => {
    const t = await start()
    const body = makeBody()
    const r = await postWebhook(t.url, body, signed(t, body))
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'ignored', reason } })
    expect(await t.app.queue.drain(1000)).toBe(true)
    expect(t.batches).toEqual([])
  })

  it('another account than CHATWOOT_ACCOUNT_ID → ignored other_account', async () => {
    const t = await start({ CHATWOOT_ACCOUNT_ID: '99' })
    const body = fixtureBytes(INCOMING)
    const r = await postWebhook(t.url, body, signed(t, body))
    expect(r.json).toEqual({ status: 'ignored', reason: 'other_account' })
    expect(t.batches).toEqual([])
  })

  it('the configured account is accepted', async () => {
    const t = await start({ CHATWOOT_ACCOUNT_ID: '3' })
    const body = fixtureBytes(INCOMING)
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
  })

  it('a handoff (conversation_status_changed → open) is queued as a status job', async () => {
    const t = await start()
    const body = fixtureBytes('conversation_status_changed.pending_to_open_handoff')
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
    expect(t.jobs).toEqual([{ kind: 'status', ref: { accountId: 3, conversationId: 1487 }, status: 'open', receivedAt: t.clock.now(), changedAt: 1787062000.48812 }])
  })

  it('a quick-reply answer (message_updated with submitted_values) is queued with the answer', async () => {
    const t = await start()
    const body = messageVariant((m) => {
      m.event = 'message_updated'
      m.content_attributes = { ...m.content_attributes, submitted_values: [{ title: '100 a 500 unidades', value: '100_500' }] }
    }, 'message_created.outgoing.agent_bot_self')
    expectAccepted(await postWebhook(t.url, body, signed(t, body)))
    expect(messageJobs(t.jobs)[0]).toMatchObject({ messageId: 90212, text: '100 a 500 unidades' })
  })

  it('an ignored delivery sent again is a duplicate (answered fast, still not queued)', async () => {
    const t = await start()
    const body = fixtureBytes('message_created.outgoing.agent_bot_self')
    const headers = signed(t, body, { deliveryId: 'echo-1' })
    expect(bodyOf(await postWebhook(t.url, body, headers))['status']).toBe('ignored')
    expect(bodyOf(await postWebhook(t.url, body, headers))['status']).toBe('duplicate')
    expect(t.batches).toEqual([])
  })
})

describe.skipIf(!redisAvailable)('webhook with Redis (two replicas sharing one Redis)', () => {
  warnIfRedisMissing('webhook with Redis')
  let cleaner: Redis | undefined
  const prefix = uniquePrefix()
  beforeAll(() => { cleaner = createTestRedis() })
  afterAll(async () => {
    if (cleaner !== undefined) {
      await cleanPrefix(cleaner, prefix)
      await cleaner.quit()
    }
  })

  const replica = async (clock: TestClock) => {
    const t = await start({ REDIS_URL, REDIS_KEY_PREFIX: prefix }, {}, clock)
    const redis = t.app.redis
    if (redis !== undefined && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
    return t
  }

  it('20 concurrent identical deliveries spread over two replicas → exactly one accepted in total', async () => {
    const clock = createTestClock(Date.now())
    const [a, b] = await Promise.all([replica(clock), replica(clock)])
    const body = leadMessage(700_001, (m) => { m.conversation.id = 700_001 })
    const headers = signed(a, body, { deliveryId: 'redis-race' })
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postWebhook((i % 2 === 0 ? a : b).url, body, headers)))
    const statuses = responses.map((r) => String(bodyOf(r)['status']))
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1)
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19)
    // The durable queue runs it on one replica or the other, exactly once.
    const deadline = Date.now() + 3000
    while (a.jobs.length + b.jobs.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(a.jobs.length + b.jobs.length).toBe(1)
    expect(await cleaner?.exists(`${prefix}{3:700001}:dedupe:delivery:redis-race`)).toBe(1)
  })

  it('the per-IP limit is shared between replicas', async () => {
    const clock = createTestClock(Date.now())
    const [a, b] = await Promise.all([replica(clock), replica(clock)])
    const body = fixtureBytes(INCOMING)
    const env = { RATE_LIMIT_REQUESTS: 60 }
    const statuses: number[] = []
    for (let i = 0; i < env.RATE_LIMIT_REQUESTS + 1; i++) {
      statuses.push((await postWebhook((i % 2 === 0 ? a : b).url, body, { 'content-type': 'application/json', 'x-test': prefix })).status)
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true)
    expect(statuses[60]).toBe(429)
  })
})

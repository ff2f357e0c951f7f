import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type TestApp } from '../helpers/app.js'
import { VECTORS, fixtureBytes } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, send } from '../helpers/http.js'
import { chatwootHeaders } from '../helpers/sign.js'

// CORS is for browsers reading health (and metrics) only: ALLOWED_ORIGINS get the header, others
// do not, and the server-to-server webhook never answers with CORS headers.

const ALLOWED = 'https://status.example.com'
const ALSO_ALLOWED = 'http://localhost:3000'
const DISALLOWED = 'https://evil.example.com'

const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (): Promise<TestApp> {
  const t = await startTestApp({ ALLOWED_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}` }, { clock: createTestClock(Date.now()) })
  opened.push(t)
  return t
}

const corsHeaders = (headers: Record<string, unknown>): string[] => Object.keys(headers).filter((h) => h.startsWith('access-control-'))

describe('CORS on the browser routes', () => {
  it('GET /api/v1/health from an allowed origin gets access-control-allow-origin equal to it', async () => {
    const t = await start()
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const r = await send(t.url, { path: '/api/v1/health', headers: { origin } })
      expect(r.status).toBe(200)
      expect(r.json).toEqual({ status: 'ok' })
      expect(r.headers['access-control-allow-origin']).toBe(origin)
      // The answer depends on Origin, so caches must key on it.
      expect(String(r.headers['vary'])).toMatch(/origin/i)
    }
  })

  it('GET /api/v1/health from a disallowed origin gets no access-control-allow-origin (still 200)', async () => {
    const t = await start()
    const r = await send(t.url, { path: '/api/v1/health', headers: { origin: DISALLOWED } })
    expect(r.status).toBe(200)
    expect(r.headers['access-control-allow-origin']).toBeUndefined()
    // Nor a lookalike of an allowed one.
    const sub = await send(t.url, { path: '/api/v1/health', headers: { origin: `${ALLOWED}.evil.example.com` } })
    expect(sub.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('a preflight from an allowed origin is answered for GET; from a disallowed one, without the origin', async () => {
    const t = await start()
    const preflight = async (origin: string) => {
      const res = await request(`${t.url}/api/v1/health`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      })
      await res.body.text()
      return res
    }
    const ok = await preflight(ALLOWED)
    expect(ok.statusCode).toBe(204)
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED)
    expect(ok.headers['access-control-allow-methods']).toBe('GET')
    const refused = await preflight(DISALLOWED)
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('/metrics is a browser route too: allowed origin only', async () => {
    const t = await start()
    const ok = await send(t.url, { path: '/metrics', headers: { origin: ALLOWED } })
    expect(ok.status).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED)
    const refused = await send(t.url, { path: '/metrics', headers: { origin: DISALLOWED } })
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('no CORS on the webhook', () => {
  it('answers a signed delivery without any CORS header, even when it carries an allowed Origin', async () => {
    const t = await start()
    const body = fixtureBytes('message_created.incoming.whatsapp')
    const headers = { ...chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }), origin: ALLOWED }
    const r = await postWebhook(t.url, body, headers)
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'accepted' } })
    expect(t.jobs).toHaveLength(1)
    expect(r.headers['access-control-allow-origin']).toBeUndefined()
    expect(corsHeaders(r.headers)).toEqual([])
  })

  it('and none without an Origin, as Chatwoot delivers', async () => {
    const t = await start()
    const body = fixtureBytes('message_created.incoming.whatsapp')
    const r = await postWebhook(t.url, body, chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }), WEBHOOK_PATH)
    expect(r.json).toEqual({ status: 'accepted' })
    expect(corsHeaders(r.headers)).toEqual([])
  })
})

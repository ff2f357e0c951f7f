import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type TestApp } from '../helpers/app.js'
import { send } from '../helpers/http.js'

// The admin route's refusals: the one error shape (lib/errors.ts) and a warn line saying why.

const TOKEN = 'admin-token-0123456789abcdefXYZ'
const PATH = '/api/v1/admin/accounts/3/contacts/77'

const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ ADMIN_API_TOKEN: TOKEN, ...env }, { clock: createTestClock(Date.now()), captureLogs: true })
  opened.push(t)
  return t
}

const warnings = (t: TestApp, msg: string) => t.parsedLogs().filter((l) => l.level === 40 && l.msg === msg)

describe('admin: bad input is a clear 4xx in the one error shape, with a log line', () => {
  it('no bearer token → 401 Unauthorized, WWW-Authenticate: Bearer, and a warning with the address', async () => {
    const t = await start()
    const r = await send(t.url, { method: 'DELETE', path: PATH })
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe('Bearer')
    expect(r.json).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message: 'A valid ADMIN_API_TOKEN bearer token is required' })
    expect(warnings(t, 'Admin request refused: missing or wrong bearer token')[0]).toMatchObject({ code: 'UNAUTHORIZED', ip: '127.0.0.1' })
  })

  it('past the refused-request limit → 429 Too Many Requests', async () => {
    const t = await start({ RATE_LIMIT_REQUESTS: '1' })
    const headers = { authorization: 'Bearer wrong' }
    expect((await send(t.url, { method: 'DELETE', path: PATH, headers })).status).toBe(401)
    const r = await send(t.url, { method: 'DELETE', path: PATH, headers })
    expect(r.status).toBe(429)
    expect(r.json).toEqual({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Too many refused admin requests' })
  })

  it('a contact id that is not a positive integer → 400 INVALID_CONTACT, logged', async () => {
    const t = await start()
    const r = await send(t.url, { method: 'DELETE', path: '/api/v1/admin/accounts/3/contacts/abc', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ statusCode: 400, code: 'INVALID_CONTACT', error: 'Bad Request', message: 'accountId and contactId must be positive integers' })
    expect(warnings(t, 'Request refused')[0]).toMatchObject({ statusCode: 400, code: 'INVALID_CONTACT' })
  })

  it('with the token and a valid contact → 202, nothing refused', async () => {
    const t = await start()
    const r = await send(t.url, { method: 'DELETE', path: PATH, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(r.status).toBe(202)
    expect(r.json).toEqual({ status: 'accepted', conversations: 0 })
    expect(warnings(t, 'Request refused')).toEqual([])
  })
})

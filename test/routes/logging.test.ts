import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type EnvOverrides, type LogLine, type TestApp, type TestDeps } from '../helpers/app.js'
import { startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js'
import { VECTORS, messageVariant } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, send } from '../helpers/http.js'
import { chatwootHeaders, seedHeaders } from '../helpers/sign.js'

// What a lead wrote about themselves, and the bot secret: none of it may reach a log line.
const NAME = 'Joana Pereira Xavier'
const EMAIL = 'joana.xavier@example.com'
const PHONE = '+55 11 91234-5678'
const PHONE_E164 = '+5511912345678'
const SECRET = VECTORS.secret
const PATH_TOKEN = 'pt_lOgTeSt0123456789abcdefghijklmnop'
const CONTENT = `Oi, sou ${NAME}, meu e-mail é ${EMAIL} e meu telefone ${PHONE}. Senha do bot: ${SECRET}`

const FORBIDDEN = [NAME, 'Joana', 'Xavier', EMAIL, PHONE, PHONE_E164, '91234', SECRET, PATH_TOKEN, 'Mariana Souza', '+5511987654321', 'orçamento']

const leadBody = (id: number) => messageVariant((m) => {
  m.id = id
  m.content = CONTENT
  m.sender = { ...m.sender, name: NAME, email: EMAIL, phone_number: PHONE_E164 }
  m.conversation.meta.sender = { ...m.conversation.meta.sender, name: NAME, email: EMAIL, phone_number: PHONE_E164 }
})

const opened: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (env: EnvOverrides = {}, deps: TestDeps = {}): Promise<TestApp> {
  const t = await startTestApp({ WEBHOOK_PATH_TOKEN: PATH_TOKEN, ...env }, { clock: createTestClock(Date.now()), captureLogs: true, ...deps })
  opened.push(t)
  return t
}

const sign = (body: Buffer, secret = SECRET, deliveryId?: string) =>
  chatwootHeaders(body, { secret, timestamp: Math.floor(Date.now() / 1000), ...(deliveryId !== undefined ? { deliveryId } : {}) })

function expectNoSecretsOrPii (logs: readonly string[]): void {
  const leaks = logs.flatMap((line) => FORBIDDEN.filter((s) => line.includes(s)).map((s) => `${s} in ${line}`))
  expect(leaks).toEqual([])
}

/** Traffic touching every path that logs: accepted, duplicate, ignored, refused, malformed, oversized, token route. */
async function sendEverything (t: TestApp): Promise<void> {
  const body = leadBody(1)
  const headers = sign(body, SECRET, 'delivery-pii')
  const outcomes = [
    (await postWebhook(t.url, body, headers)).json,
    (await postWebhook(t.url, body, headers)).json,
    (await postWebhook(t.url, leadBody(2), seedHeaders(leadBody(2), { secret: SECRET }))).json,
    (await postWebhook(t.url, body, sign(body, `${SECRET}-wrong`))).status,
    (await postWebhook(t.url, body, { ...headers, 'x-chatwoot-signature': 'garbage' })).status,
    (await postWebhook(t.url, Buffer.from(`{"content":"${CONTENT}"`), sign(Buffer.from(`{"content":"${CONTENT}"`)))).status,
    (await postWebhook(t.url, Buffer.from(JSON.stringify({ event: 'message_created', content: CONTENT, email: EMAIL })), sign(Buffer.from(JSON.stringify({ event: 'message_created', content: CONTENT, email: EMAIL }))))).status,
    (await postWebhook(t.url, body, { ...headers, 'content-type': 'text/plain' })).status,
    (await postWebhook(t.url, leadBody(3), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}`)).json,
    (await postWebhook(t.url, leadBody(4), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}x`)).status,
    (await send(t.url, { path: `/api/v1/unknown/${PATH_TOKEN}?email=${EMAIL}` })).status,
  ]
  expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'duplicate' }, { status: 'accepted' }, 401, 401, 400, 400, 415, { status: 'accepted' }, 401, 404])
}

describe('logging', () => {
  it('no log line holds message content, names, e-mails, phone numbers, the secret or the path token', async () => {
    const t = await start({ WEBHOOK_BODY_LIMIT_BYTES: '65536' })
    await sendEverything(t)
    const big = Buffer.from(JSON.stringify({ event: 'message_created', content: CONTENT.repeat(2000) }))
    expect((await postWebhook(t.url, big, sign(big))).status).toBe(413)
    await t.close()

    expect(t.logs.length).toBeGreaterThanOrEqual(12)
    // The capture really sees the request (so an empty or broken capture cannot pass).
    expect(t.logs.some((l) => l.includes('"conversationId":1487'))).toBe(true)
    expectNoSecretsOrPii(t.logs)
  })

  it('one line per request with reqId, route, status, durationMs and the conversation ids', async () => {
    const t = await start()
    const body = leadBody(10)
    expect((await postWebhook(t.url, body, sign(body, SECRET, 'delivery-line'))).json).toEqual({ status: 'accepted' })
    const lines = t.parsedLogs().filter((l) => l.msg === 'request completed')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      method: 'POST',
      route: WEBHOOK_PATH,
      status: 200,
      durationMs: expect.any(Number),
      conversationId: 1487,
      accountId: 3,
      deliveryId: 'delivery-line',
      event: 'message_created',
      scheme: 'chatwoot',
      outcome: 'accepted',
      level: 30,
    })
  })

  it('the token route logs its template, never the token', async () => {
    const t = await start()
    await postWebhook(t.url, leadBody(11), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}`)
    const line = t.parsedLogs().find((l) => l.msg === 'request completed')
    expect(line).toMatchObject({ route: `${WEBHOOK_PATH}/:token`, status: 200, scheme: 'path_token' })
    expectNoSecretsOrPii(t.logs)
  })

  it('a refused signature logs why and what to check, at warn, without the signature', async () => {
    const t = await start()
    const body = leadBody(12)
    const headers = sign(body, 'old-secret')
    await postWebhook(t.url, body, headers)
    const warn = t.parsedLogs().find((l) => l.msg === 'Webhook signature rejected')
    expect(warn).toMatchObject({ level: 40, reason: 'signature_mismatch', hint: expect.stringContaining('CHATWOOT_WEBHOOK_SECRET') })
    expect(t.logs.join('\n')).not.toContain(String(headers['x-chatwoot-signature']).slice('sha256='.length))
    const line = t.parsedLogs().find((l) => l.msg === 'request completed')
    expect(line).toMatchObject({ status: 401, outcome: 'invalid_signature', reason: 'INVALID_SIGNATURE' })
  })

  it('probes log at debug, the webhook at info', async () => {
    const t = await start({}, {})
    await send(t.url, { path: '/api/v1/health' })
    await send(t.url, { path: '/metrics' })
    const levels = (route: string) => t.parsedLogs().filter((l: LogLine) => l.msg === 'request completed' && l['route'] === route).map((l) => l.level)
    expect(levels('/api/v1/health')).toEqual([20])
    expect(levels('/metrics')).toEqual([20])
  })

  describe('with the real SDR worker and a loopback Chatwoot', () => {
    let chatwoot: FakeChatwoot

    it('the worker\'s lines carry no PII either, on success and on failure', async () => {
      chatwoot = await startFakeChatwoot()
      opened.push(chatwoot)
      const t = await start({
        CHATWOOT_BASE_URL: chatwoot.url,
        CHATWOOT_ACCESS_TOKEN: chatwoot.botToken,
        OUTBOUND_RETRY_ATTEMPTS: '1',
      }, { defaultHandler: true })
      const ref = { accountId: 3, conversationId: 1487 }

      const first = leadBody(20)
      expect((await postWebhook(t.url, first, sign(first))).json).toEqual({ status: 'accepted' })
      await chatwoot.waitForMessages(ref, 1, 5000)

      // Chatwoot now fails: the worker logs errors (with `err`), and still no PII.
      chatwoot.failNext(50, 500)
      const second = leadBody(21)
      expect((await postWebhook(t.url, second, sign(second))).json).toEqual({ status: 'accepted' })
      await t.close()

      const lines = t.parsedLogs()
      expect(lines.some((l) => l.level >= 40 && l['conversationId'] === 1487 && l.msg !== 'request completed')).toBe(true)
      expectNoSecretsOrPii(t.logs)
    })
  })
})

// Issue 6 §4, privacy: a lead's personal data and the service's secrets never reach a log line,
// a /metrics line, an error answer or the readiness answer. The whole pipeline runs on loopback
// (real app and worker, stand-ins playing Chatwoot, OpenAI and n8n), with every log line captured
// at trace level through the app's own redaction options.
import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type TestApp } from '../helpers/app.js'
import type { ChatRequestBody } from '../helpers/fake-openai.js'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import { messageFixture } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, send, type Response } from '../helpers/http.js'
import { SECRET, settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { chatwootHeaders } from '../helpers/sign.js'

// The lead, as they describe themselves.
const NAME = 'Genoveva Quintanilha Barbosa'
const EMAIL = 'genoveva.q.barbosa@example.org'
const PHONE = '+55 21 98765-4321'
const PHONE_E164 = '+5521987654321'
const CPF = '123.456.789-09'
const COMPANY = 'Quintanilha Logística'
const LEAKED_SECRET = 'sk-live-Zq8xW2vN7mK4pR9tY3bH6cJ1'
// The service's own secrets (the pipeline's webhook secret, the stand-ins' bot token and OpenAI key).
const N8N_KEY = 'n8n-key-Pr1v4cy-7f3e9a1c'
const BOT_TOKEN = 'bot-token'
const OPENAI_KEY = 'sk-test'
const ADMIN_TOKEN = 'admin-token-Pr1v4cy-5b2d8e0f'

/** Every form in which the lead's data or a secret could show up. */
const FORBIDDEN = [
  NAME, 'Genoveva', 'Quintanilha', 'Barbosa',
  EMAIL, 'genoveva.q.barbosa', 'example.org',
  PHONE, PHONE_E164, '5521987654321', '98765-4321', '987654321',
  CPF, '12345678909',
  LEAKED_SECRET, 'Zq8xW2vN7mK4pR9tY3bH6cJ1',
  SECRET, N8N_KEY, BOT_TOKEN, OPENAI_KEY, ADMIN_TOKEN,
]

const leaksIn = (where: string, texts: readonly string[], forbidden: readonly string[] = FORBIDDEN): string[] =>
  texts.flatMap((text) => forbidden.filter((s) => text.includes(s)).map((s) => `${where}: "${s}" in ${text.slice(0, 400)}`))

let p: Pipeline | undefined
const extra: TestApp[] = []
afterEach(async () => {
  await p?.close()
  p = undefined
  await Promise.all(extra.splice(0).map((t) => t.close()))
})

/** What a well-behaved model reads from one lead message; null where the lead said nothing. */
const EMPTY_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }
const modelAnswer = (o: { reply?: string, fields?: Record<string, string>, intent?: string } = {}) => ({
  reply: o.reply ?? '',
  fields: { ...EMPTY_FIELDS, ...o.fields },
  intent: o.intent ?? 'gives_info',
  language: 'pt-BR',
  confidence: 0.9,
})

const lastUser = (body: ChatRequestBody): string => {
  const content = body.messages?.filter((m) => m.role === 'user').at(-1)?.content
  return typeof content === 'string' ? content : ''
}

/** The model repeats the lead's data back in its replies, as a chatty model would. */
function model (body: ChatRequestBody): unknown {
  const text = lastUser(body)
  if (text.includes('pare de')) return modelAnswer({ intent: 'opt_out' })
  if (text.includes('apague')) return modelAnswer({ intent: 'erase_data', reply: `Claro, ${NAME}, apagaremos ${EMAIL}.` })
  if (text.includes('humano')) return modelAnswer({ intent: 'wants_human', reply: `Claro, ${NAME}.` })
  if (text.includes(EMAIL)) {
    return modelAnswer({
      reply: `Anotado, ${NAME}: ${EMAIL}, ${PHONE}.`,
      fields: { email: EMAIL, phone: PHONE, role: 'diretora', budget: 'acima_5000', timeline: 'este_mes' },
    })
  }
  return modelAnswer({
    reply: `Prazer, ${NAME}! Guardei o CPF ${CPF}.`,
    fields: { name: NAME, company: COMPANY, need: `atendimento no WhatsApp (senha ${LEAKED_SECRET})` },
  })
}

/**
 * A lead message as Chatwoot delivers it, with the lead's name, e-mail and phone in the contact
 * too (not only in the text), signed with the pipeline's secret.
 */
function leadBody (ref: FakeRef, messageId: number, text: string): Buffer {
  const m = messageFixture('message_created.incoming.whatsapp')
  const fixtureText = m.content ?? ''
  m.id = messageId
  m.content = text
  m.account.id = ref.accountId
  m.conversation.id = ref.conversationId
  m.conversation.status = 'pending'
  // One lead per conversation: an opt-out silences its contact everywhere, not the next lead.
  const contact = { id: 50_000 + ref.conversationId, name: NAME, email: EMAIL, phone_number: PHONE_E164 }
  m.sender = { ...m.sender, ...contact }
  m.conversation.meta.sender = { ...m.conversation.meta.sender, ...contact }
  const escaped = JSON.stringify(text).slice(1, -1)
  return Buffer.from(JSON.stringify(m)
    .replaceAll('Mariana Souza', NAME)
    .replaceAll('5511987654321', PHONE_E164.slice(1))
    .replaceAll(JSON.stringify(fixtureText).slice(1, -1), escaped))
}

const sign = (body: Buffer, secret = SECRET) => chatwootHeaders(body, { secret, timestamp: Math.floor(Date.now() / 1000), deliveryId: randomUUID() })

/** The lead writes: stored in the Chatwoot stand-in first (as Chatwoot does), then delivered signed. */
async function say (pipeline: Pipeline, ref: FakeRef, text: string): Promise<Response> {
  const id = pipeline.chatwoot.addIncoming(ref, text).id
  const body = leadBody(ref, id, text)
  return postWebhook(pipeline.app.url, body, sign(body))
}

async function waitFor (what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const INTRO = `Oi! Sou ${NAME}, da ${COMPANY}. Meu CPF é ${CPF}. Quero automatizar o WhatsApp; a senha do nosso painel é ${LEAKED_SECRET}`
const CONTACTS = `meu e-mail é ${EMAIL} e meu telefone ${PHONE}, CPF ${CPF}`

describe('privacy: no personal data or secret in logs, metrics or error answers', () => {
  it('a conversation full of PII, through handoff, opt-out, OpenAI and Chatwoot failures and refused deliveries', async () => {
    p = await startPipeline({
      openai: model,
      captureLogs: true,
      env: { N8N_API_KEY: N8N_KEY, OUTBOUND_RETRY_ATTEMPTS: '2', WEBHOOK_BODY_LIMIT_BYTES: '65536', ADMIN_API_TOKEN: ADMIN_TOKEN },
    })
    const pipeline = p
    const answers: Response[] = []
    const [qualified, optOut, fallback, chatwootDown, human, erased] = [9101, 9102, 9103, 9104, 9105, 9106].map((id) => ({ accountId: 3, conversationId: id }))

    // 1. A lead who gives everything, over two turns, and is qualified: a handoff with a private
    //    note full of their data, custom attributes, labels and n8n's lead_qualified + handoff.
    //    n8n fails both triggers (each tried twice), so the workflow error path logs too.
    pipeline.n8n.failNext(4, 500)
    answers.push(await say(pipeline, qualified!, INTRO))
    await pipeline.waitForReplies(qualified!, 1)
    answers.push(await say(pipeline, qualified!, CONTACTS))
    await waitFor('the qualified handoff', () => pipeline.chatwoot.conversation(qualified!).status === 'open')

    // 2. Another lead opts out, naming themselves.
    answers.push(await say(pipeline, optOut!, `${NAME} aqui, ${PHONE}: pare de me mandar mensagens`))
    await pipeline.waitForReplies(optOut!, 1)

    // 3. OpenAI fails (a 500; within the pipeline's 800 ms deadline no retry fits): the scripted brain reads the PII itself.
    await settle(pipeline)
    pipeline.openai!.failNext(1, 500)
    answers.push(await say(pipeline, fallback!, `Meu nome é ${NAME}, e-mail ${EMAIL}, telefone ${PHONE}, CPF ${CPF}`))
    await pipeline.waitForReplies(fallback!, 1)

    // 4. A lead who asks for a person: the wants_human handoff.
    answers.push(await say(pipeline, human!, `quero falar com um humano, sou ${NAME} (${EMAIL})`))
    await waitFor('the wants_human handoff', () => pipeline.chatwoot.conversation(human!).status === 'open')

    // 5b. A lead asks for their data to be erased, naming themselves; then an administrator erases
    //     the qualified lead's contact through the admin endpoint.
    answers.push(await say(pipeline, erased!, `Sou ${NAME} (${EMAIL}, ${PHONE}): apague meus dados`))
    await waitFor('the lead\'s erasure', () => pipeline.n8n.received('/webhook/data-erased').length === 1)
    const adminErase = await send(pipeline.app.url, {
      path: `/api/v1/admin/accounts/3/contacts/${50_000 + qualified!.conversationId}`,
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(adminErase.status).toBe(202)
    answers.push(adminErase)
    await waitFor('the admin erasure', () => pipeline.n8n.received('/webhook/data-erased').length === 2)

    // 5. Chatwoot answers 500 to everything about one conversation: the reply, the handoff note
    //    and toggle_status all fail after retries, and each failure logs.
    await settle(pipeline)
    pipeline.chatwoot.failNext(100, 500, { match: { path: /\/conversations\/9104(\/|$)/ } })
    answers.push(await say(pipeline, chatwootDown!, INTRO))
    await waitFor('the failed handoff', () => pipeline.app.parsedLogs().some((l) => l.msg === 'Handoff failed: the conversation may stay with the bot'))
    await settle(pipeline)

    // 6. Refused deliveries carrying the same data: every 4xx path of the webhook logs.
    const piiJson = JSON.stringify({ event: 'message_created', content: INTRO, email: EMAIL, phone: PHONE })
    const unsignedPii = leadBody(chatwootDown!, 1, INTRO)
    const wrongShape = Buffer.from(JSON.stringify({
      event: 'message_created',
      id: EMAIL,
      content: { text: INTRO },
      account: { id: PHONE, [EMAIL]: NAME },
      conversation: { id: CPF, status: LEAKED_SECRET, meta: { sender: { name: 42 } } },
      message_type: NAME,
      private: CPF,
    }))
    const notJson = Buffer.from(`{"content":"${INTRO}","email":"${EMAIL}"`)
    const notEnvelope = Buffer.from(JSON.stringify({ event: { name: NAME }, content: INTRO }))
    const huge = Buffer.from(JSON.stringify({ event: 'message_created', content: `${INTRO} ${EMAIL} `.repeat(800) }))
    const refused = [
      await postWebhook(pipeline.app.url, unsignedPii, sign(unsignedPii, `${SECRET}-wrong`)),
      await postWebhook(pipeline.app.url, unsignedPii, { 'content-type': 'application/json', 'x-chatwoot-delivery': `${NAME} ${EMAIL}` }),
      await postWebhook(pipeline.app.url, wrongShape, sign(wrongShape)),
      await postWebhook(pipeline.app.url, notJson, sign(notJson)),
      await postWebhook(pipeline.app.url, notEnvelope, sign(notEnvelope)),
      await postWebhook(pipeline.app.url, huge, sign(huge)),
      await postWebhook(pipeline.app.url, Buffer.from(piiJson), { ...sign(Buffer.from(piiJson)), 'content-type': `text/plain; name="${NAME}"` }),
      await send(pipeline.app.url, { path: `/api/v1/webhooks/agentbot/${LEAKED_SECRET}?email=${EMAIL}`, method: 'POST', body: piiJson, headers: { 'content-type': 'application/json' } }),
    ]
    expect(refused.map((r) => [r.status, (r.json as { code?: string } | undefined)?.code])).toEqual([
      [401, 'INVALID_SIGNATURE'],
      [401, 'INVALID_SIGNATURE'],
      [400, 'INVALID_PAYLOAD'],
      [400, 'INVALID_JSON'],
      [400, 'INVALID_ENVELOPE'],
      [413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
      [415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
      [404, 'NOT_FOUND'],
    ])
    answers.push(...refused)

    const metrics = await pipeline.metrics()
    await pipeline.close()
    const logs = pipeline.app.logs

    // The scenario really happened (so an empty or broken capture cannot pass).
    expect([...answers.slice(0, 6), answers[7]].map((r) => r?.json)).toEqual(Array(7).fill({ status: 'accepted' }))
    expect(answers[6]?.json).toMatchObject({ conversations: 1 })
    expect(metrics).toMatch(/^sdr_erasures_total\{requested_by="lead"\} 1$/m)
    expect(metrics).toMatch(/^sdr_erasures_total\{requested_by="admin"\} 1$/m)
    expect(pipeline.chatwoot.conversation(qualified!).customAttributes).toMatchObject({ lead_email: EMAIL, sdr_stage: 'qualified' })
    expect(pipeline.notes(qualified!).at(-1)?.content).toContain(EMAIL)
    expect(pipeline.n8n.received('/webhook/lead-qualified').length).toBeGreaterThanOrEqual(1)
    expect(pipeline.chatwoot.conversation(optOut!).labels).toContain('do-not-contact')
    expect(pipeline.replies(qualified!)[0]?.content).toContain(CPF)
    const messages = pipeline.app.parsedLogs().map((l) => l.msg)
    for (const msg of [
      'Lead turn decided',
      'OpenAI failed; the scripted brain answers',
      'Reply could not be delivered',
      'Conversation action failed',
      'Handoff failed: the conversation may stay with the bot',
      'Workflow trigger failed',
      'Webhook signature rejected',
      'Conversation data erased',
      'Contact erasure accepted',
    ]) expect(messages, msg).toContain(msg)
    const statuses = pipeline.app.parsedLogs().filter((l) => l.msg === 'request completed').map((l) => l['status'])
    expect(statuses).toEqual(expect.arrayContaining([200, 400, 401, 404, 413, 415]))
    expect(metrics).toMatch(/sdr_brain_calls_total\{adapter="scripted",outcome="fallback"\} 1/)
    expect(metrics).toMatch(/sdr_handoffs_total\{reason="delivery_failed",outcome="failed"\} 1/)

    // None of it in any log line, any /metrics line, or any answer the service gave.
    expect(leaksIn('log', logs)).toEqual([])
    expect(leaksIn('metrics', metrics.split('\n'))).toEqual([])
    expect(leaksIn('answer', answers.map((r) => r.text))).toEqual([])
  })

  it('error answers never echo the payload, the headers or the secret', async () => {
    const t = await startTestApp({ WEBHOOK_BODY_LIMIT_BYTES: '8192', WEBHOOK_PATH_TOKEN: LEAKED_SECRET }, { clock: createTestClock(Date.now()) })
    extra.push(t)
    const secret = 'test-secret-never-echoed-0123'
    const t2 = await startTestApp({ CHATWOOT_WEBHOOK_SECRET: secret }, { clock: createTestClock(Date.now()) })
    extra.push(t2)
    const body = leadBody({ accountId: 3, conversationId: 1 }, 5, INTRO)
    const signedBy = (b: Buffer) => chatwootHeaders(b, { secret, timestamp: Math.floor(Date.now() / 1000) })
    const wrongShape = Buffer.from(JSON.stringify({ event: 'message_created', id: EMAIL, account: { id: PHONE }, conversation: { id: NAME }, content: CPF }))
    const cases: Array<[number, Response]> = [
      [401, await postWebhook(t2.url, body, chatwootHeaders(body, { secret: `${secret}x`, timestamp: Math.floor(Date.now() / 1000) }))],
      [401, await postWebhook(t2.url, body, { ...signedBy(body), 'x-chatwoot-timestamp': String(Math.floor(Date.now() / 1000) - 3600) })],
      [401, await postWebhook(t.url, body, { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${LEAKED_SECRET.slice(0, -1)}X`)],
      [400, await postWebhook(t2.url, wrongShape, signedBy(wrongShape))],
      [400, await postWebhook(t2.url, Buffer.from(`{"email":"${EMAIL}",`), signedBy(Buffer.from(`{"email":"${EMAIL}",`)))],
      [413, await postWebhook(t.url, Buffer.from(JSON.stringify({ event: 'message_created', content: INTRO.repeat(60) })), { 'content-type': 'application/json' })],
      [415, await postWebhook(t2.url, body, { ...signedBy(body), 'content-type': `text/plain; charset="${EMAIL}"` })],
    ]
    expect(cases.map(([, r]) => r.status)).toEqual(cases.map(([status]) => status))
    // Each answer is the one error shape, with a code and a message of our own.
    for (const [status, r] of cases) expect(r.json).toMatchObject({ statusCode: status, code: expect.any(String), message: expect.any(String) })
    expect(leaksIn('answer', cases.map(([, r]) => r.text), [...FORBIDDEN, secret, `${secret}x`, 'Mariana'])).toEqual([])
  })

  it.each([
    ['a password only', 'redis://:s3cr3tpass@127.0.0.1:1/0', ['s3cr3tpass']],
    ['a user and a password', 'redis://sdr-user:s3cr3tpass@127.0.0.1:1/0', ['s3cr3tpass', 'sdr-user']],
  ])('readiness and logs never show a Redis URL with %s', async (_name, url, secrets) => {
    const t = await startTestApp({ REDIS_URL: url, SHUTDOWN_TIMEOUT_MS: '300' }, { captureLogs: true, clock: createTestClock(Date.now()) })
    extra.push(t)
    const answers: string[] = []
    // Long enough for the client's connection errors and reconnects to log.
    for (let i = 0; i < 6; i++) {
      const r = await request(`${t.url}/api/v1/readiness`)
      expect(r.statusCode).toBe(503)
      answers.push(await r.body.text())
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    answers.push((await send(t.url, { path: '/api/v1/health' })).text, (await send(t.url, { path: '/metrics' })).text)
    await t.close()

    expect(JSON.parse(answers[0] ?? '{}')).toMatchObject({ status: 'not_ready', reason: expect.stringMatching(/^redis unreachable: /) })
    expect(t.parsedLogs().some((l) => l.msg === 'Redis unavailable: dedupe and limits fall back to memory')).toBe(true)
    const forbidden = [...secrets, url, 'redis://', '127.0.0.1:1/0']
    expect(leaksIn('answer', answers, forbidden)).toEqual([])
    expect(leaksIn('log', t.logs, forbidden)).toEqual([])
  })
})

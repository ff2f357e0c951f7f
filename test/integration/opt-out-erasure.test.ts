import { request } from 'undici'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { cleanPrefix, createTestRedis, keysUnder, REDIS_URL, redisAvailable, redisSuite, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { sleep, until } from '../helpers/wait.js'

warnIfRedisMissing('erasure in Redis')

// Opt-out (per contact, across conversations) and LGPD/GDPR erasure, through the real pipeline.

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
const pipelines: Pipeline[] = []
afterEach(async () => { await Promise.all(pipelines.splice(0).map((x) => x.close())) })

async function start (env: Record<string, string> = {}): Promise<Pipeline> {
  const p = await startPipeline({ env })
  pipelines.push(p)
  return p
}

const erase = async (p: Pipeline, accountId: number, contactId: number, token?: string) => {
  const res = await request(`${p.app.url}/api/v1/admin/accounts/${accountId}/contacts/${contactId}`, {
    method: 'DELETE',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  return { statusCode: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

const optOutPrefix = uniquePrefix()
const stores: Array<[string, Record<string, string>, boolean]> = [
  ['embedded store', {}, true],
  ['Redis', { REDIS_URL, REDIS_KEY_PREFIX: optOutPrefix }, redisAvailable],
]

describe.each(stores)('opt-out (%s)', (_name, env, available) => {
  afterAll(async () => {
    if (env['REDIS_URL'] === undefined || !available) return
    const r = createTestRedis()
    await cleanPrefix(r, optOutPrefix)
    r.disconnect()
  })

  it.skipIf(!available)('labels the conversation, and the bot stays silent for that contact in a new conversation, which a person gets', async () => {
    const p = await start(env)
    const first = { accountId: 1, conversationId: 7301 }
    const second = { accountId: 1, conversationId: 7302 }
    await p.say(first, 'Olá, quero saber mais', { contactId: 777 })
    await p.waitForReplies(first, 1)
    await p.say(first, 'não quero mais receber mensagens', { contactId: 777 })
    await p.waitForReplies(first, 2)
    await until(() => p.chatwoot.conversation(first).labels.includes('do-not-contact'))

    await p.say(second, 'Oi, sou eu de novo', { contactId: 777 })
    await until(() => p.chatwoot.conversation(second).status === 'open')
    expect(p.replies(second)).toHaveLength(0)
    expect(p.notes(second).at(-1)?.content).toMatch(/do-not-contact/)

    // Another contact is not affected.
    const other = { accountId: 1, conversationId: 7303 }
    await p.say(other, 'Oi', { contactId: 778 })
    await p.waitForReplies(other, 1)
  })
})

describe('erasure', () => {
  it('a lead\'s "apague meus dados" is confirmed, handed to a person, told to n8n with ids only, and erased', async () => {
    const p = await start()
    const ref = { accountId: 1, conversationId: 7311 }
    await p.say(ref, 'Oi, sou a Maria Souza da Acme', { contactId: 901 })
    await p.waitForReplies(ref, 1)
    await p.say(ref, 'Por favor, apague meus dados', { contactId: 901 })
    const replies = await p.waitForReplies(ref, 2)
    expect(replies.at(-1)?.content).toMatch(/apagamos os dados/)
    await until(() => p.n8n.received('/webhook/data-erased').length === 1)
    const body = p.n8n.received('/webhook/data-erased')[0]?.body as Record<string, unknown>
    expect(body).toMatchObject({ event: 'data_erased', reason: 'lead_request', account_id: 1, conversation_id: 7311, contact_id: 901 })
    expect(JSON.stringify(body)).not.toMatch(/Maria|Acme/)
    await until(() => p.chatwoot.conversation(ref).status === 'open')
    expect(await p.metrics()).toMatch(/^sdr_erasures_total\{requested_by="lead"\} 1$/m)
  })

  it('the admin endpoint does not exist without ADMIN_API_TOKEN', async () => {
    const p = await start()
    expect((await erase(p, 1, 5)).statusCode).toBe(404)
  })

  it('the admin endpoint refuses a missing or wrong token', async () => {
    const p = await start({ ADMIN_API_TOKEN: ADMIN_TOKEN })
    expect((await erase(p, 1, 5)).statusCode).toBe(401)
    expect((await erase(p, 1, 5, 'x'.repeat(ADMIN_TOKEN.length))).statusCode).toBe(401)
    expect((await erase(p, 0, 5, ADMIN_TOKEN)).statusCode).toBe(400)
  })
})

describe.skipIf(!redisAvailable)('erasure in Redis (real Redis)', () => {
  const suite = redisSuite()
  const { prefix } = suite

  /** Keys naming the conversation or the contact, outside the durable queue's own. */
  const keysOf = async (conversationId: number, contactId: number): Promise<string[]> =>
    (await keysUnder(suite.redis, prefix)).filter((k) => !k.startsWith(`${prefix}{q}:`) && (k.includes(`{1:${conversationId}}`) || k.includes(`{c:1:${contactId}}`)))

  it('a lead\'s request leaves no key of that contact in Redis', async () => {
    const p = await start({ REDIS_URL, REDIS_KEY_PREFIX: prefix })
    const ref = { accountId: 1, conversationId: 7321 }
    await p.say(ref, 'Oi, sou a Maria Souza da Acme', { contactId: 911 })
    await p.waitForReplies(ref, 1)
    await until(async () => (await keysOf(7321, 911)).some((k) => k.endsWith(':state')))
    await p.say(ref, 'quero que vocês deletem meus dados', { contactId: 911 })
    await p.waitForReplies(ref, 2)
    await until(() => p.n8n.received('/webhook/data-erased').length === 1)
    await until(async () => (await keysOf(7321, 911)).length === 0)
    await sleep(300)
    expect(await keysOf(7321, 911)).toEqual([])
  })

  it('the admin endpoint erases every conversation of the contact, and n8n is told', async () => {
    const p = await start({ REDIS_URL, REDIS_KEY_PREFIX: prefix, ADMIN_API_TOKEN: ADMIN_TOKEN })
    const a = { accountId: 1, conversationId: 7331 }
    const b = { accountId: 1, conversationId: 7332 }
    for (const ref of [a, b]) {
      await p.say(ref, 'Oi, sou o João da Beta', { contactId: 921 })
      await p.waitForReplies(ref, 1)
    }
    await p.say({ accountId: 1, conversationId: 7333 }, 'Oi', { contactId: 922 })
    await p.waitForReplies({ accountId: 1, conversationId: 7333 }, 1)
    await until(async () => (await keysOf(7332, 921)).some((k) => k.endsWith(':state')))

    const answer = await erase(p, 1, 921, ADMIN_TOKEN)
    expect(answer).toEqual({ statusCode: 202, body: { status: 'accepted', conversations: 2 } })
    await until(() => p.n8n.received('/webhook/data-erased').filter((r) => (r.body as { reason?: string }).reason === 'admin_request').length === 2)
    await until(async () => (await keysOf(7331, 921)).length === 0 && (await keysOf(7332, 921)).length === 0)
    // The other contact's conversation is untouched.
    expect((await keysOf(7333, 922)).some((k) => k.endsWith(':state'))).toBe(true)
    // A contact with nothing left: accepted, and n8n still hears of it.
    expect(await erase(p, 1, 921, ADMIN_TOKEN)).toEqual({ statusCode: 202, body: { status: 'accepted', conversations: 0 } })
    await until(() => p.n8n.received('/webhook/data-erased').length === 3)
  })
})

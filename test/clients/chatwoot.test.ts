import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createChatwootClient, type ChatwootClient, type ChatwootClientOptions } from '../../src/clients/chatwoot.js'
import { UpstreamError, type OutboundCall } from '../../src/clients/http.js'
import { startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js'
import { sendJson, startStandIn } from '../helpers/fake-http.js'

const ref = { accountId: 3, conversationId: 1487 }
const MESSAGES = '/api/v1/accounts/3/conversations/1487/messages'
const CONVERSATION = '/api/v1/accounts/3/conversations/1487'

describe('chatwoot client', () => {
  let fake: FakeChatwoot
  let calls: OutboundCall[]
  let delays: number[]

  const client = (overrides: Partial<ChatwootClientOptions> = {}): ChatwootClient => createChatwootClient({
    baseUrl: fake.url,
    botToken: fake.botToken,
    timeoutMs: 1000,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 5000 },
    onCall: (c) => calls.push(c),
    sleep: async (ms) => { delays.push(ms) },
    ...overrides,
  })
  const outcomes = (operation: string): string[] => calls.filter((c) => c.operation === operation).map((c) => c.outcome)
  const requestsTo = (method: string, path: string): number => fake.requests.filter((r) => r.method === method && r.path === path).length

  beforeEach(async () => {
    fake = await startFakeChatwoot()
    calls = []
    delays = []
  })
  afterEach(async () => {
    await fake.close()
  })

  describe('sendMessage', () => {
    it('posts the reply once, with the bot token and a JSON body', async () => {
      const result = await client().sendMessage(ref, { content: 'Olá! Como posso ajudar?', echoId: 'in-90211' })

      expect(result.id).toBeTypeOf('number')
      const stored = fake.messages(ref)
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ id: result.id, content: 'Olá! Como posso ajudar?', messageType: 1, private: false, senderType: 'AgentBot', echoId: 'in-90211' })
      const [req] = fake.requests
      expect(req?.method).toBe('POST')
      expect(req?.path).toBe(MESSAGES)
      expect(req?.headers.api_access_token).toBe('bot-token')
      expect(req?.headers['content-type']).toBe('application/json')
      expect(req?.body).toEqual({ content: 'Olá! Como posso ajudar?', message_type: 'outgoing', private: false, echo_id: 'in-90211' })
      expect(calls).toEqual([expect.objectContaining({ target: 'chatwoot', operation: 'sendMessage', outcome: 'ok', status: 200 })])
    })

    it('sends quick replies as input_select with items', async () => {
      const items = [{ title: 'Até 100', value: 'lt_100' }, { title: 'Mais de 100', value: 'gt_100' }]
      await client().sendMessage(ref, { content: 'Qual o volume?', items, echoId: 'e1' })
      expect(fake.requests[0]?.body).toMatchObject({ content_type: 'input_select', content_attributes: { items } })
      expect(fake.messages(ref)[0]).toMatchObject({ contentType: 'input_select', contentAttributes: { items } })
    })

    it('sends private notes', async () => {
      await client().sendMessage(ref, { content: 'Handoff: lead qualified', private: true, echoId: 'note-1' })
      expect(fake.messages(ref)[0]?.private).toBe(true)
    })

    it('retries 500 twice then stores exactly one message', async () => {
      fake.failNext(2, 500, { match: { method: 'POST' } })
      const result = await client().sendMessage(ref, { content: 'Oi', echoId: 'e2' })

      expect(result.id).toBeTypeOf('number')
      expect(fake.messages(ref)).toHaveLength(1)
      expect(requestsTo('POST', MESSAGES)).toBe(3)
      // each retry first checked whether the failed POST had landed
      expect(requestsTo('GET', CONVERSATION)).toBe(2)
      expect(outcomes('sendMessage')).toEqual(['retry', 'retry', 'ok'])
      expect(delays).toHaveLength(2)
      expect(delays[0]).toBeGreaterThanOrEqual(50)
      expect(delays[0]).toBeLessThanOrEqual(100)
      expect(delays[1]).toBeGreaterThanOrEqual(100)
      expect(delays[1]).toBeLessThanOrEqual(200)
    })

    it('reconciles instead of posting again when a failed POST was written', async () => {
      fake.failAfterWrite(1)
      const result = await client().sendMessage(ref, { content: 'Perfeito, anotado.', echoId: 'e3' })

      expect(result).toEqual({ id: fake.messages(ref)[0]?.id, reconciled: true })
      expect(fake.messages(ref)).toHaveLength(1)
      expect(requestsTo('POST', MESSAGES)).toBe(1)
    })

    it('reconciles after the last attempt too', async () => {
      fake.failAfterWrite(1)
      const result = await client({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).sendMessage(ref, { content: 'Oi', echoId: 'e4' })
      expect(result).toEqual({ id: fake.messages(ref)[0]?.id, reconciled: true })
      expect(fake.messages(ref)).toHaveLength(1)
    })

    it('reconciles a send that timed out but was written', async () => {
      fake.delayNext(1, 600, { method: 'POST', path: '/messages' })
      const result = await client({ timeoutMs: 150 }).sendMessage(ref, { content: 'Demorou, mas foi', echoId: 'e5' })
      expect(result).toEqual({ id: fake.messages(ref)[0]?.id, reconciled: true })
      expect(fake.messages(ref)).toHaveLength(1)
      expect(outcomes('sendMessage')).toEqual(['retry'])
    })

    it('reconciles a private note too (the show answer includes notes)', async () => {
      fake.failAfterWrite(1)
      const result = await client().sendMessage(ref, { content: 'Handoff: lead qualificado', private: true, echoId: 'n1' })
      expect(result).toEqual({ id: fake.messages(ref)[0]?.id, reconciled: true })
      expect(fake.messages(ref)).toHaveLength(1)
    })

    it('does not take a public message for the note it is sending', async () => {
      const c = client()
      await c.sendMessage(ref, { content: 'Resumo', echoId: 'pub' })
      fake.failNext(1, 500, { match: { method: 'POST' } })
      await c.sendMessage(ref, { content: 'Resumo', private: true, echoId: 'note' })
      expect(fake.messages(ref).map((m) => m.private)).toEqual([false, true])
    })

    it('is not fooled by an identical earlier message with another echo id, when echo ids are shown', async () => {
      await fake.close()
      fake = await startFakeChatwoot({ echoIdInShow: true })
      const c = client()
      await c.sendMessage(ref, { content: 'Pode repetir?', echoId: 'first' })
      fake.failNext(1, 502, { match: { method: 'POST' } })
      await c.sendMessage(ref, { content: 'Pode repetir?', echoId: 'second' })
      expect(fake.messages(ref).map((m) => m.echoId)).toEqual(['first', 'second'])
    })

    it('is not fooled when the latest message is the lead\'s', async () => {
      fake.addIncoming(ref, 'Oi')
      fake.failNext(1, 500, { match: { method: 'POST' } })
      await client().sendMessage(ref, { content: 'Oi', echoId: 'e6' })
      expect(fake.messages(ref)).toHaveLength(1)
      expect(fake.conversation(ref).messages.map((m) => m.messageType)).toEqual([0, 1])
    })

    it('with afterMessageId: re-sends a reply proven absent (the lead\'s message is still the newest), once', async () => {
      const lead = fake.addIncoming(ref, 'Qual o preço?')
      fake.failNext(1, 500, { match: { method: 'POST' } })
      const result = await client().sendMessage(ref, { content: 'Depende do plano.', echoId: 'r1', afterMessageId: lead.id })
      expect(result).toMatchObject({ id: expect.any(Number) })
      expect(fake.messages(ref).map((m) => m.content)).toEqual(['Depende do plano.'])
    })

    it('with afterMessageId: a reply that was stored is recognised by its id, not only its text', async () => {
      const lead = fake.addIncoming(ref, 'Qual o preço?')
      fake.failAfterWrite(1)
      const result = await client().sendMessage(ref, { content: 'Depende do plano.', echoId: 'r2', afterMessageId: lead.id })
      expect(result).toEqual({ id: fake.messages(ref)[0]?.id, reconciled: true })
      expect(fake.messages(ref)).toHaveLength(1)
    })

    it('with afterMessageId: an identical earlier bot reply is not taken for this one', async () => {
      const c = client()
      fake.addIncoming(ref, 'oi')
      await c.sendMessage(ref, { content: 'Pode repetir?', echoId: 'a' })
      const lead = fake.addIncoming(ref, 'hã?')
      fake.failNext(1, 500, { match: { method: 'POST' } })
      await c.sendMessage(ref, { content: 'Pode repetir?', echoId: 'b', afterMessageId: lead.id })
      expect(fake.messages(ref).map((m) => m.content)).toEqual(['Pode repetir?', 'Pode repetir?'])
    })

    it('with afterMessageId: stops without sending again when the lead wrote after a send that may have landed', async () => {
      const lead = fake.addIncoming(ref, 'Qual o preço?')
      fake.failAfterWrite(1)
      // The lead writes again before the check: the newest message is theirs.
      fake.onMessage(() => { fake.addIncoming(ref, 'alô?') })
      const err = await client().sendMessage(ref, { content: 'Depende do plano.', echoId: 'r3', afterMessageId: lead.id }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UpstreamError)
      expect((err as UpstreamError).detail).toMatch(/delivery unknown/)
      expect(requestsTo('POST', MESSAGES)).toBe(1)
      expect(fake.messages(ref)).toHaveLength(1)
    })

    it('does not check delivery before retrying a 429 (it was never processed)', async () => {
      fake.failNext(1, 429, { retryAfter: 3 })
      await client().sendMessage(ref, { content: 'Oi', echoId: 'e7' })
      expect(delays).toEqual([3000])
      expect(requestsTo('GET', CONVERSATION)).toBe(0)
      expect(fake.messages(ref)).toHaveLength(1)
    })

    it('caps a long Retry-After at maxDelayMs', async () => {
      fake.failNext(1, 429, { retryAfter: 120 })
      await client().sendMessage(ref, { content: 'Oi', echoId: 'e8' })
      expect(delays).toEqual([5000])
    })

    it.each([
      ['404 unknown conversation', 404, async (f: FakeChatwoot) => { await f.close(); return await startFakeChatwoot({ autoCreate: false }) }, {}],
      ['401 wrong token', 401, async (f: FakeChatwoot) => f, { botToken: 'wrong-token' }],
      ['422 empty quick replies', 422, async (f: FakeChatwoot) => f, {}],
    ] as const)('does not retry a %s', async (_name, status, setup, overrides) => {
      fake = await setup(fake)
      const c = client(overrides)
      const err = await c.sendMessage(ref, { content: 'Segredo do lead', items: status === 422 ? [] : undefined, echoId: 'e9' }).catch((e: unknown) => e)

      expect(err).toBeInstanceOf(UpstreamError)
      expect(err).toMatchObject({ target: 'chatwoot', operation: 'sendMessage', status, retryable: false, attempts: 1, reason: 'status' })
      const message = (err as Error).message
      expect(message).toContain('/api/v1/accounts/:account_id/conversations/:conversation_id/messages')
      expect(message).not.toContain('Segredo')
      expect(message).not.toContain('token')
      expect(fake.requests).toHaveLength(1)
      expect(delays).toEqual([])
      expect(outcomes('sendMessage')).toEqual(['client_error'])
    })

    it('gives up after the attempts when Chatwoot keeps failing, checking before each retry', async () => {
      fake.failNext(10, 503, { match: { method: 'POST' } })
      const err = await client().sendMessage(ref, { content: 'Oi', echoId: 'e10' }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'UpstreamError', status: 503, retryable: true, attempts: 3 })
      expect(requestsTo('POST', MESSAGES)).toBe(3)
      expect(requestsTo('GET', CONVERSATION)).toBe(3) // two before retries, one after the last attempt
      expect(fake.messages(ref)).toHaveLength(0)
      expect(outcomes('sendMessage')).toEqual(['retry', 'retry', 'error'])
    })

    it('fails without posting when the delivery check itself fails', async () => {
      fake.failNext(1, 500, { match: { method: 'POST' } })
      fake.failNext(3, 500, { match: { method: 'GET' } })
      const err = await client().sendMessage(ref, { content: 'Oi', echoId: 'e11' }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'UpstreamError', operation: 'sendMessage', retryable: true })
      expect((err as Error).message).toContain('delivery unknown')
      expect(requestsTo('POST', MESSAGES)).toBe(1)
    })

    it('retries a refused connection without a delivery check, then fails', async () => {
      await fake.close()
      const err = await client().sendMessage(ref, { content: 'Oi', echoId: 'e12' }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'UpstreamError', reason: 'network', code: 'ECONNREFUSED', retryable: true, attempts: 3 })
      expect(outcomes('sendMessage')).toEqual(['retry', 'retry', 'error'])
      expect(outcomes('getConversation')).toEqual([])
    })
  })

  describe('other calls', () => {
    it('retries a timed-out read', async () => {
      fake.delayNext(1, 500, { method: 'GET' })
      const info = await client({ timeoutMs: 100 }).getConversation(ref)
      expect(info.status).toBe('pending')
      expect(outcomes('getConversation')).toEqual(['retry', 'ok'])
      expect(calls[0]?.status).toBeUndefined()
    })

    it('reads the conversation', async () => {
      fake.addConversation(ref, { status: 'pending', labels: ['lead'], customAttributes: { plan: 'pro' } })
      fake.addIncoming(ref, 'Quero um orçamento')
      const info = await client().getConversation(ref)
      expect(info).toMatchObject({
        status: 'pending',
        labels: ['lead'],
        customAttributes: { plan: 'pro' },
        canReply: true,
        lastMessage: { messageType: 'incoming', content: 'Quero um orçamento', fromAgentBot: false, private: false },
      })
      expect(fake.requests[0]?.headers.api_access_token).toBe('bot-token')
    })

    it('skips activity messages when picking the last message', async () => {
      const c = client()
      await c.sendMessage(ref, { content: 'Vou te passar para um especialista', echoId: 'h1' })
      await c.toggleStatus(ref, 'open')
      const info = await c.getConversation(ref)
      expect(fake.conversation(ref).messages.at(-1)?.messageType).toBe(2)
      expect(info.status).toBe('open')
      expect(info.lastMessage).toMatchObject({ messageType: 'outgoing', fromAgentBot: true, content: 'Vou te passar para um especialista', echoId: undefined })
    })

    it('reads a webhook-shaped payload too', async () => {
      const hook = await startStandIn((_req, res) => sendJson(res, 200, {
        id: 1487,
        status: 'pending',
        labels: ['lead'],
        messages: [{ id: 9, content: 'Oi', message_type: 0, created_at: 1787061811, private: false, sender: { type: 'contact' } }],
      }))
      try {
        const info = await client({ baseUrl: hook.url }).getConversation(ref)
        expect(info).toEqual({
          status: 'pending',
          labels: ['lead'],
          customAttributes: {},
          lastMessage: { id: 9, content: 'Oi', messageType: 'incoming', private: false, createdAt: 1787061811, echoId: undefined, fromAgentBot: false },
        })
      } finally {
        await hook.close()
      }
    })

    it('defaults missing labels and custom attributes', async () => {
      const bare = await startStandIn((_req, res) => sendJson(res, 200, { id: 1487, status: 'open', messages: [] }))
      try {
        const info = await client({ baseUrl: bare.url }).getConversation(ref)
        expect(info).toEqual({ status: 'open', labels: [], customAttributes: {} })
      } finally {
        await bare.close()
      }
    })

    it('rejects an answer of the wrong shape without retrying', async () => {
      const odd = await startStandIn((_req, res) => sendJson(res, 200, { status: 'weird' }))
      try {
        const err = await client({ baseUrl: odd.url }).getConversation(ref).catch((e: unknown) => e)
        expect(err).toMatchObject({ name: 'UpstreamError', reason: 'invalid_response', retryable: false, attempts: 1 })
        expect(odd.requests).toHaveLength(1)
      } finally {
        await odd.close()
      }
    })

    it('toggles the status', async () => {
      await client().toggleStatus(ref, 'open')
      expect(fake.conversation(ref).status).toBe('open')
      expect(fake.requests[0]).toMatchObject({ method: 'POST', path: `${CONVERSATION}/toggle_status`, body: { status: 'open' } })
    })

    it('merges custom attributes, keeping existing keys', async () => {
      fake.addConversation(ref, { customAttributes: { plan: 'pro', source: 'ads' } })
      const merged = await client().mergeCustomAttributes(ref, { plan: 'enterprise', budget: 5000 })
      expect(merged).toEqual({ plan: 'enterprise', source: 'ads', budget: 5000 })
      expect(fake.conversation(ref).customAttributes).toEqual({ plan: 'enterprise', source: 'ads', budget: 5000 })
      expect(await client().mergeCustomAttributes(ref, { source: undefined })).toEqual({ plan: 'enterprise', budget: 5000 })
      expect(fake.conversation(ref).customAttributes).toEqual({ plan: 'enterprise', budget: 5000 })
      expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({ custom_attributes: { plan: 'enterprise', source: 'ads', budget: 5000 } })
    })

    it('skips the write when the attributes already hold the patch', async () => {
      fake.addConversation(ref, { customAttributes: { plan: 'pro' } })
      await client().mergeCustomAttributes(ref, { plan: 'pro' })
      expect(fake.requests.map((r) => r.method)).toEqual(['GET'])
    })

    it('adds labels as a union, and skips the write when nothing is new', async () => {
      fake.addConversation(ref, { labels: ['vip'] })
      const c = client()
      expect(await c.addLabels(ref, ['lead', 'vip'])).toEqual(['vip', 'lead'])
      expect(fake.conversation(ref).labels).toEqual(['vip', 'lead'])
      expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: `${CONVERSATION}/labels`, body: { labels: ['vip', 'lead'] } })
      const before = fake.requests.length
      await c.addLabels(ref, ['lead'])
      expect(fake.requests.slice(before).map((r) => r.method)).toEqual(['GET'])
    })

    it('skips contact updates without a user token', async () => {
      expect(await client().updateContact(3, 500, { name: 'Mariana' })).toBe('skipped')
      expect(fake.requests).toHaveLength(0)
    })

    it('updates the contact with the user token', async () => {
      fake.addConversation(ref, { contactId: 77 })
      const result = await client({ userToken: fake.userToken }).updateContact(3, 77, { name: 'Mariana Souza', email: 'mariana@example.com' })
      expect(result).toBe('updated')
      expect(fake.requests[0]).toMatchObject({ method: 'PATCH', path: '/api/v1/accounts/3/contacts/77', body: { name: 'Mariana Souza', email: 'mariana@example.com' } })
      expect(fake.requests[0]?.headers.api_access_token).toBe('user-token')
      expect(fake.contact(77)).toMatchObject({ name: 'Mariana Souza', email: 'mariana@example.com' })
    })

    it('gets 401 on contacts with a bot token, like Chatwoot', async () => {
      const err = await client({ userToken: fake.botToken }).updateContact(3, 500, { name: 'X' }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'UpstreamError', status: 401, retryable: false })
    })

    it('sets typing, best effort and without retries', async () => {
      const c = client()
      await c.setTyping(ref, true)
      expect(fake.conversation(ref).typing).toBe('on')
      expect(fake.requests[0]?.body).toEqual({ typing_status: 'on', is_private: false })
      fake.failNext(1, 500)
      await expect(c.setTyping(ref, false)).resolves.toBeUndefined()
      expect(outcomes('setTyping')).toEqual(['ok', 'error'])
      expect(delays).toEqual([])
    })

    it('never throws on typing when Chatwoot is down', async () => {
      await fake.close()
      await expect(client().setTyping(ref, true)).resolves.toBeUndefined()
      expect(outcomes('setTyping')).toEqual(['error'])
    })

    it('lets tests wait for the bot\'s messages', async () => {
      const seen: string[] = []
      const off = fake.onMessage((m) => seen.push(m.content ?? ''))
      const waiting = fake.waitForMessages(ref, 2)
      const c = client()
      await c.sendMessage(ref, { content: 'um', echoId: 'w1' })
      await c.sendMessage(ref, { content: 'dois', echoId: 'w2' })
      expect((await waiting).map((m) => m.content)).toEqual(['um', 'dois'])
      off()
      expect(seen).toEqual(['um', 'dois'])
    })
  })
})

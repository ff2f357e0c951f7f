import type { Redis } from 'ioredis'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initialState, type Action, type ConversationState } from '../../src/conversation/types.js'
import { CLAIM } from '../../src/stores/redis-queue-scripts.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { cleanPrefix, createTestRedis, REDIS_URL, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

// A replica that died between deciding a turn and finishing its actions leaves the turn written
// down in the conversation state (`inflight`). The replica that takes the conversation over must
// finish it without a second answer, and hand off when it cannot know whether the lead got one.

warnIfRedisMissing('finishing a turn an interrupted replica left')

const PENDING_REPLY = 'Resposta que ficou pela metade'

describe.skipIf(!redisAvailable)('finishing an interrupted turn (durable queue, real Redis)', () => {
  let redis: Redis
  let prefix = uniquePrefix()
  let p: Pipeline | undefined
  let nextConversation = 9100

  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    await p?.close()
    p = undefined
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  async function start (env: Record<string, string> = {}): Promise<Pipeline> {
    prefix = uniquePrefix()
    p = await startPipeline({ env: { REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env } })
    return p
  }

  /** The state a dead replica saved: the lead's message answered in intent, its actions not done. */
  async function seedInflight (ref: { accountId: number, conversationId: number }, leadMessageId: number, actions: Action[]): Promise<void> {
    const state: ConversationState = {
      ...initialState(ref, 'pt-BR', Date.now()),
      stage: 'qualifying',
      botTurns: 1,
      answeredMessageIds: [leadMessageId],
      inflight: { key: String(leadMessageId), actions },
    }
    await redis.set(`${prefix}{${ref.accountId}:${ref.conversationId}}:state`, JSON.stringify(state), 'EX', 600)
  }

  /** Posts as the bot would have, straight to the Chatwoot stand-in. */
  async function postAsBot (pipeline: Pipeline, ref: { accountId: number, conversationId: number }, content: string): Promise<void> {
    const res = await request(`${pipeline.chatwoot.url}/api/v1/accounts/${ref.accountId}/conversations/${ref.conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', api_access_token: pipeline.chatwoot.botToken },
      body: JSON.stringify({ content, message_type: 'outgoing', private: false }),
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }

  const pendingReplies = (pipeline: Pipeline, ref: { accountId: number, conversationId: number }) =>
    pipeline.replies(ref).filter((m) => m.content === PENDING_REPLY)

  it('sends the reply the dead replica never sent (the newest message is still the lead\'s)', async () => {
    const pipeline = await start()
    const ref = { accountId: 3, conversationId: nextConversation++ }
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Olá, quero saber dos planos')
    await seedInflight(ref, lead.id, [{ type: 'reply', text: PENDING_REPLY }])
    await pipeline.say(ref, 'Maria Souza', { messageId: lead.id + 1000 })
    const replies = await pipeline.waitForReplies(ref, 2)
    expect(replies[0]?.content).toBe(PENDING_REPLY)
    expect(pendingReplies(pipeline, ref)).toHaveLength(1)
  })

  it('does not answer twice when the reply had reached Chatwoot, and finishes the other actions', async () => {
    const pipeline = await start()
    const ref = { accountId: 3, conversationId: nextConversation++ }
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Olá, quero saber dos planos')
    await postAsBot(pipeline, ref, PENDING_REPLY)
    await seedInflight(ref, lead.id, [{ type: 'reply', text: PENDING_REPLY }, { type: 'add_labels', labels: ['retomado'] }])
    await pipeline.say(ref, 'Maria Souza', { messageId: lead.id + 1000 })
    await pipeline.waitForReplies(ref, 2)
    await settle(pipeline)
    expect(pendingReplies(pipeline, ref)).toHaveLength(1)
    expect(pipeline.chatwoot.conversation(ref).labels).toContain('retomado')
  })

  it('hands off with a note when it cannot know (the lead wrote again after the turn)', async () => {
    const pipeline = await start()
    const ref = { accountId: 3, conversationId: nextConversation++ }
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Olá, quero saber dos planos')
    pipeline.chatwoot.addIncoming(ref, 'alguém aí?')
    await seedInflight(ref, lead.id, [{ type: 'reply', text: PENDING_REPLY }])
    await pipeline.say(ref, 'alguém aí?', { messageId: lead.id + 1000 })
    await pipeline.chatwoot.waitForMessages(ref, 1)
    await settle(pipeline)
    expect(pendingReplies(pipeline, ref)).toHaveLength(0)
    expect(pipeline.notes(ref)).toHaveLength(1)
    expect(pipeline.chatwoot.conversation(ref).status).toBe('open')
    expect(pipeline.replies(ref)).toHaveLength(0)
  })

  it('a batch whose runs keep dying goes to a human with a note once its attempts are spent', async () => {
    const pipeline = await start({ QUEUE_MAX_ATTEMPTS: '1', QUEUE_LEASE_MS: '1000' })
    const ref = { accountId: 3, conversationId: nextConversation++ }
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lane = `{${ref.accountId}:${ref.conversationId}}`
    const q = `${prefix}{q}:`
    // A lead message in the queue, claimed by a replica that died holding it (a lease of 200 ms).
    await redis.rpush(`${q}lane:${lane}`, JSON.stringify({
      at: Date.now(),
      job: { kind: 'message', ref, messageId: 4242, inboxId: 1, text: 'Olá', attachments: [], channel: 'Channel::Whatsapp', canReply: true, contact: {}, receivedAt: Date.now() },
    }))
    await redis.incr(`${q}pending`)
    await redis.zadd(`${q}due`, 0, lane)
    await redis.eval(CLAIM, 7, `${q}lane:${lane}`, `${q}due`, `${q}first`, `${q}leases`, `${q}tokens`, `${q}fence`, `${q}attempts`, lane, Date.now(), 200, 50)
    // Its lease runs out; it is the batch's only allowed attempt: a person takes the conversation.
    await pipeline.chatwoot.waitForMessages(ref, 1, 5000)
    await settle(pipeline)
    expect(pipeline.notes(ref)).toHaveLength(1)
    expect(pipeline.replies(ref)).toHaveLength(0)
    expect(pipeline.chatwoot.conversation(ref).status).toBe('open')
    const metrics = await pipeline.metrics()
    expect(metrics).toMatch(/^sdr_queue_events_total\{event="stalled"\} 1$/m)
    expect(metrics).toMatch(/^sdr_queue_events_total\{event="exhausted"\} 1$/m)
    expect(metrics).toMatch(/^sdr_handoffs_total\{reason="processing_failed",outcome="ok"\} 1$/m)
    expect(await redis.llen(`${q}lane:${lane}`)).toBe(0)
  })
})

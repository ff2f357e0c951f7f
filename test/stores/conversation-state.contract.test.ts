import type { Redis } from 'ioredis'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { conversationTag, type ConversationRef } from '../../src/conversation/ref.js'
import { initialState, type ConversationState } from '../../src/conversation/types.js'
import { createMemoryStateStore, createRedisStateStore, type StateStore } from '../../src/stores/state.js'
import { createTestClock, startTestApp, type TestApp, type TestClock } from '../helpers/app.js'
import { startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js'
import { messageFixture } from '../helpers/fixtures.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { REDIS_URL, cleanPrefix, createTestRedis, keysUnder, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { sleep } from '../helpers/wait.js'
import { chatwootHeaders } from '../helpers/sign.js'

// The conversation state store (src/stores/state.ts) is a JSON document store keyed by string with
// an idle TTL. The bot (src/bot.ts, statePort) keys it by the conversation's hash tag,
// `{accountId:conversationId}:state`, and drops documents of another schema version. The contract
// below runs against both implementations; the key layout and the schema check are asserted
// through the real app further down.

/** The key the bot uses (src/bot.ts statePort); pinned against Redis by the app tests below. */
const stateKey = (ref: ConversationRef): string => `${conversationTag(ref)}:state`

const T0 = 1_787_061_807_000

/** A state with every field the bot relies on set to something other than its initial value. */
function sampleState (ref: ConversationRef, overrides: Partial<ConversationState> = {}): ConversationState {
  return {
    ...initialState(ref, 'pt-BR', T0),
    stage: 'qualifying',
    owner: 'bot',
    fields: { name: 'Maria Souza', company: 'Acme Ltda', email: 'maria@acme.com.br' },
    language: 'en',
    botTurns: 3,
    askedField: 'role',
    askedCounts: { name: 1, company: 1, role: 1 },
    history: [
      { role: 'lead', text: 'Olá, quero automatizar o atendimento', at: T0 },
      { role: 'bot', text: 'Olá! Eu sou a Ana, da MrDom. 😊\n\nPara começar, como posso te chamar?', at: T0 + 10 },
      { role: 'lead', text: 'Maria Souza', at: T0 + 20 },
    ],
    answeredMessageIds: [90211, 90212, 90213],
    workflowsFired: ['handoff'],
    handoffReason: 'wants_human',
    handoffPending: true,
    contactId: 5821,
    inboxId: 12,
    updatedAt: T0 + 30,
    ...overrides,
  }
}

interface StateUnderTest {
  readonly store: StateStore
  /** Lets `ms` pass for the store's TTL: the injected clock for memory, real time for Redis. */
  elapse (ms: number): Promise<void>
  cleanup (): Promise<void>
}

function conversationStateContract (name: string, factory: () => Promise<StateUnderTest>): void {
  describe(`${name}: conversation state store contract`, () => {
    let s: StateUnderTest
    const a: ConversationRef = { accountId: 3, conversationId: 1487 }
    const b: ConversationRef = { accountId: 3, conversationId: 1488 }
    // Same conversation id in another account: a different conversation.
    const c: ConversationRef = { accountId: 4, conversationId: 1487 }

    beforeEach(async () => { s = await factory() })
    afterEach(async () => { await s.cleanup() })

    it('load of an unknown conversation is undefined', async () => {
      expect(await s.store.load(stateKey(a))).toBeUndefined()
    })

    it('save then load round-trips the whole state: fields, history, stage, owner, answered ids', async () => {
      const state = sampleState(a)
      await s.store.save(stateKey(a), state, 60)
      const loaded = await s.store.load(stateKey(a)) as ConversationState
      expect(loaded).toEqual(state)
      expect(loaded.schemaVersion).toBe(1)
      expect(loaded.ref).toEqual(a)
      expect(loaded.stage).toBe('qualifying')
      expect(loaded.owner).toBe('bot')
      expect(loaded.fields).toEqual({ name: 'Maria Souza', company: 'Acme Ltda', email: 'maria@acme.com.br' })
      expect(loaded.history.map((h) => h.role)).toEqual(['lead', 'bot', 'lead'])
      expect(loaded.history[1]?.text).toContain('😊')
      expect(loaded.answeredMessageIds).toEqual([90211, 90212, 90213])
      expect(loaded.handoffPending).toBe(true)
    })

    it('keeps a human-owned, handed-off state as it is', async () => {
      await s.store.save(stateKey(a), sampleState(a, { stage: 'handoff', owner: 'human' }), 60)
      expect(await s.store.load(stateKey(a))).toMatchObject({ stage: 'handoff', owner: 'human' })
    })

    it('a later save replaces the document (no merge with the earlier one)', async () => {
      await s.store.save(stateKey(a), sampleState(a), 60)
      const next = sampleState(a, { fields: { name: 'João' }, answeredMessageIds: [1], stage: 'qualified' })
      await s.store.save(stateKey(a), next, 60)
      const loaded = await s.store.load(stateKey(a)) as ConversationState
      expect(loaded.fields).toEqual({ name: 'João' })
      expect(loaded.answeredMessageIds).toEqual([1])
      expect(loaded.stage).toBe('qualified')
    })

    it('hands out copies: changing what was saved or loaded does not change the stored state', async () => {
      const state = { ...sampleState(a), fields: { name: 'Maria' } as Record<string, string> }
      await s.store.save(stateKey(a), state, 60)
      state.fields['name'] = 'changed after save'
      const first = await s.store.load(stateKey(a)) as { fields: Record<string, string>, answeredMessageIds: number[] }
      expect(first.fields['name']).toBe('Maria')
      first.fields['name'] = 'changed after load'
      first.answeredMessageIds.push(1)
      const second = await s.store.load(stateKey(a)) as ConversationState
      expect(second.fields['name']).toBe('Maria')
      expect(second.answeredMessageIds).toEqual([90211, 90212, 90213])
    })

    it('two conversations do not see each other\'s state', async () => {
      await s.store.save(stateKey(a), sampleState(a, { fields: { name: 'Ana A' }, answeredMessageIds: [1] }), 60)
      await s.store.save(stateKey(b), sampleState(b, { fields: { name: 'Bia B' }, answeredMessageIds: [2], owner: 'human' }), 60)
      expect(await s.store.load(stateKey(c))).toBeUndefined()

      expect(await s.store.load(stateKey(a))).toMatchObject({ ref: a, fields: { name: 'Ana A' }, answeredMessageIds: [1], owner: 'bot' })
      expect(await s.store.load(stateKey(b))).toMatchObject({ ref: b, fields: { name: 'Bia B' }, answeredMessageIds: [2], owner: 'human' })

      await s.store.delete(stateKey(a))
      expect(await s.store.load(stateKey(a))).toBeUndefined()
      expect(await s.store.load(stateKey(b))).toMatchObject({ ref: b, fields: { name: 'Bia B' } })
    })

    it('delete forgets the state; deleting an unknown conversation is harmless', async () => {
      await s.store.save(stateKey(a), sampleState(a), 60)
      await s.store.delete(stateKey(a))
      expect(await s.store.load(stateKey(a))).toBeUndefined()
      await expect(s.store.delete(stateKey(b))).resolves.toBeUndefined()
    })

    it('forgets an idle state once its TTL has passed', async () => {
      await s.store.save(stateKey(a), sampleState(a), 1)
      await s.store.save(stateKey(b), sampleState(b), 60)
      await s.elapse(400)
      expect(await s.store.load(stateKey(a))).toMatchObject({ ref: a })
      await s.elapse(800)
      expect(await s.store.load(stateKey(a))).toBeUndefined()
      // Only the expired one went.
      expect(await s.store.load(stateKey(b))).toMatchObject({ ref: b })
    })

    it('the TTL is idle time: each save starts it again', async () => {
      await s.store.save(stateKey(a), sampleState(a), 2)
      await s.elapse(1200)
      await s.store.save(stateKey(a), sampleState(a, { botTurns: 4 }), 2)
      await s.elapse(1200)
      // 2.4 s after the first save, 1.2 s after the second: still there.
      expect(await s.store.load(stateKey(a))).toMatchObject({ botTurns: 4 })
      await s.elapse(1000)
      expect(await s.store.load(stateKey(a))).toBeUndefined()
    })

    it('stores documents as they are: another schema version comes back unchanged (the bot decides, see below)', async () => {
      const foreign = { ...sampleState(a), schemaVersion: 2, extra: { nested: [1, 2] } }
      await s.store.save(stateKey(a), foreign, 60)
      expect(await s.store.load(stateKey(a))).toEqual(foreign)
    })
  })
}

// --- memory -------------------------------------------------------------------------------------

conversationStateContract('memory', async () => {
  const clock = createTestClock(T0)
  return {
    store: createMemoryStateStore(clock),
    elapse: async (ms) => { clock.advance(ms) },
    cleanup: async () => {},
  }
})

// --- Redis --------------------------------------------------------------------------------------

warnIfRedisMissing('Redis conversation state store')
let redis: Redis | undefined

describe.skipIf(!redisAvailable)('Redis conversation state', () => {
  beforeAll(() => { redis = createTestRedis() })
  afterAll(async () => { await redis?.quit() })

  conversationStateContract('redis', async () => {
    if (redis === undefined) throw new Error('Redis client not connected')
    const client = redis
    const prefix = uniquePrefix()
    return {
      store: createRedisStateStore(client, prefix),
      // Redis expires keys on its own clock, so real time has to pass.
      elapse: (ms) => sleep(ms),
      cleanup: async () => { await cleanPrefix(client, prefix) },
    }
  })

  it('writes one prefixed key per conversation, as JSON, with the TTL asked for', async () => {
    const client = redis as Redis
    const prefix = uniquePrefix()
    const ref = { accountId: 3, conversationId: 1487 }
    try {
      const store = createRedisStateStore(client, prefix)
      await store.save(stateKey(ref), sampleState(ref), 300)
      expect(await keysUnder(client, prefix)).toEqual([`${prefix}{3:1487}:state`])
      const ttl = await client.ttl(`${prefix}{3:1487}:state`)
      expect(ttl).toBeGreaterThan(290)
      expect(ttl).toBeLessThanOrEqual(300)
      expect(JSON.parse(await client.get(`${prefix}{3:1487}:state`) ?? 'null')).toMatchObject({ schemaVersion: 1, stage: 'qualifying' })
    } finally {
      await cleanPrefix(client, prefix)
    }
  })

  describe('as the bot uses it (the real app on Redis)', () => {
    let p: Pipeline | undefined
    let prefix = ''
    afterEach(async () => {
      await p?.close()
      p = undefined
      await cleanPrefix(redis as Redis, prefix)
    })
    let nextConversation = 61_000
    const newRef = (): ConversationRef => ({ accountId: 3, conversationId: nextConversation++ })

    const start = async (): Promise<Pipeline> => {
      prefix = uniquePrefix()
      p = await startPipeline({ env: { REDIS_URL, REDIS_KEY_PREFIX: prefix, CONVERSATION_TTL_SECONDS: '120' } })
      // The app's client connects in the background and fails fast until then: wait for it.
      const client = p.app.app.redis
      await waitFor(() => client?.status === 'ready')
      return p
    }

    it('keeps each conversation under its own hash tag {accountId:conversationId}, with CONVERSATION_TTL_SECONDS', async () => {
      const pl = await start()
      const client = redis as Redis
      const one = newRef()
      const two = newRef()
      await pl.say(one, 'Olá, quero automatizar o atendimento da minha loja', { messageId: 801 })
      await pl.say(two, 'Oi, tudo bem?', { messageId: 802 })
      await pl.waitForReplies(one, 1)
      await pl.waitForReplies(two, 1)
      await settle(pl)

      const keys = await keysUnder(client, prefix)
      const stateKeys = keys.filter((k) => k.endsWith(':state'))
      expect(stateKeys.sort()).toEqual([
        `${prefix}{3:${one.conversationId}}:state`,
        `${prefix}{3:${two.conversationId}}:state`,
      ].sort())
      // Every key the app wrote for a conversation carries that conversation's hash tag.
      for (const ref of [one, two]) {
        const mine = keys.filter((k) => k.includes(`:${ref.conversationId}`))
        expect(mine.length).toBeGreaterThan(1)
        for (const k of mine) expect(k).toContain(`{3:${ref.conversationId}}`)
      }

      const ttl = await client.ttl(`${prefix}{3:${one.conversationId}}:state`)
      expect(ttl).toBeGreaterThan(110)
      expect(ttl).toBeLessThanOrEqual(120)

      const doc = JSON.parse(await client.get(`${prefix}{3:${one.conversationId}}:state`) ?? 'null') as ConversationState
      expect(doc).toMatchObject({ schemaVersion: 1, ref: one, stage: 'qualifying', owner: 'bot', askedField: 'name', answeredMessageIds: [801] })
      expect(doc.fields['need']).toMatch(/automatizar o atendimento/)
      expect(doc.history.map((h) => h.role)).toEqual(['lead', 'bot'])
      expect(doc.history[1]?.text).toMatch(/Ana/)
      const other = JSON.parse(await client.get(`${prefix}{3:${two.conversationId}}:state`) ?? 'null') as ConversationState
      expect(other).toMatchObject({ ref: two, answeredMessageIds: [802] })
    })

    it('reads a stored state back on the next turn (a human-owned state keeps the bot silent)', async () => {
      const pl = await start()
      const client = redis as Redis
      const ref = newRef()
      const key = `${prefix}{3:${ref.conversationId}}:state`
      await client.set(key, JSON.stringify(sampleState(ref, { stage: 'handoff', owner: 'human', handoffPending: false, answeredMessageIds: [] })), 'EX', 120)
      expect((await pl.say(ref, 'Olá, alguém aí?', { messageId: 811 })).body).toEqual({ status: 'accepted' })
      await waitFor(async () => ((JSON.parse(await client.get(key) ?? 'null') as ConversationState | null)?.answeredMessageIds ?? []).includes(811))
      await settle(pl)
      expect(pl.replies(ref)).toHaveLength(0)
      expect(JSON.parse(await client.get(key) ?? 'null')).toMatchObject({ schemaVersion: 1, owner: 'human', stage: 'handoff' })
    })

    it('treats a document of an unknown schema version as absent: the conversation starts over and the document is replaced', async () => {
      const pl = await start()
      const client = redis as Redis
      const ref = newRef()
      const key = `${prefix}{3:${ref.conversationId}}:state`
      // The same human-owned state as above, but from another schema version: it must not be trusted.
      await client.set(key, JSON.stringify({ ...sampleState(ref, { stage: 'handoff', owner: 'human', answeredMessageIds: [] }), schemaVersion: 2 }), 'EX', 120)
      expect((await pl.say(ref, 'Olá, alguém aí?', { messageId: 812 })).body).toEqual({ status: 'accepted' })
      const [reply] = await pl.waitForReplies(ref, 1)
      expect(reply?.content).toMatch(/Eu sou a Ana/)
      await settle(pl)
      const doc = JSON.parse(await client.get(key) ?? 'null') as ConversationState
      expect(doc).toMatchObject({ schemaVersion: 1, owner: 'bot', stage: 'qualifying', answeredMessageIds: [812], fields: {} })
    })
  })
})

// --- memory, as the bot uses it -----------------------------------------------------------------

describe('memory conversation state as the bot uses it (injected clock)', () => {
  let app: TestApp | undefined
  let chatwoot: FakeChatwoot | undefined
  afterEach(async () => {
    await app?.close()
    await chatwoot?.close()
    app = undefined
    chatwoot = undefined
  })

  const SECRET = 'state-ttl-secret-0123456789'
  let nextMessageId = 920_000

  async function start (clock: TestClock): Promise<{ app: TestApp, chatwoot: FakeChatwoot }> {
    chatwoot = await startFakeChatwoot()
    app = await startTestApp({
      CHATWOOT_WEBHOOK_SECRET: SECRET,
      CHATWOOT_BASE_URL: chatwoot.url,
      CHATWOOT_ACCESS_TOKEN: chatwoot.botToken,
      CONVERSATION_TTL_SECONDS: '60',
      CHATWOOT_TIMEOUT_MS: '1000',
    }, { defaultHandler: true, clock })
    return { app, chatwoot }
  }

  /** A lead message signed at the injected clock's time, over real HTTP. */
  async function say (t: TestApp, clock: TestClock, ref: ConversationRef, text: string): Promise<unknown> {
    const m = messageFixture('message_created.incoming.whatsapp')
    m.id = nextMessageId++
    m.content = text
    m.account.id = ref.accountId
    m.conversation.id = ref.conversationId
    m.conversation.status = 'pending'
    const body = Buffer.from(JSON.stringify(m))
    const res = await request(`${t.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers: chatwootHeaders(body, { secret: SECRET, timestamp: clock.seconds() }), body })
    return res.body.json()
  }

  const replies = (cw: FakeChatwoot, ref: ConversationRef) => cw.messages(ref).filter((x) => !x.private && x.messageType === 1)

  async function twoTurns (idleMs: number): Promise<string[]> {
    const clock = createTestClock(Date.now())
    const { app: t, chatwoot: cw } = await start(clock)
    const ref = { accountId: 3, conversationId: 1487 }
    expect(await say(t, clock, ref, 'Olá, quero automatizar o atendimento da minha loja')).toEqual({ status: 'accepted' })
    await waitFor(() => replies(cw, ref).length === 1)
    // The turn saves its state after the reply lands: the silence starts once it is saved.
    await waitFor(() => t.app.queue.stats().lanes === 0)
    clock.advance(idleMs)
    expect(await say(t, clock, ref, 'Maria Souza')).toEqual({ status: 'accepted' })
    await waitFor(() => replies(cw, ref).length === 2)
    return replies(cw, ref).map((x) => x.content ?? '')
  }

  it('within CONVERSATION_TTL_SECONDS the next turn continues the conversation', async () => {
    const [first, second] = await twoTurns(59_000)
    expect(first).toMatch(/Eu sou a Ana/)
    expect(second).toMatch(/Maria, de qual empresa/)
    expect(second).not.toMatch(/Eu sou a Ana/)
  })

  it('after CONVERSATION_TTL_SECONDS of silence the state is gone and the bot starts over', async () => {
    const [first, second] = await twoTurns(61_000)
    expect(first).toMatch(/Eu sou a Ana/)
    expect(second).toMatch(/Eu sou a Ana/)
    expect(second).not.toMatch(/empresa/)
  })
})

async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { startFakeChatwoot, type FakeChatwoot, type FakeRef, type StoredMessage } from './fake-chatwoot.js'
import { N8N_WEBHOOK_ENV, startFakeN8n, type FakeN8n } from './fake-n8n.js'
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions, type Respond } from './fake-openai.js'
import { messageFixture, type MessageFixture } from './fixtures.js'
import { chatwootHeaders } from './sign.js'
import { startTestApp, type EnvOverrides, type TestApp } from './app.js'
import type { Clock } from '../../src/lib/clock.js'

// The whole pipeline on loopback: the real app and worker, with stand-ins playing Chatwoot,
// OpenAI and n8n. Webhooks are signed like Chatwoot signs them and sent over real HTTP.

export const SECRET = 'pipeline-secret-0123456789'

export interface Pipeline {
  readonly app: TestApp
  readonly chatwoot: FakeChatwoot
  readonly n8n: FakeN8n
  readonly openai: FakeOpenAi | undefined
  /**
   * A lead message as Chatwoot would deliver it: stored in the stand-in first (its id is the
   * message id) unless `messageId` is given; the conversation status is the stand-in's.
   */
  say (ref: FakeRef, text: string, opts?: { deliveryId?: string, messageId?: number, status?: string, updatedAt?: number, contactId?: number, inboxId?: number }): Promise<{ statusCode: number, body: { status?: string, reason?: string } }>
  /**
   * Any message event, as given (a fixture shaped like Chatwoot's), into the conversation of `ref`:
   * account, conversation id and status are set from the stand-in; signed and POSTed.
   */
  deliver (ref: FakeRef, event: MessageFixture): Promise<{ statusCode: number, body: { status?: string, reason?: string } }>
  /**
   * Chatwoot telling the bot about a status change (a human took it, handed it back), stamped
   * `updatedAt` (Chatwoot's clock, seconds; now by default). `late` delivers an old event without
   * changing the stand-in's status, as a delivery that arrives after newer ones.
   */
  statusEvent (ref: FakeRef, status: 'open' | 'pending' | 'resolved', opts?: { updatedAt?: number, late?: boolean }): Promise<number>
  /** A human agent answers in Chatwoot: stored in the stand-in, then delivered as Chatwoot does. */
  agentReply (ref: FakeRef, text: string): Promise<number>
  /** Public (non-private) messages the bot posted. */
  replies (ref: FakeRef): StoredMessage[]
  notes (ref: FakeRef): StoredMessage[]
  /** Resolves once the bot has posted `count` public replies in the conversation. */
  waitForReplies (ref: FakeRef, count: number, timeoutMs?: number): Promise<StoredMessage[]>
  metrics (): Promise<string>
  close (): Promise<void>
}

export interface PipelineOptions {
  readonly env?: EnvOverrides
  /** Start an OpenAI stand-in answering with this, and give the app a key for it. */
  readonly openai?: Respond
  /** How that stand-in behaves: known models, provider profile, prompt cache threshold. */
  readonly openaiOptions?: Omit<FakeOpenAiOptions, 'respond'>
  /** Capture every log line into `app.logs` (see startTestApp), with the app's own redaction. */
  readonly captureLogs?: boolean
  /** The app's clock (deliveries are signed with its time, as a Chatwoot in step would sign them). */
  readonly clock?: Clock
  /** Another replica: this pipeline's app joins these stand-ins instead of starting its own. */
  readonly standIns?: { readonly chatwoot: FakeChatwoot, readonly n8n: FakeN8n }
}

export async function startPipeline (opts: PipelineOptions = {}): Promise<Pipeline> {
  const chatwoot = opts.standIns?.chatwoot ?? await startFakeChatwoot()
  const n8n = opts.standIns?.n8n ?? await startFakeN8n()
  const nowMs = (): number => opts.clock?.now() ?? Date.now()
  const openai = opts.openai !== undefined ? await startFakeOpenAi({ ...opts.openaiOptions, respond: opts.openai }) : undefined
  const app = await startTestApp({
    CHATWOOT_WEBHOOK_SECRET: SECRET,
    CHATWOOT_BASE_URL: chatwoot.url,
    CHATWOOT_ACCESS_TOKEN: chatwoot.botToken,
    N8N_BASE_URL: n8n.url,
    N8N_API_KEY: 'n8n-key',
    ...N8N_WEBHOOK_ENV,
    BOT_DEBOUNCE_MS: '50',
    BOT_MAX_WAIT_MS: '500',
    CHATWOOT_TIMEOUT_MS: '1000',
    N8N_TIMEOUT_MS: '500',
    CONVERSATION_RATE_LIMIT_REQUESTS: '1000',
    ...(openai !== undefined ? { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.baseUrl, OPENAI_TIMEOUT_MS: '800' } : {}),
    ...opts.env,
  }, { defaultHandler: true, captureLogs: opts.captureLogs === true, ...(opts.clock !== undefined ? { clock: opts.clock } : {}) })

  const post = async (body: Buffer, deliveryId?: string) => {
    const headers = chatwootHeaders(body, { secret: SECRET, timestamp: Math.floor(nowMs() / 1000), ...(deliveryId !== undefined ? { deliveryId } : {}) })
    const res = await request(`${app.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers, body })
    return { statusCode: res.statusCode, body: await res.body.json() as { status?: string, reason?: string } }
  }

  const deliver: Pipeline['deliver'] = async (ref, event) => {
    const m: MessageFixture = JSON.parse(JSON.stringify(event)) as MessageFixture
    m.account.id = ref.accountId
    m.conversation.id = ref.conversationId
    m.conversation.status = chatwoot.conversation(ref).status
    // A lead's new message is in the conversation before its webhook arrives, as `say` does.
    if (m.event === 'message_created' && m.message_type === 'incoming') m.id = chatwoot.addIncoming(ref, m.content ?? '').id
    return await post(Buffer.from(JSON.stringify(m)), randomUUID())
  }

  const replies = (ref: FakeRef) => chatwoot.messages(ref).filter((m) => !m.private && m.messageType === 1)
  return {
    app,
    chatwoot,
    n8n,
    openai,
    async say (ref, text, o = {}) {
      const m = messageFixture('message_created.incoming.whatsapp')
      const conv = chatwoot.conversation(ref)
      // As in Chatwoot, the lead's message is in the conversation before its webhook arrives
      // (unless a test picks the id itself).
      m.id = o.messageId ?? chatwoot.addIncoming(ref, text).id
      m.content = text
      m.account.id = ref.accountId
      m.conversation.id = ref.conversationId
      m.conversation.status = o.status ?? conv.status
      // One lead per conversation unless a test says otherwise (an opt-out silences its contact everywhere).
      const contactId = o.contactId ?? 100_000 + ref.conversationId
      m.conversation.meta.sender = { ...m.conversation.meta.sender, id: contactId }
      if (m.sender !== null) m.sender = { ...m.sender, id: contactId }
      if (o.updatedAt !== undefined) m.conversation.updated_at = o.updatedAt
      if (o.inboxId !== undefined) {
        m['inbox'] = { id: o.inboxId, name: `Inbox ${o.inboxId}` }
        m.conversation['inbox_id'] = o.inboxId
      }
      return post(Buffer.from(JSON.stringify(m)), o.deliveryId ?? randomUUID())
    },
    deliver,
    async agentReply (ref, text) {
      const m = messageFixture('message_created.incoming.whatsapp')
      m.id = chatwoot.addAgentMessage(ref, text).id
      m.content = text
      m.message_type = 'outgoing'
      m.sender = { id: 1, name: 'Agent', type: 'user' }
      return (await deliver(ref, m)).statusCode
    },
    async statusEvent (ref, status, o = {}) {
      if (o.late !== true) chatwoot.setStatus(ref, status)
      const body = JSON.parse(JSON.stringify({
        event: 'conversation_status_changed', id: ref.conversationId, status, account: { id: ref.accountId }, inbox_id: 12, updated_at: o.updatedAt ?? Date.now() / 1000, changed_attributes: null,
      }))
      return (await post(Buffer.from(JSON.stringify(body)))).statusCode
    },
    replies,
    notes: (ref) => chatwoot.messages(ref).filter((m) => m.private),
    async waitForReplies (ref, count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (replies(ref).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} replies in ${ref.conversationId}, got ${replies(ref).length}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return replies(ref)
    },
    async metrics () {
      const res = await request(`${app.url}/metrics`)
      return res.body.text()
    },
    async close () {
      await app.close()
      // A second replica's stand-ins belong to the first pipeline, which closes them.
      if (opts.standIns === undefined) await Promise.all([chatwoot.close(), n8n.close()])
      await openai?.close()
    },
  }
}

/** Waits until the app's queue is empty and nothing is running. */
export async function settle (p: Pipeline, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  await new Promise((resolve) => setTimeout(resolve, 80))
  while (p.app.app.queue.stats().lanes > 0) {
    if (Date.now() > deadline) throw new Error('queue did not settle')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

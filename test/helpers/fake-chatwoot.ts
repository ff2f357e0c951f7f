import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { FaultQueue, sendJson, startStandIn, type Match, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for the parts of Chatwoot's REST API the bot calls (docs/chatwoot.md#the-rest-api-we-call), with
// per-conversation state and fault controls. The conversation show answer follows Chatwoot's
// api/v1/conversations/partials/_conversation.json.jbuilder: `messages` holds the very last
// message (private notes and activity included) and `last_non_activity_message` the latest
// other one, both in push format (integer message_type, epoch-second created_at). Chatwoot's
// echo_id is transient (attr_accessor), so a later GET does not carry it unless `echoIdInShow`.

export type FakeStatus = 'open' | 'pending' | 'resolved' | 'snoozed'
export interface FakeRef { accountId: number, conversationId: number }

export interface StoredMessage {
  id: number
  accountId: number
  conversationId: number
  content: string | null
  /** 0 incoming, 1 outgoing, 2 activity, 3 template */
  messageType: 0 | 1 | 2 | 3
  private: boolean
  contentType: string
  contentAttributes: Record<string, unknown>
  echoId: string | undefined
  senderType: 'AgentBot' | 'User' | 'Contact'
  /** Epoch seconds */
  createdAt: number
  /** Posted through the REST API (as opposed to seeded with `addIncoming`). */
  viaApi: boolean
}

export interface FakeConversation {
  accountId: number
  id: number
  inboxId: number
  contactId: number
  status: FakeStatus
  labels: string[]
  customAttributes: Record<string, unknown>
  messages: StoredMessage[]
  typing: 'on' | 'off'
  /** Chatwoot's `can_reply`: false outside a channel's window (WhatsApp's 24 h). Default true. */
  canReply: boolean
}

export interface FakeContact { id: number, name: string | null, email: string | null, phone_number: string | null, [key: string]: unknown }

export interface FakeChatwootOptions {
  /** The AgentBot access token: conversation endpoints only (default `bot-token`). */
  botToken?: string
  /** An agent's token: everything (default `user-token`). */
  userToken?: string
  /** Unknown conversations spring into being as pending (default true); false → 404. */
  autoCreate?: boolean
  inboxId?: number
  agentBotId?: number
  /** Put echo_id in GET answers (real Chatwoot forgets it once the POST is answered). Default false. */
  echoIdInShow?: boolean
}

export interface FakeChatwoot extends StandIn {
  readonly botToken: string
  readonly userToken: string
  conversation (ref: FakeRef): FakeConversation
  addConversation (ref: FakeRef, init?: Partial<Omit<FakeConversation, 'accountId' | 'id' | 'messages'>>): FakeConversation
  /** A human took it (`open`), or handed it back (`pending`). */
  setStatus (ref: FakeRef, status: FakeStatus): void
  /** Messages posted through the API to this conversation, oldest first. */
  messages (ref: FakeRef): StoredMessage[]
  /** Stores a lead's message, as if the contact had written (no webhook is sent). */
  addIncoming (ref: FakeRef, content: string): StoredMessage
  /** A human agent's public answer, written in Chatwoot (not through our API). */
  addAgentMessage (ref: FakeRef, content: string): StoredMessage
  contact (id: number): FakeContact | undefined
  /** The next n matching requests answer `status` (no state change); `retryAfter` sets the header. */
  failNext (n: number, status: number, opts?: { retryAfter?: number | string, match?: Match }): void
  /** The next n matching requests are handled at once but answered after `ms`. */
  delayNext (n: number, ms: number, match?: Match): void
  /** The next n message POSTs store the message, then answer 500. */
  failAfterWrite (n: number): void
  /** Called for every message posted through the API; returns an unsubscribe function. */
  onMessage (listener: (m: StoredMessage) => void): () => void
  /** Resolves with the conversation's API messages once there are at least `count`. */
  waitForMessages (ref: FakeRef, count: number, timeoutMs?: number): Promise<StoredMessage[]>
}

const CONV = /^\/api\/v1\/accounts\/(\d+)\/conversations\/(\d+)(?:\/(messages|toggle_status|toggle_typing_status|custom_attributes|labels))?$/
const CONTACT = /^\/api\/v1\/accounts\/(\d+)\/contacts\/(\d+)$/
const STATUSES: readonly FakeStatus[] = ['open', 'pending', 'resolved', 'snoozed']
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export async function startFakeChatwoot (options: FakeChatwootOptions = {}): Promise<FakeChatwoot> {
  const botToken = options.botToken ?? 'bot-token'
  const userToken = options.userToken ?? 'user-token'
  const inboxId = options.inboxId ?? 1
  const agentBotId = options.agentBotId ?? 7
  const conversations = new Map<string, FakeConversation>()
  const contacts = new Map<number, FakeContact>()
  const events = new EventEmitter()
  const failures = new FaultQueue<{ status: number, retryAfter: string | undefined }>()
  const delays = new FaultQueue<number>()
  const writeThenFail = new FaultQueue<true>()
  let nextMessageId = 1000
  let nextContactId = 500
  const nowSeconds = (): number => Math.floor(Date.now() / 1000)

  const key = (ref: FakeRef): string => `${ref.accountId}:${ref.conversationId}`
  const addConversation: FakeChatwoot['addConversation'] = (ref, init = {}) => {
    const conv: FakeConversation = {
      accountId: ref.accountId,
      id: ref.conversationId,
      inboxId: init.inboxId ?? inboxId,
      contactId: init.contactId ?? nextContactId++,
      status: init.status ?? 'pending',
      labels: [...(init.labels ?? [])],
      customAttributes: { ...init.customAttributes },
      messages: [],
      typing: 'off',
      canReply: true,
    }
    conversations.set(key(ref), conv)
    if (!contacts.has(conv.contactId)) contacts.set(conv.contactId, { id: conv.contactId, name: 'Lead', email: null, phone_number: null })
    return conv
  }
  const find = (ref: FakeRef): FakeConversation | undefined =>
    conversations.get(key(ref)) ?? (options.autoCreate === false ? undefined : addConversation(ref))
  const conversation = (ref: FakeRef): FakeConversation => conversations.get(key(ref)) ?? addConversation(ref)

  const pushMessage = (conv: FakeConversation, m: StoredMessage): Record<string, unknown> => ({
    id: m.id,
    content: m.content,
    account_id: conv.accountId,
    inbox_id: conv.inboxId,
    conversation_id: conv.id,
    message_type: m.messageType,
    created_at: m.createdAt,
    updated_at: new Date(m.createdAt * 1000).toISOString(),
    private: m.private,
    status: 'sent',
    source_id: null,
    content_type: m.contentType,
    content_attributes: m.contentAttributes,
    sender_type: m.senderType,
    sender_id: m.senderType === 'AgentBot' ? agentBotId : m.senderType === 'Contact' ? conv.contactId : 1,
    external_source_ids: {},
    additional_attributes: {},
    processed_message_content: m.content,
    sentiment: {},
    conversation: { assignee_id: null, unread_count: 0, last_activity_at: m.createdAt, contact_inbox: { source_id: `src-${conv.contactId}` } },
    sender: m.senderType === 'AgentBot'
      ? { id: agentBotId, name: 'SDR Bot', avatar_url: '', type: 'agent_bot' }
      : m.senderType === 'Contact' ? { id: conv.contactId, name: 'Lead', type: 'contact' } : { id: 1, name: 'Agent', type: 'user' },
    ...(m.echoId !== undefined && options.echoIdInShow === true ? { echo_id: m.echoId } : {}),
  })

  const showConversation = (conv: FakeConversation): Record<string, unknown> => {
    const last = conv.messages.at(-1)
    const lastNonActivity = conv.messages.filter((m) => m.messageType !== 2).at(-1)
    const contact = contacts.get(conv.contactId)
    return {
      meta: {
        sender: { id: conv.contactId, name: contact?.name ?? null, email: contact?.email ?? null, phone_number: contact?.phone_number ?? null, additional_attributes: {}, custom_attributes: {}, identifier: null, thumbnail: '', blocked: false, type: 'contact' },
        channel: 'Channel::Api',
        hmac_verified: false,
      },
      id: conv.id,
      messages: last !== undefined ? [pushMessage(conv, last)] : [],
      account_id: conv.accountId,
      uuid: `00000000-0000-4000-8000-${String(conv.id).padStart(12, '0')}`,
      additional_attributes: {},
      agent_last_seen_at: 0,
      assignee_last_seen_at: 0,
      can_reply: conv.canReply,
      contact_last_seen_at: 0,
      custom_attributes: conv.customAttributes,
      inbox_id: conv.inboxId,
      labels: conv.labels,
      muted: false,
      snoozed_until: null,
      status: conv.status,
      created_at: nowSeconds(),
      updated_at: Date.now() / 1000,
      timestamp: last?.createdAt ?? 0,
      first_reply_created_at: 0,
      unread_count: 0,
      last_non_activity_message: lastNonActivity !== undefined ? pushMessage(conv, lastNonActivity) : null,
      last_activity_at: last?.createdAt ?? 0,
      priority: null,
      waiting_since: 0,
      sla_policy_id: null,
    }
  }

  const changeStatus = (conv: FakeConversation, status: FakeStatus): void => {
    if (conv.status === status) return
    conv.status = status
    storeMessage(conv, {
      content: `Conversation was marked ${status}`,
      messageType: 2,
      private: false,
      contentType: 'text',
      contentAttributes: {},
      echoId: undefined,
      senderType: 'User',
      viaApi: false,
    })
  }

  /** A public message written in Chatwoot itself (not through our API): the lead's, or an agent's. */
  const seed = (ref: FakeRef, content: string, senderType: 'Contact' | 'User'): StoredMessage => storeMessage(conversation(ref), {
    content,
    messageType: senderType === 'Contact' ? 0 : 1,
    private: false,
    contentType: 'text',
    contentAttributes: {},
    echoId: undefined,
    senderType,
    viaApi: false,
  })

  const storeMessage = (conv: FakeConversation, m: Omit<StoredMessage, 'id' | 'accountId' | 'conversationId' | 'createdAt'>): StoredMessage => {
    const stored: StoredMessage = { ...m, id: nextMessageId++, accountId: conv.accountId, conversationId: conv.id, createdAt: nowSeconds() }
    conv.messages.push(stored)
    if (stored.viaApi) events.emit('message', stored)
    return stored
  }

  /** Validation in the spirit of Chatwoot's MessageBuilder and ContentAttributeValidator. */
  const invalidMessage = (body: Record<string, unknown>): string | undefined => {
    if (body.content !== undefined && body.content !== null && typeof body.content !== 'string') return 'Content is invalid'
    if (typeof body.content === 'string' && body.content.length > 150_000) return 'Content is too long (maximum is 150000 characters)'
    if (body.private !== undefined && typeof body.private !== 'boolean') return 'Private is invalid'
    if (body.message_type !== undefined && body.message_type !== 'outgoing') return 'Message type is invalid for this inbox'
    if (body.content_type === 'input_select') {
      const attrs = body.content_attributes
      const items = isRecord(attrs) ? attrs.items : undefined
      if (!Array.isArray(items) || items.length === 0) return 'Content attributes items must be present'
      for (const item of items) {
        if (!isRecord(item) || Object.keys(item).some((k) => k !== 'title' && k !== 'value') ||
          typeof item.title !== 'string' || typeof item.value !== 'string') return 'Content attributes items have an invalid shape'
      }
    }
    return undefined
  }

  const handle = (req: RecordedRequest, res: ServerResponse, answer: (status: number, body: unknown, headers?: Record<string, string>) => void): void => {
    const token = req.headers.api_access_token
    const isBot = token === botToken
    if (!isBot && token !== userToken) return answer(401, { error: 'Invalid Access Token' })
    if (req.invalidJson) return answer(400, { error: 'Invalid JSON' })
    const body = isRecord(req.body) ? req.body : {}

    const contactMatch = CONTACT.exec(req.path)
    if (contactMatch !== null) {
      if (isBot) return answer(401, { error: 'Access to this endpoint is not authorized for bots' })
      if (req.method !== 'PATCH' && req.method !== 'PUT') return answer(404, { error: 'Not found' })
      const id = Number(contactMatch[2])
      const contact = contacts.get(id)
      if (contact === undefined) return answer(404, { error: 'Resource could not be found' })
      if (typeof body.email === 'string' && !/^[^@\s]+@[^@\s]+$/.test(body.email)) return answer(422, { message: 'Email Invalid', attributes: ['email'] })
      if (typeof body.phone_number === 'string' && !/^\+[1-9]\d{1,14}$/.test(body.phone_number)) return answer(422, { message: 'Phone number should be in e164 format', attributes: ['phone_number'] })
      for (const k of ['name', 'email', 'phone_number'] as const) if (typeof body[k] === 'string') contact[k] = body[k]
      return answer(200, { payload: contact })
    }

    const m = CONV.exec(req.path)
    if (m === null) return answer(404, { error: 'Not found' })
    const ref = { accountId: Number(m[1]), conversationId: Number(m[2]) }
    const conv = find(ref)
    if (conv === undefined) return answer(404, { error: 'Resource could not be found' })
    const action = m[3]

    if (action === undefined && req.method === 'GET') return answer(200, showConversation(conv))
    if (action === 'messages' && req.method === 'POST') {
      const problem = invalidMessage(body)
      if (problem !== undefined) return answer(422, { message: problem })
      const contentType = typeof body.content_type === 'string' ? body.content_type : 'text'
      const stored = storeMessage(conv, {
        content: typeof body.content === 'string' ? body.content : null,
        messageType: 1,
        private: body.private === true,
        contentType,
        contentAttributes: isRecord(body.content_attributes) ? body.content_attributes : {},
        echoId: typeof body.echo_id === 'string' ? body.echo_id : undefined,
        senderType: isBot ? 'AgentBot' : 'User',
        viaApi: true,
      })
      if (writeThenFail.take(req) !== undefined) return answer(500, { error: 'Internal Server Error' })
      return answer(200, {
        id: stored.id,
        content: stored.content,
        inbox_id: conv.inboxId,
        echo_id: stored.echoId ?? null,
        conversation_id: conv.id,
        message_type: 1,
        content_type: stored.contentType,
        status: 'sent',
        content_attributes: stored.contentAttributes,
        created_at: stored.createdAt,
        private: stored.private,
        source_id: null,
        sender: { id: agentBotId, name: 'SDR Bot', avatar_url: '', type: 'agent_bot' },
      })
    }
    if (action === 'messages' && req.method === 'GET') {
      if (isBot) return answer(401, { error: 'Access to this endpoint is not authorized for bots' })
      return answer(200, { payload: conv.messages.map((x) => pushMessage(conv, x)) })
    }
    if (action === 'toggle_status' && req.method === 'POST') {
      const requested = body.status
      if (requested !== undefined && !STATUSES.includes(requested as FakeStatus)) return answer(422, { message: `'${String(requested)}' is not a valid status` })
      changeStatus(conv, requested === undefined ? (conv.status === 'open' ? 'resolved' : 'open') : requested as FakeStatus)
      return answer(200, { meta: {}, payload: { success: true, conversation_id: conv.id, current_status: conv.status, snoozed_until: null } })
    }
    if (action === 'toggle_typing_status' && req.method === 'POST') {
      if (body.typing_status === 'on' || body.typing_status === 'off') conv.typing = body.typing_status
      res.writeHead(200)
      res.end()
      return
    }
    if (action === 'custom_attributes' && req.method === 'POST') {
      if (!isRecord(body.custom_attributes)) return answer(422, { message: 'custom_attributes must be an object' })
      conv.customAttributes = { ...body.custom_attributes }
      return answer(200, { custom_attributes: conv.customAttributes })
    }
    if (action === 'labels' && req.method === 'GET') return answer(200, { payload: conv.labels })
    if (action === 'labels' && req.method === 'POST') {
      if (!Array.isArray(body.labels) || body.labels.some((l) => typeof l !== 'string')) return answer(422, { message: 'labels must be a list of strings' })
      conv.labels = [...new Set(body.labels as string[])]
      return answer(200, { payload: conv.labels })
    }
    return answer(404, { error: 'Not found' })
  }

  const standIn = await startStandIn((req, res) => {
    const failure = failures.take(req)
    if (failure !== undefined) {
      sendJson(res, failure.status, { error: failure.status === 429 ? 'Too many requests' : 'Internal Server Error' },
        failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {})
      return
    }
    const delay = delays.take(req)
    handle(req, res, (status, body, headers) => {
      if (delay === undefined) sendJson(res, status, body, headers)
      else standIn.later(delay, () => sendJson(res, status, body, headers))
    })
  })

  return {
    ...standIn,
    botToken,
    userToken,
    conversation,
    addConversation,
    setStatus (ref, status) {
      changeStatus(conversation(ref), status)
    },
    messages (ref) {
      return (conversations.get(key(ref))?.messages ?? []).filter((x) => x.viaApi)
    },
    addIncoming: (ref, content) => seed(ref, content, 'Contact'),
    addAgentMessage: (ref, content) => seed(ref, content, 'User'),
    contact (id) {
      return contacts.get(id)
    },
    failNext (n, status, opts = {}) {
      failures.arm(n, { status, retryAfter: opts.retryAfter === undefined ? undefined : String(opts.retryAfter) }, opts.match)
    },
    delayNext (n, ms, match) {
      delays.arm(n, ms, match)
    },
    failAfterWrite (n) {
      writeThenFail.arm(n, true)
    },
    onMessage (listener) {
      events.on('message', listener)
      return () => { events.off('message', listener) }
    },
    async waitForMessages (ref, count, timeoutMs = 2000) {
      const current = (): StoredMessage[] => (conversations.get(key(ref))?.messages ?? []).filter((x) => x.viaApi)
      if (current().length >= count) return current()
      return await new Promise<StoredMessage[]>((resolve, reject) => {
        const listener = (): void => {
          if (current().length < count) return
          clearTimeout(timer)
          events.off('message', listener)
          resolve(current())
        }
        const timer = setTimeout(() => {
          events.off('message', listener)
          reject(new Error(`timed out waiting for ${count} message(s) in conversation ${key(ref)}; have ${current().length}`))
        }, timeoutMs)
        events.on('message', listener)
      })
    },
  }
}

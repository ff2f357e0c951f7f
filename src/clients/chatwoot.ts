import type { Dispatcher } from 'undici'
import { z } from 'zod'
import type { ConversationRef } from '../conversation/ref.js'
import { replyLanded } from '../lib/reply-landed.js'
import {
  mayHaveReachedServer,
  requestJson,
  UpstreamError,
  type HttpMethod,
  type OnCall,
  type RetryContext,
  type RetryPolicy,
  type Sleep,
} from './http.js'

export interface QuickReplyItem { title: string, value: string }

export interface OutgoingMessage {
  content: string
  /** A private note, seen by agents only. */
  private?: boolean
  /** Quick replies: sent as `content_type: input_select`. */
  items?: QuickReplyItem[]
  /** Our id for this send (e.g. derived from the incoming message id); Chatwoot echoes it back. */
  echoId: string
  /**
   * The lead's message this reply answers. With it, a send that failed ambiguously is checked
   * by message id, else by text and time (lib/reply-landed.ts): re-sent only when provably absent.
   */
  afterMessageId?: number
}

/** `reconciled`: an attempt failed ambiguously and the message was then found in the conversation. */
export type SendResult = { id: number } | { id: number | undefined, reconciled: true }

export type ConversationStatus = 'open' | 'pending' | 'resolved' | 'snoozed'

export interface LastMessage {
  id: number
  content: string | null
  messageType: 'incoming' | 'outgoing' | 'activity' | 'template' | 'unknown'
  private: boolean
  /** Epoch seconds, when Chatwoot gave it. */
  createdAt: number | undefined
  /** Only present while Chatwoot still holds the transient echo id. */
  echoId: string | undefined
  fromAgentBot: boolean
}

export interface ConversationInfo {
  status: ConversationStatus
  labels: string[]
  customAttributes: Record<string, unknown>
  canReply?: boolean
  /**
   * The latest non-activity message Chatwoot shows. The REST show includes private notes
   * (`last_non_activity_message`); a webhook-shaped payload holds only the latest public one.
   */
  lastMessage?: LastMessage
}

export interface ContactPatch { name?: string, email?: string, phone_number?: string }

/**
 * What the bot calls on Chatwoot's REST API with its AgentBot token (docs/chatwoot.md#the-rest-api-we-call).
 * Every method throws `UpstreamError` on failure except `setTyping`. Calls retry on 5xx, 429
 * and timeouts, never on other 4xx.
 */
export interface ChatwootClient {
  /**
   * Posts an outgoing message (quick replies when `items` is given). Safe to retry: before
   * any retry of a send that may have landed, it checks the conversation's latest message and
   * answers `{ id: undefined, reconciled: true }` when ours is already there.
   */
  sendMessage (ref: ConversationRef, msg: OutgoingMessage): Promise<SendResult>
  /** Sets the status; `open` from a bot on a pending conversation is Chatwoot's bot handoff. */
  toggleStatus (ref: ConversationRef, status: 'open' | 'pending' | 'resolved'): Promise<void>
  /** Best effort, one attempt, never throws; failures only reach `onCall`. */
  setTyping (ref: ConversationRef, on: boolean): Promise<void>
  getConversation (ref: ConversationRef): Promise<ConversationInfo>
  /**
   * Read, merge, write: Chatwoot replaces the whole object. Skips the write when nothing
   * changes; a key patched to `undefined` is removed. Not atomic: callers serialise per
   * conversation. Returns the merged object.
   */
  mergeCustomAttributes (ref: ConversationRef, patch: Record<string, unknown>): Promise<Record<string, unknown>>
  /** Read, union, write (Chatwoot replaces the list); no write when nothing is new. Returns the list. */
  addLabels (ref: ConversationRef, labels: readonly string[]): Promise<string[]>
  /**
   * Needs the user token (a bot token gets 401 on contacts): without one, or with an empty
   * patch, resolves `skipped` without calling.
   */
  updateContact (accountId: number, contactId: number, patch: ContactPatch): Promise<'updated' | 'skipped'>
}

export interface ChatwootClientOptions {
  baseUrl: string
  botToken: string
  userToken?: string | undefined
  timeoutMs: number
  retry: RetryPolicy
  onCall?: OnCall | undefined
  sleep?: Sleep | undefined
  dispatcher?: Dispatcher | undefined
  /** Epoch ms, for the reconciliation window. */
  now?: (() => number) | undefined
  random?: (() => number) | undefined
}

const CONVERSATION = '/api/v1/accounts/:account_id/conversations/:conversation_id'

const pushMessageSchema = z.looseObject({
  id: z.number(),
  content: z.string().nullish(),
  message_type: z.union([z.number(), z.string()]),
  private: z.boolean().nullish(),
  created_at: z.union([z.number(), z.string()]).nullish(),
  echo_id: z.string().nullish(),
  sender_type: z.string().nullish(),
  sender: z.looseObject({ type: z.string().nullish() }).nullish(),
})

const conversationSchema = z.looseObject({
  status: z.enum(['open', 'pending', 'resolved', 'snoozed']),
  labels: z.array(z.string()).nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  can_reply: z.boolean().nullish(),
  messages: z.array(pushMessageSchema.nullable()).nullish(),
  last_non_activity_message: pushMessageSchema.nullish(),
})

const sentMessageSchema = z.looseObject({ id: z.number() })
const labelsSchema = z.looseObject({ payload: z.array(z.string()) })
const anyObject = z.looseObject({})

const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const

const toLastMessage = (m: z.infer<typeof pushMessageSchema>): LastMessage => {
  const type = typeof m.message_type === 'number' ? MESSAGE_TYPES[m.message_type] : MESSAGE_TYPES.find((t) => t === m.message_type)
  const createdAt = typeof m.created_at === 'number'
    ? m.created_at
    : typeof m.created_at === 'string' && !Number.isNaN(Date.parse(m.created_at)) ? Math.floor(Date.parse(m.created_at) / 1000) : undefined
  return {
    id: m.id,
    content: m.content ?? null,
    messageType: type ?? 'unknown',
    private: m.private ?? false,
    createdAt,
    echoId: m.echo_id ?? undefined,
    fromAgentBot: m.sender_type === 'AgentBot' || m.sender?.type === 'agent_bot',
  }
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const assertId = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`)
  return value
}

const conversationPath = (ref: ConversationRef): string =>
  `/api/v1/accounts/${assertId('accountId', ref.accountId)}/conversations/${assertId('conversationId', ref.conversationId)}`

interface CallRequest<T> {
  readonly operation: string
  readonly method: HttpMethod
  readonly path: string
  readonly pathTemplate: string
  readonly body?: unknown
  readonly schema?: z.ZodType<T>
  /** The user token, for what a bot token may not do; the bot token otherwise. */
  readonly token?: string
  readonly attempts?: number
  readonly beforeRetry?: (ctx: RetryContext) => Promise<'stop' | 'retry' | undefined>
}

/** One call to Chatwoot's API: the validated answer, or undefined without a schema or when a retry was stopped. */
type Call = <T>(req: CallRequest<T>) => Promise<T | undefined>

/** Calls with this client's base URL, token, timeout and retry policy. */
function createCall (options: ChatwootClientOptions): Call {
  const base = options.baseUrl.replace(/\/+$/, '')
  return async <T>(req: CallRequest<T>): Promise<T | undefined> => {
    const common = {
      target: 'chatwoot' as const,
      operation: req.operation,
      method: req.method,
      url: base + req.path,
      pathTemplate: req.pathTemplate,
      headers: { api_access_token: req.token ?? options.botToken, 'content-type': 'application/json' },
      body: req.body,
      timeoutMs: options.timeoutMs,
      retry: req.attempts === undefined ? options.retry : { ...options.retry, attempts: req.attempts },
      sleep: options.sleep,
      onCall: options.onCall,
      dispatcher: options.dispatcher,
      random: options.random,
    }
    if (req.beforeRetry !== undefined) return await requestJson({ ...common, schema: req.schema, beforeRetry: req.beforeRetry })
    if (req.schema !== undefined) return await requestJson({ ...common, schema: req.schema })
    await requestJson({ ...common, schema: undefined })
    return undefined
  }
}

async function getConversation (call: Call, ref: ConversationRef): Promise<ConversationInfo> {
  const c = await call({ operation: 'getConversation', method: 'GET', path: conversationPath(ref), pathTemplate: CONVERSATION, schema: conversationSchema })
  if (c === undefined) throw new Error('unreachable: a validated answer was expected')
  // The show answer's `messages` holds the very last message (activity included) and
  // `last_non_activity_message` the latest other one; the webhook shape has only `messages`.
  const last = [c.last_non_activity_message, ...(c.messages ?? [])]
    .filter((m) => m !== null && m !== undefined)
    .map(toLastMessage)
    .filter((m) => m.messageType !== 'activity')
    .reduce<LastMessage | undefined>((latest, m) => (latest === undefined || m.id > latest.id ? m : latest), undefined)
  const info: ConversationInfo = {
    status: c.status,
    labels: c.labels ?? [],
    customAttributes: c.custom_attributes ?? {},
  }
  if (typeof c.can_reply === 'boolean') info.canReply = c.can_reply
  if (last !== undefined) info.lastMessage = last
  return info
}

function messageBody (msg: OutgoingMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    content: msg.content,
    message_type: 'outgoing',
    private: msg.private ?? false,
    echo_id: msg.echoId,
  }
  if (msg.items !== undefined) {
    body.content_type = 'input_select'
    body.content_attributes = { items: msg.items.map((i) => ({ title: i.title, value: i.value })) }
  }
  return body
}

/** The send may or may not have landed; `retryable` says whether checking again later could tell. */
function deliveryUnknown (ctx: RetryContext, retryable: boolean, detail: string): UpstreamError {
  return new UpstreamError({
    target: 'chatwoot',
    operation: 'sendMessage',
    status: ctx.status,
    reason: ctx.reason,
    code: ctx.code,
    retryable,
    attempts: ctx.attempt,
    path: `${CONVERSATION}/messages`,
    detail,
  })
}

/**
 * Whether a send that may have been written is in the conversation (lib/reply-landed.ts), and the
 * id it was found with. A bot token cannot list messages, but GET conversation shows the newest.
 */
function deliveryCheck (call: Call, ref: ConversationRef, msg: OutgoingMessage, sentAtSeconds: number) {
  const check = {
    foundId: undefined as number | undefined,
    async landed (): Promise<'yes' | 'no' | 'unknown'> {
      const newest = (await getConversation(call, ref)).lastMessage
      const verdict = replyLanded(newest, { text: msg.content, private: msg.private ?? false, afterMessageId: msg.afterMessageId, echoId: msg.echoId, sentAtSeconds })
      if (verdict === 'yes') check.foundId = newest?.id
      return verdict
    },
    /** Before a retry: stop when ours is there, retry when provably absent, fail when nobody can tell. */
    async beforeRetry (ctx: RetryContext): Promise<'stop' | 'retry'> {
      if (!mayHaveReachedServer(ctx)) return 'retry'
      let verdict: 'yes' | 'no' | 'unknown'
      try {
        verdict = await check.landed()
      } catch (err) {
        throw deliveryUnknown(ctx, true, `delivery unknown, the check failed (${err instanceof UpstreamError ? err.status ?? err.reason : 'error'})`)
      }
      if (verdict === 'unknown') throw deliveryUnknown(ctx, false, 'delivery unknown: the conversation has newer messages, so sending again could answer twice')
      return verdict === 'yes' ? 'stop' : 'retry'
    },
  }
  return check
}

/**
 * Posts a message. A send that timed out or got a 5xx may still have been written (fazer-ai/agents#499:
 * a retried reply POST after a timeout posted twice): before each retry, and once more after the
 * last attempt failed, it looks for the message instead of posting again.
 */
async function sendMessage (call: Call, now: () => number, ref: ConversationRef, msg: OutgoingMessage): Promise<SendResult> {
  const check = deliveryCheck(call, ref, msg, Math.floor(now() / 1000))
  try {
    const sent = await call({
      operation: 'sendMessage',
      method: 'POST',
      path: `${conversationPath(ref)}/messages`,
      pathTemplate: `${CONVERSATION}/messages`,
      body: messageBody(msg),
      schema: sentMessageSchema,
      beforeRetry: check.beforeRetry,
    })
    return sent === undefined ? { id: check.foundId, reconciled: true } : { id: sent.id }
  } catch (err) {
    // The last attempt may have landed too: look once more before reporting a failure.
    if (!(err instanceof UpstreamError) || err.operation !== 'sendMessage' || !err.retryable || err.detail !== undefined) throw err
    if (!mayHaveReachedServer({ attempt: err.attempts, status: err.status, reason: err.reason, code: err.code })) throw err
    const verdict = await check.landed().catch(() => 'no' as const)
    if (verdict === 'yes') return { id: check.foundId, reconciled: true }
    throw err
  }
}

async function setTyping (call: Call, ref: ConversationRef, on: boolean): Promise<void> {
  try {
    await call({
      operation: 'setTyping',
      method: 'POST',
      path: `${conversationPath(ref)}/toggle_typing_status`,
      pathTemplate: `${CONVERSATION}/toggle_typing_status`,
      body: { typing_status: on ? 'on' : 'off', is_private: false },
      attempts: 1,
    })
  } catch {
    // Best effort: a missing typing indicator is not worth a failure or a log line.
  }
}

async function mergeCustomAttributes (call: Call, ref: ConversationRef, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  const current = (await getConversation(call, ref)).customAttributes
  const changed = Object.entries(patch).some(([k, v]) => v === undefined ? Object.hasOwn(current, k) : !Object.hasOwn(current, k) || !sameValue(current[k], v))
  const merged = Object.fromEntries(Object.entries({ ...current, ...patch }).filter(([, v]) => v !== undefined))
  if (!changed) return merged
  await call({
    operation: 'setCustomAttributes',
    method: 'POST',
    path: `${conversationPath(ref)}/custom_attributes`,
    pathTemplate: `${CONVERSATION}/custom_attributes`,
    body: { custom_attributes: merged },
    schema: anyObject,
  })
  return merged
}

async function addLabels (call: Call, ref: ConversationRef, labels: readonly string[]): Promise<string[]> {
  const path = `${conversationPath(ref)}/labels`
  const current = await call({ operation: 'getLabels', method: 'GET', path, pathTemplate: `${CONVERSATION}/labels`, schema: labelsSchema })
  const existing = current?.payload ?? []
  const union = [...new Set([...existing, ...labels])]
  if (union.length === existing.length) return existing
  await call({ operation: 'setLabels', method: 'POST', path, pathTemplate: `${CONVERSATION}/labels`, body: { labels: union }, schema: anyObject })
  return union
}

async function updateContact (call: Call, userToken: string | undefined, accountId: number, contactId: number, patch: ContactPatch): Promise<'updated' | 'skipped'> {
  if (userToken === undefined) return 'skipped'
  const body: Record<string, string> = {}
  if (patch.name !== undefined) body.name = patch.name
  if (patch.email !== undefined) body.email = patch.email
  if (patch.phone_number !== undefined) body.phone_number = patch.phone_number
  if (Object.keys(body).length === 0) return 'skipped'
  await call({
    operation: 'updateContact',
    method: 'PATCH',
    path: `/api/v1/accounts/${assertId('accountId', accountId)}/contacts/${assertId('contactId', contactId)}`,
    pathTemplate: '/api/v1/accounts/:account_id/contacts/:contact_id',
    body,
    token: userToken,
  })
  return 'updated'
}

export function createChatwootClient (options: ChatwootClientOptions): ChatwootClient {
  const call = createCall(options)
  const now = options.now ?? Date.now
  return {
    sendMessage: (ref, msg) => sendMessage(call, now, ref, msg),
    getConversation: (ref) => getConversation(call, ref),
    async toggleStatus (ref, status) {
      await call({ operation: 'toggleStatus', method: 'POST', path: `${conversationPath(ref)}/toggle_status`, pathTemplate: `${CONVERSATION}/toggle_status`, body: { status }, schema: anyObject })
    },
    setTyping: (ref, on) => setTyping(call, ref, on),
    mergeCustomAttributes: (ref, patch) => mergeCustomAttributes(call, ref, patch),
    addLabels: (ref, labels) => addLabels(call, ref, labels),
    updateContact: (accountId, contactId, patch) => updateContact(call, options.userToken, accountId, contactId, patch),
  }
}

import { createHash } from 'node:crypto'
import {
  conversationEventSchema,
  messageEventSchema,
  type ChatwootConversationStatus,
  type KnownEvent,
} from './payloads.js'
import { conversationTag, type ConversationRef } from './ref.js'

export interface InboundContact {
  readonly id: number | undefined
  readonly name: string | undefined
  readonly email: string | undefined
  readonly phone: string | undefined
}

export interface InboundAttachment {
  readonly fileType: string
  readonly transcribedText: string | undefined
}

/** A lead's message the bot must answer. */
export interface MessageJob {
  readonly kind: 'message'
  readonly ref: ConversationRef
  readonly messageId: number
  readonly inboxId: number | undefined
  readonly text: string
  readonly attachments: readonly InboundAttachment[]
  readonly channel: string | undefined
  readonly canReply: boolean
  readonly contact: InboundContact
  readonly receivedAt: number
  /** Chatwoot's `conversation.updated_at` (seconds, its clock) when the message was sent. */
  readonly conversationUpdatedAt: number | undefined
}

/** Chatwoot changed the conversation's status: a human took it, it was resolved or handed back. */
export interface StatusJob {
  readonly kind: 'status'
  readonly ref: ConversationRef
  readonly status: ChatwootConversationStatus
  readonly receivedAt: number
  /** Chatwoot's `updated_at` of the conversation with this status (seconds, its clock): orders late deliveries. */
  readonly changedAt: number | undefined
}

/** A human agent wrote to the lead (not a private note): whoever waits for a human answer can stop. */
export interface AgentReplyJob {
  readonly kind: 'agent_reply'
  readonly ref: ConversationRef
  readonly messageId: number
  readonly receivedAt: number
}

/** Work a conversation scheduled for later (stores/timers.ts): it runs in the lane like any job. */
export interface TimerJob {
  readonly kind: 'timer'
  readonly ref: ConversationRef
  readonly timer: 'follow_up' | 'watchdog'
  /** The plan it was set for (the state's `followUp`/`watchdog` due time): a stale timer does nothing. */
  readonly dueAt: number
  readonly step: number
  readonly receivedAt: number
}

/** Erase what we hold about this conversation (the admin endpoint, LGPD/GDPR). */
export interface EraseJob {
  readonly kind: 'erase'
  readonly ref: ConversationRef
  readonly contactId: number
  readonly receivedAt: number
}

export type ConversationJob = MessageJob | StatusJob | AgentReplyJob | TimerJob | EraseJob

export type Classification =
  | { readonly outcome: 'invalid', readonly message: string }
  | { readonly outcome: 'ignored', readonly reason: string, readonly ref?: ConversationRef, readonly dedupeKeys: readonly string[] }
  | { readonly outcome: 'act', readonly job: ConversationJob, readonly dedupeKeys: readonly string[] }

/** Undefined when the value cannot be serialised (JSON.stringify overflows the stack on deep nesting). */
function shortHash (value: unknown): string | undefined {
  let json: string
  try {
    json = JSON.stringify(value ?? null)
  } catch {
    return undefined
  }
  return createHash('sha256').update(json).digest('hex').slice(0, 16)
}

/** Chatwoot sends `updated_at` as float seconds (and, in some payloads, an ISO string). */
export function chatwootSeconds (v: number | string | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (v === undefined) return undefined
  const ms = Date.parse(v)
  return Number.isNaN(ms) ? undefined : ms / 1000
}

const str = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v === '' ? undefined : v)

/** Keys that identify the same event however Chatwoot delivered it (docs/chatwoot.md#duplicate-deliveries). */
function dedupeKeys (tag: string, eventKey: string, deliveryId: string | undefined, eventId: string | undefined): string[] {
  const keys = [`${tag}:dedupe:event:${eventKey}`]
  if (deliveryId !== undefined) keys.push(`${tag}:dedupe:delivery:${boundedId(deliveryId)}`)
  if (eventId !== undefined) keys.push(`${tag}:dedupe:event_id:${boundedId(eventId)}`)
  return keys
}

/** Chatwoot's ids are UUIDs; anything much longer is hashed, so a key's size never follows a sender's whim. */
function boundedId (id: string): string {
  return id.length <= 64 ? id : `h:${createHash('sha256').update(id).digest('hex')}`
}

function submittedText (attrs: Record<string, unknown> | null | undefined): string | undefined {
  const values = attrs?.['submitted_values']
  if (!Array.isArray(values) || values.length === 0) return undefined
  const parts = values.map((v) => {
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>
      const picked = o['title'] ?? o['value']
      return typeof picked === 'string' || typeof picked === 'number' ? String(picked) : ''
    }
    return typeof v === 'string' ? v : ''
  }).filter((s) => s.length > 0)
  return parts.length > 0 ? parts.join(', ') : undefined
}

function classifyMessage (body: unknown, deliveryId: string | undefined, accountId: number | undefined, now: number): Classification {
  const parsed = messageEventSchema.safeParse(body)
  if (!parsed.success) return { outcome: 'invalid', message: `invalid ${String((body as { event?: unknown }).event)} payload: ${describeIssues(parsed.error.issues)}` }
  const m = parsed.data
  const ref = { accountId: m.account.id, conversationId: m.conversation.id }
  const tag = conversationTag(ref)
  const formAnswer = m.event === 'message_updated' ? submittedText(m.content_attributes) : undefined
  // An update is the same event only if what changed is the same; the message id alone is not enough.
  const changeHash = m.event === 'message_created' ? '' : shortHash(m.content_attributes)
  if (changeHash === undefined) return { outcome: 'invalid', message: 'invalid message_updated payload: content_attributes is nested too deeply' }
  const eventKey = m.event === 'message_created' ? `message_created:${m.id}` : `message_updated:${m.id}:${changeHash}`
  const keys = dedupeKeys(tag, eventKey, deliveryId, m.event_id)
  const ignore = (reason: string): Classification => ({ outcome: 'ignored', reason, ref, dedupeKeys: keys })

  if (accountId !== undefined && m.account.id !== accountId) return ignore('other_account')
  if (m.event === 'message_updated' && formAnswer === undefined) return ignore('update_without_answer')
  if (m.event === 'message_created') {
    if (m.message_type === 'outgoing' && m.private !== true && m.sender?.type === 'user') {
      // In any status: a human answering a handed-off (open) conversation is what the watchdog waits for.
      return { outcome: 'act', dedupeKeys: keys, job: { kind: 'agent_reply', ref, messageId: m.id, receivedAt: now } }
    }
    if (m.message_type !== 'incoming') return ignore('not_incoming')
    if (m.private) return ignore('private_note')
    if (m.sender?.type === 'agent_bot' || m.sender?.type === 'user') return ignore('not_from_contact')
  }
  if (m.conversation.status !== 'pending') return ignore(`conversation_${m.conversation.status}`)

  const attachments = (m.attachments ?? []).flatMap((a) => a === null ? [] : [{ fileType: a.file_type ?? 'file', transcribedText: str(a.transcribed_text) }])
  const contact = m.conversation.meta?.sender
  return {
    outcome: 'act',
    dedupeKeys: keys,
    job: {
      kind: 'message',
      ref,
      messageId: m.id,
      inboxId: m.inbox?.id ?? m.conversation.inbox_id,
      text: formAnswer ?? m.content ?? '',
      attachments,
      channel: m.conversation.channel,
      canReply: m.conversation.can_reply ?? true,
      contact: {
        id: contact?.id,
        name: str(contact?.name),
        email: str(contact?.email),
        phone: str(contact?.phone_number),
      },
      receivedAt: now,
      conversationUpdatedAt: chatwootSeconds(m.conversation.updated_at),
    },
  }
}

const STATUS_KEYS = new Set(['status', 'assignee_id', 'assignee_agent_bot_id'])

function classifyConversation (body: unknown, deliveryId: string | undefined, accountId: number | undefined, now: number): Classification {
  const parsed = conversationEventSchema.safeParse(body)
  if (!parsed.success) return { outcome: 'invalid', message: `invalid ${String((body as { event?: unknown }).event)} payload: ${describeIssues(parsed.error.issues)}` }
  const c = parsed.data
  const ref = { accountId: c.account.id, conversationId: c.id }
  const tag = conversationTag(ref)
  const keys = dedupeKeys(tag, `${c.event}:${c.id}:${c.status}:${String(c.updated_at ?? c.timestamp ?? '')}`, deliveryId, c.event_id)
  if (accountId !== undefined && c.account.id !== accountId) return { outcome: 'ignored', reason: 'other_account', ref, dedupeKeys: keys }
  if (c.event === 'conversation_updated') {
    const changed = (c.changed_attributes ?? []).flatMap((entry) => Object.keys(entry))
    if (!changed.some((k) => STATUS_KEYS.has(k))) return { outcome: 'ignored', reason: 'no_status_change', ref, dedupeKeys: keys }
  }
  return { outcome: 'act', dedupeKeys: keys, job: { kind: 'status', ref, status: c.status, receivedAt: now, changedAt: chatwootSeconds(c.updated_at) ?? c.timestamp } }
}

function describeIssues (issues: ReadonlyArray<{ path: readonly PropertyKey[], message: string }>): string {
  return issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(body)'} ${i.message}`).join('; ')
}

/**
 * Step 3–5 of the webhook: turns a verified body into a job for its conversation, or says why not.
 * Pure: no I/O, so it is tested as a table.
 */
export function classifyEvent (
  event: KnownEvent,
  body: unknown,
  opts: { deliveryId: string | undefined, accountId: number | undefined, now: number }
): Classification {
  switch (event) {
    case 'message_created':
    case 'message_updated':
      return classifyMessage(body, opts.deliveryId, opts.accountId, opts.now)
    case 'conversation_opened':
    case 'conversation_resolved':
    case 'conversation_status_changed':
    case 'conversation_updated':
      return classifyConversation(body, opts.deliveryId, opts.accountId, opts.now)
    case 'webwidget_triggered':
      return { outcome: 'ignored', reason: 'widget_opened', dedupeKeys: [] }
  }
}

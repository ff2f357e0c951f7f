// The load of a chaos run: a seeded plan of conversations and lead messages, and a sender that
// delivers them the way Chatwoot (>= 4.13) and a load balancer in front of the replicas would:
// - the lead's message is stored in the Chatwoot stand-in first (its id is the webhook's), then
//   POSTed signed like Chatwoot (sha256= over "<ts>.<raw body>", X-Chatwoot-Delivery uuid);
// - a refused connection (replica down) goes to the next replica at once (the load balancer);
// - any other failure (non-2xx, reset, 5 s timeout) is retried like Chatwoot, 3 attempts in all
//   (docs/chatwoot.md#delivery-timeouts-and-retries; the 3 s wait is shortened), each retry to another replica unless routing is sticky;
//   when all fail, Chatwoot opens the conversation for humans, and so does the stand-in here;
// - a lead writes the next message only once the previous one was answered 2xx (or given up on),
//   plus a gap longer than the debounce: otherwise "out of order" would only measure the sender;
// - a planned share of deliveries is sent a second time: the same delivery id to the same or
//   another replica, or a new delivery id for the same message.
import { request } from 'undici'
import type { FakeChatwoot, FakeRef } from '../../test/helpers/fake-chatwoot.js'
import { messageFixture } from '../../test/helpers/fixtures.js'
import { chatwootHeaders } from '../../test/helpers/sign.js'
import type { Rng } from './rng.js'

export const WEBHOOK_PATH = '/api/v1/webhooks/agentbot'

export type DupKind = 'same_delivery_same_replica' | 'same_delivery_other_replica' | 'new_delivery_same_message'

export interface PlannedMessage {
  readonly index: number
  readonly text: string
  /** Wait after the previous message was acknowledged (or given up on). */
  readonly gapMs: number
  readonly replica: number
  readonly deliveryId: string
  readonly dup: { readonly kind: DupKind, readonly replica: number, readonly deliveryId: string, readonly delayMs: number } | undefined
}

export interface PlannedConversation {
  readonly ref: FakeRef
  readonly startDelayMs: number
  /** The index of the message asking for a human, when this lead asks for one. */
  readonly asksHumanAt: number | undefined
  readonly messages: readonly PlannedMessage[]
}

export interface LoadPlanOptions {
  readonly conversations: number
  readonly messages: number
  readonly dupRate: number
  readonly humanRate: number
  readonly replicas: number
  readonly sticky: boolean
  readonly gapMs: number
  readonly gapJitterMs: number
  readonly accountId: number
}

// Bare answers, each the answer to the question the bot asks next (name, company, role, need), so
// every message moves the conversation on and the lead is not qualified (no e-mail or phone). The
// scripted brain reads a bare answer as the field it asked; the OpenAI stand-in reads them from FIELD_OF.
const TEXTS = ['Olá, boa tarde', 'Maria Souza', 'Acme Ltda', 'Gerente comercial', 'Atendimento no WhatsApp', 'Equipe de dez pessoas']
export const FIELD_OF: Readonly<Record<string, string>> = {
  'Maria Souza': 'name',
  'Acme Ltda': 'company',
  'Gerente comercial': 'role',
  'Atendimento no WhatsApp': 'need',
}
export const HUMAN_TEXT = 'Quero falar com um humano, por favor'

/** A v4-shaped UUID from the seeded stream, so delivery ids repeat with the seed. */
export function seededUuid (rng: Rng): string {
  const hex = (n: number): string => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + rng.int(0, 3)).toString(16)}${hex(3)}-${hex(12)}`
}

export function planLoad (rng: Rng, o: LoadPlanOptions): PlannedConversation[] {
  if (o.messages > 999) throw new Error('at most 999 messages per conversation')
  const plan: PlannedConversation[] = []
  for (let c = 1; c <= o.conversations; c++) {
    const home = o.sticky ? (c - 1) % o.replicas : rng.int(0, o.replicas - 1)
    const asksHumanAt = o.messages >= 2 && rng.chance(o.humanRate) ? rng.int(1, o.messages - 1) : undefined
    const messages: PlannedMessage[] = []
    for (let i = 0; i < o.messages; i++) {
      const replica = o.sticky ? home : rng.int(0, o.replicas - 1)
      const other = o.replicas > 1 ? (replica + rng.int(1, o.replicas - 1)) % o.replicas : replica
      let dup: PlannedMessage['dup']
      if (rng.chance(o.dupRate)) {
        const kind = rng.pick<DupKind>(['same_delivery_same_replica', 'same_delivery_other_replica', 'new_delivery_same_message'])
        dup = {
          kind,
          // Sticky routing sends everything of a conversation to its replica, duplicates included.
          replica: o.sticky || kind === 'same_delivery_same_replica' ? replica : other,
          deliveryId: seededUuid(rng),
          delayMs: rng.int(0, 1000),
        }
      }
      messages.push({
        index: i,
        text: i === asksHumanAt ? HUMAN_TEXT : TEXTS[i] ?? `Mais uma informação, parte ${i + 1}`,
        gapMs: o.gapMs + rng.int(0, o.gapJitterMs),
        replica,
        deliveryId: seededUuid(rng),
        dup,
      })
    }
    plan.push({ ref: { accountId: o.accountId, conversationId: c }, startDelayMs: rng.int(0, o.gapMs), asksHumanAt, messages })
  }
  return plan
}

/** What happened to one lead message. */
export interface MessageRecord {
  readonly ref: FakeRef
  /** Chatwoot's id of the message (the stand-in stores it before the webhook goes out, as Chatwoot does). */
  readonly messageId: number
  readonly index: number
  sentAt: number | undefined
  /** Start of the first delivery attempt answered 200 accepted/duplicate. */
  ackSentAt: number | undefined
  ackStatus: 'accepted' | 'duplicate' | undefined
  /** Reasons of 200 "ignored" answers. */
  ignored: string[]
  /** A delivery of it ran out of attempts. */
  undelivered: boolean
}

export interface DeliveryStats {
  deliveries: number
  duplicatesSent: number
  attempts: number
  /** Chatwoot retries (a failed attempt tried again after the wait). */
  retries: number
  /** Connection refused: the load balancer sent the attempt to the next replica. */
  lbFailovers: number
  undelivered: number
  /** Answers by kind: accepted, duplicate, ignored:<reason>, http_<status>, network:<code>. */
  answers: Record<string, number>
}

export interface Target {
  readonly url: string
}

export interface SenderOptions {
  readonly secret: string
  readonly replicas: readonly Target[]
  readonly sticky: boolean
  /** Chatwoot: 3 attempts in total (retry_on … attempts: 3). */
  readonly attempts: number
  /** Chatwoot waits 3 s between attempts; shortened here. */
  readonly retryWaitMs: number
  /** Chatwoot's WEBHOOK_TIMEOUT, 5 s. */
  readonly timeoutMs: number
  readonly chatwoot: FakeChatwoot
}

const errorCode = (err: unknown): string => {
  let e: unknown = err
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { cause?: unknown }).cause
  }
  return err instanceof Error ? err.name : 'unknown'
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface Sender {
  readonly stats: DeliveryStats
  /** By Chatwoot message id. */
  readonly records: Map<number, MessageRecord>
  /** Each conversation's messages in the order the lead sent them. */
  readonly byConversation: Map<number, MessageRecord[]>
  /** Conversations Chatwoot opened for humans because a delivery failed for good (as Chatwoot does). */
  readonly openedByChatwoot: Set<number>
  /** Sends one lead message (and its planned duplicate); resolves once the original delivery is settled. */
  send (ref: FakeRef, m: PlannedMessage): Promise<{ dup: Promise<void> | undefined }>
}

export function createSender (o: SenderOptions): Sender {
  const stats: DeliveryStats = { deliveries: 0, duplicatesSent: 0, attempts: 0, retries: 0, lbFailovers: 0, undelivered: 0, answers: {} }
  const records = new Map<number, MessageRecord>()
  const byConversation = new Map<number, MessageRecord[]>()
  const openedByChatwoot = new Set<number>()
  const count = (key: string): void => { stats.answers[key] = (stats.answers[key] ?? 0) + 1 }
  const n = o.replicas.length

  /** One attempt through the "load balancer": a refused connection goes to the next replica at once. */
  const attempt = async (body: Buffer, deliveryId: string, first: number): Promise<{ replica: number, status?: number, json?: { status?: string, reason?: string }, error?: string }> => {
    let last = 'ECONNREFUSED'
    for (let hop = 0; hop < n; hop++) {
      const replica = (first + hop) % n
      const target = o.replicas[replica]
      if (target === undefined) continue
      const headers = chatwootHeaders(body, { secret: o.secret, timestamp: Math.floor(Date.now() / 1000), deliveryId })
      try {
        const res = await request(`${target.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs })
        const text = await res.body.text()
        let json: { status?: string, reason?: string } | undefined
        try {
          json = JSON.parse(text) as { status?: string, reason?: string }
        } catch {
          json = undefined
        }
        return { replica, status: res.statusCode, ...(json !== undefined ? { json } : {}) }
      } catch (err) {
        last = errorCode(err)
        if (last !== 'ECONNREFUSED') return { replica, error: last }
        stats.lbFailovers++
      }
    }
    return { replica: first, error: last }
  }

  const deliver = async (rec: MessageRecord, body: Buffer, deliveryId: string, firstReplica: number): Promise<void> => {
    stats.deliveries++
    let replica = firstReplica
    for (let i = 1; i <= o.attempts; i++) {
      stats.attempts++
      const startedAt = Date.now()
      const r = await attempt(body, deliveryId, replica)
      replica = r.replica
      if (r.status !== undefined && r.status >= 200 && r.status < 300) {
        const status = r.json?.status
        if (status === 'accepted' || status === 'duplicate') {
          count(status)
          if (rec.ackSentAt === undefined) {
            rec.ackSentAt = startedAt
            rec.ackStatus = status
          }
        } else {
          const reason = `ignored:${r.json?.reason ?? status ?? 'unknown'}`
          count(reason)
          rec.ignored.push(reason)
        }
        return
      }
      count(r.status !== undefined ? `http_${r.status}` : `network:${r.error ?? 'unknown'}`)
      // Any other 4xx is final (a bug in the sender or the service); 429, 5xx and no answer are retried.
      if (r.status !== undefined && r.status < 500 && r.status !== 429) break
      if (i < o.attempts) {
        stats.retries++
        await sleep(o.retryWaitMs)
        // A retry goes to another replica, as a load balancer would spread it (sticky: the same one).
        if (!o.sticky) replica = (replica + 1) % n
      }
    }
    stats.undelivered++
    rec.undelivered = true
    // What Chatwoot does when an agent-bot delivery fails for good: a pending conversation opens for humans.
    if (o.chatwoot.conversation(rec.ref).status === 'pending') {
      o.chatwoot.setStatus(rec.ref, 'open')
      openedByChatwoot.add(rec.ref.conversationId)
    }
  }

  return {
    stats,
    records,
    byConversation,
    openedByChatwoot,
    async send (ref, m) {
      // Chatwoot stores the lead's message, then emits the webhook: a GET of the conversation shows it.
      const stored = o.chatwoot.addIncoming(ref, m.text)
      const rec: MessageRecord = { ref, messageId: stored.id, index: m.index, sentAt: Date.now(), ackSentAt: undefined, ackStatus: undefined, ignored: [], undelivered: false }
      records.set(stored.id, rec)
      const list = byConversation.get(ref.conversationId) ?? []
      list.push(rec)
      byConversation.set(ref.conversationId, list)
      // The payload Chatwoot would build now: the conversation's status as the stand-in has it.
      const payload = messageFixture('message_created.incoming.whatsapp')
      payload.id = stored.id
      payload.content = m.text
      payload.account.id = ref.accountId
      payload.conversation.id = ref.conversationId
      payload.conversation.status = o.chatwoot.conversation(ref).status
      const body = Buffer.from(JSON.stringify(payload))
      const dup = m.dup === undefined
        ? undefined
        : (async () => {
            const d = m.dup
            if (d === undefined) return
            await sleep(d.delayMs)
            stats.duplicatesSent++
            await deliver(rec, body, d.kind === 'new_delivery_same_message' ? d.deliveryId : m.deliveryId, d.replica)
          })()
      await deliver(rec, body, m.deliveryId, m.replica)
      return { dup }
    },
  }
}

export interface LoadHooks {
  /** Called before each original message is sent, with how many were sent before it. */
  beforeMessage (sentSoFar: number): void
}

/** Runs the plan: conversations in parallel (at most `concurrency` at once), each one's messages in order. */
export async function runLoad (plan: readonly PlannedConversation[], sender: Sender, concurrency: number, hooks: LoadHooks): Promise<void> {
  let next = 0
  let sent = 0
  const dups: Array<Promise<void>> = []
  const worker = async (): Promise<void> => {
    for (;;) {
      const conv = plan[next++]
      if (conv === undefined) return
      await sleep(conv.startDelayMs)
      for (const m of conv.messages) {
        if (m.index > 0) await sleep(m.gapMs)
        hooks.beforeMessage(sent++)
        const { dup } = await sender.send(conv.ref, m)
        if (dup !== undefined) dups.push(dup)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()))
  await Promise.all(dups)
}

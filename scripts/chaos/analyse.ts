// Attribution of a chaos run, as a pure function of what was sent and what reached the Chatwoot
// stand-in, so it can be tested on its own.
//
// - The bot posts each public reply with echo_id `sdr:{<account>:<conversation>}:<last lead message
//   id of the batch it answers>`: that id is the reply's key.
// - Replies are read in the order Chatwoot stored them. A reply covers every lead message of its
//   conversation up to its key that no earlier reply covered.
// - Duplicate: a reply whose key was answered already, or is below one already answered.
// - Out of order: a reply whose key is below one already answered (the lead sent that message
//   earlier but got its answer later). Such a reply counts in both.
// - Lost: an acknowledged message (200 accepted/duplicate) covered by no reply, in a conversation
//   that was not handed to a human (by the bot's handoff: toggle_status open; or by Chatwoot after
//   a delivery failed for good).

export interface BotMessage {
  /** Chatwoot's id: the storage order. */
  readonly id: number
  readonly private: boolean
  readonly content: string | null
  readonly echoId: string | undefined
  /** When it reached the stand-in, ms epoch. */
  readonly at: number
}

export interface LeadMessage {
  readonly messageId: number
  /** Start of the first delivery attempt acknowledged with 200 accepted/duplicate; undefined = never acknowledged. */
  readonly ackSentAt: number | undefined
}

export interface ConversationOutcome {
  readonly accountId: number
  readonly conversationId: number
  readonly leads: readonly LeadMessage[]
  /** Messages the bot posted through the API (private notes included), in storage order. */
  readonly botMessages: readonly BotMessage[]
  /** Chatwoot's status at the end. */
  readonly status: string
  /** Chatwoot itself opened it after a delivery failed for good. */
  readonly openedByChatwoot: boolean
}

export interface N8nHandoff {
  readonly conversationId: number | undefined
  readonly reason: string | undefined
  readonly idempotencyKey: string | undefined
}

export interface LostMessage { readonly conversationId: number, readonly messageId: number }

export interface Analysis {
  readonly conversations: number
  readonly leadMessages: number
  readonly acknowledged: number
  readonly repliesSent: number
  /** Public bot messages without an `sdr:` echo id for this conversation. */
  readonly unattributedReplies: number
  readonly duplicates: number
  readonly duplicatesSameKey: number
  readonly duplicatesBelowAnswered: number
  readonly outOfOrder: number
  readonly lost: number
  readonly lostSample: readonly LostMessage[]
  readonly conversationsWithLoss: number
  /** Conversations with a lost, duplicate or out-of-order message, for a closer look. */
  readonly flagged: readonly number[]
  /** Acknowledged, unanswered, but in a conversation handed to a human (not lost). */
  readonly handedOffUnanswered: number
  /** Conversations the bot handed to a human, by the reason in its private note. */
  readonly handoffsByReason: Readonly<Record<string, number>>
  /** The bot handed off (status open) but no handoff note reached Chatwoot. */
  readonly handoffsWithoutNote: number
  /** A handoff note was posted but the conversation is not open (toggle_status failed for good). */
  readonly handoffNotesNotOpened: number
  readonly openedByChatwoot: number
  /** n8n handoff triggers by reason, one per idempotency key. */
  readonly n8nHandoffsByReason: Readonly<Record<string, number>>
  /** Webhook (first acknowledged delivery) to the covering reply at the Chatwoot stand-in, ms. */
  readonly latency: { readonly count: number, readonly p50: number | undefined, readonly p99: number | undefined, readonly max: number | undefined }
}

const NOTE_REASON = /^🤖 SDR bot → humano: .*\(([a-z_]+)\)\s*$/m

/** The handoff reason written in a bot private note, or undefined when it is not a handoff note. */
export function noteReason (content: string | null): string | undefined {
  if (content === null) return undefined
  return NOTE_REASON.exec(content.split('\n')[0] ?? '')?.[1]
}

/** The lead message id a reply answers, from its echo id, when it belongs to this conversation. */
export function replyKey (echoId: string | undefined, accountId: number, conversationId: number): number | undefined {
  if (echoId === undefined) return undefined
  const prefix = `sdr:{${accountId}:${conversationId}}:`
  if (!echoId.startsWith(prefix)) return undefined
  const key = Number(echoId.slice(prefix.length))
  return Number.isSafeInteger(key) ? key : undefined
}

/** Nearest-rank percentile of sorted values. */
export function percentile (sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]
}

const bump = (map: Record<string, number>, key: string): void => { map[key] = (map[key] ?? 0) + 1 }

export function analyse (outcomes: readonly ConversationOutcome[], n8n: readonly N8nHandoff[] = []): Analysis {
  let leadMessages = 0
  let acknowledged = 0
  let repliesSent = 0
  let unattributed = 0
  let dupSame = 0
  let dupBelow = 0
  let outOfOrder = 0
  let lost = 0
  let conversationsWithLoss = 0
  let handedOffUnanswered = 0
  let withoutNote = 0
  let notesNotOpened = 0
  let openedByChatwoot = 0
  const lostSample: LostMessage[] = []
  const flagged: number[] = []
  const byReason: Record<string, number> = {}
  const latencies: number[] = []

  for (const c of outcomes) {
    leadMessages += c.leads.length
    const leads = [...c.leads].sort((a, b) => a.messageId - b.messageId)
    const coveredAt = new Map<number, number>()
    const answered = new Set<number>()
    let max = -Infinity
    let cursor = 0
    const reasons: string[] = []
    const badBefore = dupSame + dupBelow
    for (const m of [...c.botMessages].sort((a, b) => a.id - b.id)) {
      if (m.private) {
        const reason = noteReason(m.content)
        if (reason !== undefined) reasons.push(reason)
        continue
      }
      repliesSent++
      const key = replyKey(m.echoId, c.accountId, c.conversationId)
      if (key === undefined) {
        unattributed++
        continue
      }
      if (answered.has(key)) {
        dupSame++
        continue
      }
      answered.add(key)
      if (key < max) {
        dupBelow++
        outOfOrder++
        continue
      }
      max = key
      // Covers every lead message up to its key not covered before.
      while (cursor < leads.length && (leads[cursor]?.messageId ?? Infinity) <= key) {
        const lead = leads[cursor++]
        if (lead !== undefined) coveredAt.set(lead.messageId, m.at)
      }
    }

    const handedOffByBot = c.status === 'open' && !c.openedByChatwoot
    if (c.openedByChatwoot) openedByChatwoot++
    if (handedOffByBot) {
      bump(byReason, reasons[0] ?? 'unknown')
      if (reasons.length === 0) withoutNote++
    } else if (reasons.length > 0 && c.status !== 'open') {
      notesNotOpened++
    }
    const exempt = handedOffByBot || c.openedByChatwoot

    let lostHere = 0
    for (const lead of leads) {
      if (lead.ackSentAt === undefined) continue
      acknowledged++
      const at = coveredAt.get(lead.messageId)
      if (at !== undefined) {
        latencies.push(at - lead.ackSentAt)
      } else if (exempt) {
        handedOffUnanswered++
      } else {
        lostHere++
        if (lostSample.length < 20) lostSample.push({ conversationId: c.conversationId, messageId: lead.messageId })
      }
    }
    lost += lostHere
    if (lostHere > 0) conversationsWithLoss++
    if (lostHere > 0 || dupSame + dupBelow > badBefore) flagged.push(c.conversationId)
  }

  const n8nByReason: Record<string, number> = {}
  const seen = new Set<string>()
  for (const h of n8n) {
    const key = h.idempotencyKey ?? `${String(h.conversationId)}:${String(h.reason)}`
    if (seen.has(key)) continue
    seen.add(key)
    bump(n8nByReason, h.reason ?? 'unknown')
  }

  latencies.sort((a, b) => a - b)
  return {
    conversations: outcomes.length,
    leadMessages,
    acknowledged,
    repliesSent,
    unattributedReplies: unattributed,
    duplicates: dupSame + dupBelow,
    duplicatesSameKey: dupSame,
    duplicatesBelowAnswered: dupBelow,
    outOfOrder,
    lost,
    lostSample,
    conversationsWithLoss,
    flagged,
    handedOffUnanswered,
    handoffsByReason: byReason,
    handoffsWithoutNote: withoutNote,
    handoffNotesNotOpened: notesNotOpened,
    openedByChatwoot,
    n8nHandoffsByReason: n8nByReason,
    latency: { count: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
  }
}

/** The newest message of a conversation, as GET conversation shows it (a bot cannot list messages). */
export interface NewestMessage {
  readonly id: number
  readonly content: string | null
  readonly messageType: string
  readonly private: boolean
  readonly fromAgentBot: boolean
  /** Only while Chatwoot still holds the transient echo id of the send. */
  readonly echoId?: string | undefined
  /** Epoch seconds, when Chatwoot gave it. */
  readonly createdAt?: number | undefined
}

/** The reply whose send failed ambiguously. */
export interface SentReply {
  readonly text: string
  readonly private: boolean
  /**
   * The newest message known to exist before this send: the lead's message the reply answers, or
   * the bot's own previous message when that came later. Without it, only text and time tell.
   */
  readonly afterMessageId?: number | undefined
  /** Our echo id: a newest message that still carries another one is not ours. */
  readonly echoId?: string | undefined
  /** When the send began (epoch seconds): without afterMessageId, an older message is not ours. */
  readonly sentAtSeconds?: number | undefined
}

/** Without a message id to go by, a message of ours may look at most this much older than the send (clock skew). */
export const RECONCILE_SKEW_SECONDS = 120

const normalise = (text: string): string => text.replace(/\r\n/g, '\n').trim()

/** This text, from the bot, public or private as the reply, and not another send's echo. */
function isOurs (newest: NewestMessage, reply: SentReply): boolean {
  return newest.messageType === 'outgoing' && newest.fromAgentBot && newest.private === reply.private &&
    newest.content !== null && normalise(newest.content) === normalise(reply.text) &&
    (newest.echoId === undefined || reply.echoId === undefined || newest.echoId === reply.echoId)
}

/**
 * Did a reply whose POST failed ambiguously (a timeout, a 5xx, a crash) reach Chatwoot? The one
 * routine for it: the Chatwoot client asks before a retry, the worker when it resumes a turn.
 * Chatwoot has no idempotency key and shows only the newest message, but message ids only grow.
 *
 * With `afterMessageId` (the bot may well repeat a question word for word, so text alone cannot tell):
 * - the newest message is that one (or older): nothing came after it, so the reply did not land;
 * - the newest is newer and is this text, from the bot: it landed;
 * - anything else (the lead wrote again, an agent, another bot message): nobody can tell.
 *
 * Without it, the newest message is ours when it is this text, from the bot, sent no earlier than
 * this send (less the skew): it landed; anything else: it did not.
 */
export function replyLanded (newest: NewestMessage | undefined, reply: SentReply): 'yes' | 'no' | 'unknown' {
  if (reply.afterMessageId === undefined) {
    const recent = newest?.createdAt === undefined || reply.sentAtSeconds === undefined || newest.createdAt >= reply.sentAtSeconds - RECONCILE_SKEW_SECONDS
    return newest !== undefined && recent && isOurs(newest, reply) ? 'yes' : 'no'
  }
  if (newest === undefined) return 'unknown'
  if (newest.id <= reply.afterMessageId) return 'no'
  return isOurs(newest, reply) ? 'yes' : 'unknown'
}

/** The newest message of a conversation, as GET conversation shows it (a bot cannot list messages). */
export interface NewestMessage {
  readonly id: number
  readonly content: string | null
  readonly messageType: string
  readonly private: boolean
  readonly fromAgentBot: boolean
}

const normalise = (text: string): string => text.replace(/\r\n/g, '\n').trim()

/**
 * Did a reply whose POST failed ambiguously (a timeout, a 5xx, a crash) reach Chatwoot? Chatwoot
 * has no idempotency key and shows only the newest message, but message ids only grow.
 * `afterMessageId` is the newest message known to exist before this send: the lead's message the
 * reply answers, or the bot's own previous message when that came later (a lead can write while
 * the bot answers their previous message, and the bot may well repeat a question word for word).
 * - the newest message is that one (or older): nothing came after it, so the reply did not land;
 * - the newest is newer and is this text, from the bot: it landed;
 * - anything else (the lead wrote again, an agent, another bot message): nobody can tell.
 */
export function replyLanded (newest: NewestMessage | undefined, reply: { text: string, private: boolean, afterMessageId: number }): 'yes' | 'no' | 'unknown' {
  if (newest === undefined) return 'unknown'
  if (newest.id <= reply.afterMessageId) return 'no'
  const ours = newest.messageType === 'outgoing' && newest.fromAgentBot && newest.private === reply.private &&
    newest.content !== null && normalise(newest.content) === normalise(reply.text)
  return ours ? 'yes' : 'unknown'
}

// The one name for "which conversation": every store key, lane, log line and Chatwoot path starts here.

/** Identifies one Chatwoot conversation: the unit of ordering, locking and state. */
export interface ConversationRef {
  readonly accountId: number
  /** The conversation's display id, as in REST paths and in the webhook's `conversation.id`. */
  readonly conversationId: number
}

/** The Redis hash tag of a conversation: every key of one conversation lands on one cluster slot. */
export const conversationTag = (ref: ConversationRef): string => `{${ref.accountId}:${ref.conversationId}}`

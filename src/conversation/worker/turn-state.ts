import type { ContactRef } from '../../stores/contacts.js'
import type { MessageJob } from '../inbound.js'
import type { Playbook } from '../playbook.js'
import type { ConversationState, HistoryEntry, Transition } from '../types.js'

// Pure helpers on the conversation state that more than one part of a turn needs.

/** The message ids a state remembers as answered: enough to recognise a redelivery, bounded. */
export const ANSWERED_IDS_KEPT = 100

/** What the lead sent, as text: an audio's transcription counts; other media say what they are. */
export function messageText (job: MessageJob): string {
  const parts = [job.text.trim(), ...job.attachments.map((a) => a.transcribedText?.trim() ?? '')].filter((s) => s !== '')
  return parts.join('\n')
}

/** A lead's text bounded for the history and the prompt: a pasted novel must not cost a fortune. */
export function clip (text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  // Never split an emoji (a surrogate pair) in two.
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return text.slice(0, end) + '…'
}

/** The bot's part of the conversation is over: a human has it, or the lead left the funnel. */
export function botPartEnded (state: ConversationState): boolean {
  return state.owner === 'human' || state.stage === 'disqualified' || state.stage === 'opted_out'
}

/** The ids already answered, with these added; the newest ANSWERED_IDS_KEPT are kept. */
export function answered (state: ConversationState, messageIds: readonly number[]): number[] {
  return [...state.answeredMessageIds, ...messageIds].slice(-ANSWERED_IDS_KEPT)
}

/** The newest message known to exist before a reply: the lead's it answers, or our own last one. */
export function newestKnown (state: ConversationState, key: string): number {
  return Math.max(Number(key), state.lastBotMessageId ?? 0)
}

/**
 * A lead message in a conversation Chatwoot changed after the newest status we know (the "open" of
 * our handoff, or a human's) was sent after someone handed it back: the webhook only accepts
 * messages whose conversation is pending.
 */
export function handedBack (state: ConversationState, job: MessageJob): boolean {
  return state.owner === 'human' && state.handoffPending !== true && state.stage !== 'opted_out' &&
    state.statusAt !== undefined && job.conversationUpdatedAt !== undefined && job.conversationUpdatedAt > state.statusAt
}

/** A turn that hands off, opts out or disqualifies is settled even if its text could not be delivered. */
export function settlesWithoutReply (t: Transition): boolean {
  return t.actions.some((a) => a.type === 'handoff') || t.next.stage === 'opted_out' || t.next.stage === 'disqualified'
}

/** A message as the lead got it: whole when every part landed, else the parts that did. */
export function whatWasSaid (text: string, parts: readonly string[], landed: number): string {
  return landed === parts.length ? text : parts.slice(0, landed).join('\n\n')
}

/** A reply posted: in the history and the state with the version of the playbook that wrote it. */
export function withSent (state: ConversationState, text: string, id: number | undefined, at: number, playbook: Playbook): ConversationState {
  const next = { ...withHistory(state, [{ role: 'bot', text, at, playbookVersion: playbook.version }], playbook), playbookVersion: playbook.version }
  return id === undefined ? next : { ...next, lastBotMessageId: Math.max(state.lastBotMessageId ?? 0, id) }
}

export function withHistory (state: ConversationState, entries: readonly HistoryEntry[], playbook: Playbook): ConversationState {
  if (entries.length === 0) return state
  // Kept bounded: only the model's window (plus slack) is ever needed.
  return { ...state, history: [...state.history, ...entries].slice(-playbook.limits.history_messages * 2) }
}

/** What the lead told of themselves, as Chatwoot's contact fields. */
export function contactPatch (state: ConversationState): { name?: string, email?: string, phone_number?: string } {
  const patch: { name?: string, email?: string, phone_number?: string } = {}
  if (state.fields['name'] !== undefined) patch.name = state.fields['name']
  if (state.fields['email'] !== undefined) patch.email = state.fields['email']
  if (state.fields['phone'] !== undefined) patch.phone_number = state.fields['phone']
  return patch
}

/** The conversation's contact: the newest message's sender, else the one the state remembers. */
export function contactOf (state: ConversationState, jobs: readonly MessageJob[]): ContactRef | undefined {
  const contactId = jobs.at(-1)?.contact.id ?? state.contactId
  return contactId === undefined ? undefined : { accountId: state.ref.accountId, contactId }
}

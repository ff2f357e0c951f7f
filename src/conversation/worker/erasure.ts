import type { ContactRef } from '../../stores/contacts.js'
import type { ConversationState } from '../types.js'
import { erasurePayload } from '../workflow-payloads.js'
import { fireWorkflow, triggerWorkflow } from './actions.js'
import { logIds, type BatchContext, type WorkerContext } from './context.js'

// LGPD/GDPR erasure: what the bot keeps of a conversation and its contact goes, and n8n is told
// (with ids only) so the CRM can follow.

/** Erasure of one conversation: its keys, its state, its timers, and the contact's marks. */
export async function eraseConversationData (ctx: BatchContext, state: ConversationState, requestedBy: 'lead' | 'admin', contactId: number | undefined): Promise<void> {
  const ref = state.ref
  await ctx.eraseConversation(ref)
  await ctx.scheduled.clear(ref)
  if (contactId !== undefined) await ctx.contacts.forget({ accountId: ref.accountId, contactId })
  ctx.observe.erasure(requestedBy)
  // The lead's own request fired its workflow as an action of the turn; the admin's fires here.
  if (requestedBy === 'admin') fireWorkflow(ctx, { ...state, contactId }, 'data_erased', 'admin_request', `admin:${ctx.now()}`, ctx.playbook(state.inboxId))
  ctx.log.info({ ...logIds(ref), requestedBy }, 'Conversation data erased')
}

/** Tells n8n a contact was erased when no conversation of theirs was left to erase. */
export function notifyContactErased (ctx: WorkerContext, contact: ContactRef): void {
  const at = ctx.now()
  const payload = erasurePayload({ accountId: contact.accountId, conversationId: undefined }, contact.contactId, 'admin', at)
  triggerWorkflow(ctx, 'data_erased', payload, `{c:${contact.accountId}:${contact.contactId}}:data_erased:${at}`, { accountId: contact.accountId })
}

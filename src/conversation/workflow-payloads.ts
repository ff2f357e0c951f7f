// The JSON bodies the bot sends to n8n's workflows (version 1 of the contract).
import { labelledFields } from './lead-fields.js'
import type { Playbook } from './playbook.js'
import { leadScore } from './qualification.js'
import type { ConversationState, Workflow } from './types.js'

/** The body of `data_erased`: ids only, since the data itself is what was erased. */
export function erasurePayload (ref: { accountId: number, conversationId: number | undefined }, contactId: number | undefined, requestedBy: 'lead' | 'admin', at: number) {
  return {
    version: 1,
    event: 'data_erased',
    reason: requestedBy === 'lead' ? 'lead_request' : 'admin_request',
    occurred_at: new Date(at).toISOString(),
    account_id: ref.accountId,
    conversation_id: ref.conversationId ?? null,
    contact_id: contactId ?? null,
  }
}

/**
 * The JSON body of every n8n workflow call (version 1). `idempotency_key` is added by the client
 * and repeats on retries: a workflow should ignore a key it has already seen.
 */
export function workflowPayload (state: ConversationState, workflow: Workflow, reason: string, playbook: Playbook, chatwootBaseUrl: string | undefined, at: number) {
  const { accountId, conversationId } = state.ref
  return {
    version: 1,
    event: workflow,
    reason,
    occurred_at: new Date(at).toISOString(),
    account_id: accountId,
    conversation_id: conversationId,
    inbox_id: state.inboxId ?? null,
    contact_id: state.contactId ?? null,
    conversation_url: chatwootBaseUrl !== undefined ? `${chatwootBaseUrl.replace(/\/$/, '')}/app/accounts/${accountId}/conversations/${conversationId}` : null,
    stage: state.stage,
    score: leadScore(playbook, state.fields),
    language: state.language,
    fields: labelledFields(playbook, state.fields),
    playbook_version: playbook.version,
  }
}

import { localize, type Playbook } from './playbook.js'
import { leadScore, missingRequired } from './qualification.js'
import type { ConversationState, HandoffReason, Workflow } from './types.js'

const REASON_TEXT: Record<HandoffReason, string> = {
  qualified: 'lead qualificado',
  wants_human: 'o lead pediu uma pessoa',
  wants_meeting: 'o lead pediu uma reunião',
  max_turns: 'limite de mensagens do bot atingido',
  delivery_failed: 'o bot não conseguiu entregar a resposta',
  processing_failed: 'erro do bot ao processar a mensagem',
  budget_exhausted: 'orçamento de IA da conversa esgotado',
  erasure_requested: 'o lead pediu a exclusão dos seus dados (LGPD): os dados do bot já foram apagados; conclua no Chatwoot e no CRM',
  contact_opted_out: 'este contato pediu para não receber mensagens do bot (do-not-contact): responda só se for o caso',
}

/** Enough digits for a fraction of a cent, without float noise. */
export function formatCost (amount: number): string {
  return String(Number(amount.toFixed(6)))
}

/** The private note humans read when they take over: fields, score, why, and the playbook's internal notes. */
export function handoffNote (state: ConversationState, reason: HandoffReason, playbook: Playbook): string {
  const lines = [
    `🤖 SDR bot → humano: ${REASON_TEXT[reason]} (${reason})`,
    `Score: ${leadScore(playbook, state.fields)}/100 · etapa: ${state.stage} · idioma: ${state.language} · mensagens do bot: ${state.botTurns}`,
  ]
  for (const f of playbook.qualification.fields) {
    const value = state.fields[f.key]
    if (value !== undefined) lines.push(`• ${localize(f.label, playbook.language, playbook.language)}: ${value}`)
  }
  const missing = missingRequired(playbook, state.fields)
  if (missing.length > 0) lines.push(`Faltando: ${missing.join(', ')}`)
  if (playbook.private_notes !== undefined) lines.push(`Notas internas: ${playbook.private_notes}`)
  if (state.llm !== undefined) {
    lines.push(`Custo estimado de IA: ${formatCost(state.llm.cost)} ${state.llm.currency} · tokens ${state.llm.promptTokens} + ${state.llm.completionTokens}`)
  }
  lines.push(`Playbook ${playbook.version}`)
  return lines.join('\n')
}

/** What the bot keeps in Chatwoot's conversation custom attributes (merged, never replacing others). */
export function qualificationAttributes (state: ConversationState, playbook: Playbook): Record<string, string | number> {
  const attrs: Record<string, string | number> = {
    sdr_stage: state.stage,
    sdr_score: leadScore(playbook, state.fields),
    sdr_playbook_version: playbook.version,
  }
  for (const [k, v] of Object.entries(state.fields)) attrs[`lead_${k}`] = v
  return attrs
}

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
    fields: { ...state.fields },
    playbook_version: playbook.version,
  }
}

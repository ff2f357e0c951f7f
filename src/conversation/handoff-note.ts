// The private note people read when the bot hands a conversation over, in the sales team's language.
import { baseOf } from './localized.js'
import { fieldDisplay, fieldLabel } from './lead-fields.js'
import type { Playbook } from './playbook.js'
import { leadScore, missingRequired } from './qualification.js'
import type { ConversationState, HandoffReason, Stage } from './types.js'

/** The note's words, in the languages a sales team may run the playbook in (its `language`). */
interface NoteWords {
  readonly reasons: Record<HandoffReason, string>
  readonly stages: Record<Stage, string>
  readonly heading: string
  readonly score: string
  readonly stage: string
  readonly language: string
  readonly botMessages: string
  readonly missing: string
  readonly internalNotes: string
  readonly aiCost: string
  readonly languages: Readonly<Record<string, string>>
}

const PT: NoteWords = {
  reasons: {
    qualified: 'lead qualificado',
    wants_human: 'o lead pediu uma pessoa',
    wants_meeting: 'o lead pediu uma reunião',
    max_turns: 'limite de mensagens do bot atingido',
    delivery_failed: 'o bot não conseguiu entregar a resposta',
    processing_failed: 'erro do bot ao processar a mensagem',
    budget_exhausted: 'orçamento de IA da conversa esgotado',
    erasure_requested: 'o lead pediu a exclusão dos seus dados (LGPD): os dados do bot já foram apagados; conclua no Chatwoot e no CRM',
    contact_opted_out: 'este contato pediu para não receber mensagens do bot (do-not-contact): responda só se for o caso',
    stalled: 'a conversa não avançava: o bot perguntou de outras formas e não obteve resposta',
    wrote_after_close: 'o lead escreveu de novo depois que o bot encerrou a conversa',
  },
  stages: { new: 'nova', qualifying: 'em qualificação', qualified: 'qualificado', handoff: 'com o time', disqualified: 'desqualificado', opted_out: 'pediu para não ser contatado' },
  heading: 'SDR bot → humano',
  score: 'Pontuação',
  stage: 'etapa',
  language: 'idioma do lead',
  botMessages: 'mensagens do bot',
  missing: 'Faltando',
  internalNotes: 'Notas internas',
  aiCost: 'Custo estimado de IA',
  languages: { pt: 'português', en: 'inglês', es: 'espanhol' },
}

const EN: NoteWords = {
  reasons: {
    qualified: 'qualified lead',
    wants_human: 'the lead asked for a person',
    wants_meeting: 'the lead asked for a meeting',
    max_turns: "the bot's message limit was reached",
    delivery_failed: 'the bot could not deliver its answer',
    processing_failed: 'the bot failed to process the message',
    budget_exhausted: "the conversation's AI budget ran out",
    erasure_requested: "the lead asked for their data to be erased (GDPR/LGPD): the bot's data is already erased; finish in Chatwoot and the CRM",
    contact_opted_out: 'this contact asked not to get messages from the bot (do-not-contact): answer only if needed',
    stalled: 'the conversation was not moving: the bot asked in other ways and got no answer',
    wrote_after_close: 'the lead wrote again after the bot closed the conversation',
  },
  stages: { new: 'new', qualifying: 'qualifying', qualified: 'qualified', handoff: 'with the team', disqualified: 'disqualified', opted_out: 'asked not to be contacted' },
  heading: 'SDR bot → human',
  score: 'Score',
  stage: 'stage',
  language: "lead's language",
  botMessages: 'bot messages',
  missing: 'Missing',
  internalNotes: 'Internal notes',
  aiCost: 'Estimated AI cost',
  languages: { pt: 'Portuguese', en: 'English', es: 'Spanish' },
}

const ES: NoteWords = {
  reasons: {
    qualified: 'lead calificado',
    wants_human: 'el lead pidió una persona',
    wants_meeting: 'el lead pidió una reunión',
    max_turns: 'se alcanzó el límite de mensajes del bot',
    delivery_failed: 'el bot no pudo entregar su respuesta',
    processing_failed: 'error del bot al procesar el mensaje',
    budget_exhausted: 'se agotó el presupuesto de IA de la conversación',
    erasure_requested: 'el lead pidió borrar sus datos (RGPD/LGPD): los datos del bot ya se borraron; termina en Chatwoot y en el CRM',
    contact_opted_out: 'este contacto pidió no recibir mensajes del bot (do-not-contact): responde solo si hace falta',
    stalled: 'la conversación no avanzaba: el bot preguntó de otras formas y no obtuvo respuesta',
    wrote_after_close: 'el lead volvió a escribir después de que el bot cerró la conversación',
  },
  stages: { new: 'nueva', qualifying: 'en calificación', qualified: 'calificado', handoff: 'con el equipo', disqualified: 'descalificado', opted_out: 'pidió no ser contactado' },
  heading: 'SDR bot → humano',
  score: 'Puntuación',
  stage: 'etapa',
  language: 'idioma del lead',
  botMessages: 'mensajes del bot',
  missing: 'Faltan',
  internalNotes: 'Notas internas',
  aiCost: 'Costo estimado de IA',
  languages: { pt: 'portugués', en: 'inglés', es: 'español' },
}

const NOTE_WORDS: Readonly<Record<string, NoteWords>> = { pt: PT, en: EN, es: ES }

/** The note's words in the playbook's language (the sales team's), English for one we do not have. */
function noteWords (playbook: Playbook): NoteWords {
  return NOTE_WORDS[baseOf(playbook.language)] ?? EN
}

/** Enough digits for a fraction of a cent, without float noise. */
export function formatCost (amount: number): string {
  return String(Number(amount.toFixed(6)))
}

/**
 * The private note humans read when they take over, in the playbook's language: why, the score,
 * what the lead told (labels and choice titles, never machine values), what is missing, and the
 * playbook's internal notes.
 */
export function handoffNote (state: ConversationState, reason: HandoffReason, playbook: Playbook): string {
  const w = noteWords(playbook)
  const language = w.languages[baseOf(state.language)] ?? state.language
  const lines = [
    // The code stays in parentheses: a stable word to search notes and build Chatwoot filters on.
    `🤖 ${w.heading}: ${w.reasons[reason]} (${reason})`,
    `${w.score}: ${leadScore(playbook, state.fields)}/100 · ${w.stage}: ${w.stages[state.stage]} · ${w.language}: ${language} · ${w.botMessages}: ${state.botTurns}`,
  ]
  for (const f of playbook.qualification.fields) {
    const value = state.fields[f.key]
    if (value !== undefined) lines.push(`• ${fieldLabel(playbook, f.key)}: ${fieldDisplay(playbook, f.key, value)}`)
  }
  const missing = missingRequired(playbook, state.fields)
  if (missing.length > 0) lines.push(`${w.missing}: ${missing.map((k) => fieldLabel(playbook, k)).join(', ')}`)
  if (playbook.private_notes !== undefined) lines.push(`${w.internalNotes}: ${playbook.private_notes}`)
  if (state.llm !== undefined) {
    lines.push(`${w.aiCost}: ${formatCost(state.llm.cost)} ${state.llm.currency} · tokens ${state.llm.promptTokens} + ${state.llm.completionTokens}`)
  }
  lines.push(`Playbook ${playbook.version}`)
  return lines.join('\n')
}

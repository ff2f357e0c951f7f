import { budgetExhausted } from './costs.js'
import { businessHoursOf, leadText, type Localized, type Playbook } from './playbook.js'
import { disqualifyingField, isQualified, nextField, sanitizeFields } from './qualification.js'
import type { Action, ConversationState, HandoffReason, MachineInput, Stage, Transition, TurnAnalysis, Workflow } from './types.js'

// The SDR conversation as a pure function: (state, input, playbook) → (next state, actions).
// Nothing the model writes acts by itself: only these rules turn a reading into actions.

const NO_ACTIONS: readonly Action[] = []

export function decide (state: ConversationState, input: MachineInput, playbook: Playbook): Transition {
  switch (input.type) {
    case 'chatwoot_status':
      return onStatus(state, input.status, input.at, playbook)
    case 'delivery_failed':
      if (state.owner === 'human' || state.stage === 'opted_out') return { next: state, actions: NO_ACTIONS }
      return handoff({ ...state, updatedAt: input.at }, 'delivery_failed', [], playbook, false)
    case 'lead_turn':
      return onLeadTurn(state, input.analysis, input.at, playbook)
  }
}

function onStatus (state: ConversationState, status: 'open' | 'pending' | 'resolved' | 'snoozed', at: number, playbook: Playbook): Transition {
  if (status === 'open' || status === 'snoozed') {
    // A human has it in Chatwoot: any handoff of ours still pending is done.
    if (state.owner === 'human' && state.handoffPending !== true) return { next: state, actions: NO_ACTIONS }
    return { next: { ...state, owner: 'human', handoffPending: false, updatedAt: at }, actions: NO_ACTIONS }
  }
  // pending (handed back to the bot) or resolved (the next lead message reopens it as pending).
  if (state.owner === 'bot') return { next: state, actions: NO_ACTIONS }
  const stage: Stage = state.stage === 'handoff' ? (isQualified(playbook, state.fields) ? 'qualified' : 'qualifying') : state.stage
  // What was said while a human had it is not ours to re-read; the turn and cost budgets start again.
  const llm = state.llm === undefined ? undefined : { ...state.llm, budgetSpent: 0 }
  return { next: { ...state, owner: 'bot', stage, askedField: undefined, botTurns: 0, handoffReason: undefined, handoffPending: false, updatedAt: at, ...(llm !== undefined ? { llm } : {}) }, actions: NO_ACTIONS }
}

/** Bounded at a sentence or word boundary, so a long model answer never floods the lead. */
export function boundReply (reply: string, max: number): string {
  const clean = reply.replace(/[ \t]+\n/g, '\n').trim()
  if (clean.length <= max) return clean
  const cut = clean.slice(0, max - 1)
  const sentence = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '), cut.lastIndexOf('\n'))
  if (sentence > max * 0.5) return cut.slice(0, sentence + 1).trim()
  const word = cut.lastIndexOf(' ')
  return (word > max * 0.5 ? cut.slice(0, word) : cut).trim() + '…'
}

/** Lower case, no accents, words separated by single spaces: how a repeated note is recognised. */
function words (text: string): string[] {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '')
}

const NOTE_RUN = 6

/**
 * True when a reply repeats the playbook's private notes (agents only): any run of NOTE_RUN words of
 * one of their sentences, or a shorter sentence whole. The model never sees the notes, so this is the
 * last guard should they ever reach it (a prompt change, a model that saw an agent's private note).
 */
export function revealsPrivateNotes (reply: string, playbook: Playbook): boolean {
  if (playbook.private_notes === undefined || reply.trim() === '') return false
  const text = ` ${words(reply).join(' ')} `
  return playbook.private_notes.split(/[.!?;\n]+/).some((sentence) => {
    const w = words(sentence)
    if (w.length < NOTE_RUN) return w.length >= 3 && text.includes(` ${w.join(' ')} `)
    for (let i = 0; i + NOTE_RUN <= w.length; i++) if (text.includes(` ${w.slice(i, i + NOTE_RUN).join(' ')} `)) return true
    return false
  })
}

function fire (state: ConversationState, workflow: Workflow, reason: string, actions: Action[], once: boolean): ConversationState {
  if (once && state.workflowsFired.includes(workflow)) return state
  actions.push({ type: 'trigger_workflow', workflow, reason })
  return state.workflowsFired.includes(workflow) ? state : { ...state, workflowsFired: [...state.workflowsFired, workflow] }
}

/**
 * Out of business hours a handoff's message also says when a person will answer. The bot keeps
 * qualifying at any hour; only what it promises about humans changes.
 */
function withOpeningHours (lead: Action[], state: ConversationState, playbook: Playbook, at: number): Action[] {
  const hours = businessHoursOf(playbook)
  if (hours === undefined || hours.isOpen(at)) return lead
  const opens = hours.nextOpening(at)
  if (opens === undefined) return lead
  const note = leadText(playbook, playbook.texts.out_of_hours, state, { next_open: hours.describe(opens, state.language) })
  // Not cut to max_reply_chars: the lead must read both the handoff and when to expect an answer.
  return lead.map((a) => a.type === 'reply' ? { ...a, text: `${a.text}\n\n${note}` } : a)
}

function handoff (state: ConversationState, reason: HandoffReason, leadActions: Action[], playbook: Playbook, qualified: boolean): Transition {
  const lead = withOpeningHours(leadActions, state, playbook, state.updatedAt)
  const actions: Action[] = [...lead, { type: 'record_qualification' }, { type: 'add_labels', labels: [qualified ? playbook.labels.qualified : playbook.labels.handoff] }, { type: 'update_contact' }]
  let next: ConversationState = { ...state, stage: qualified ? 'qualified' : 'handoff', owner: 'human', handoffReason: reason, askedField: undefined }
  if (qualified) next = fire(next, 'lead_qualified', reason, actions, true)
  actions.push({ type: 'handoff', reason })
  next = fire(next, 'handoff', reason, actions, false)
  return { next, actions }
}

function onLeadTurn (state: ConversationState, analysis: TurnAnalysis, at: number, playbook: Playbook): Transition {
  // Opted out: never written to again. A human's conversation: the bot is silent.
  if (state.stage === 'opted_out' || state.owner === 'human') return { next: state, actions: NO_ACTIONS }

  const extracted = sanitizeFields(playbook, analysis.fields)
  const fields = { ...state.fields, ...extracted }
  const fieldsChanged = Object.entries(extracted).some(([k, v]) => state.fields[k] !== v)
  const base: ConversationState = {
    ...state,
    fields,
    language: analysis.language.trim() !== '' ? analysis.language : state.language,
    botTurns: state.botTurns + 1,
    updatedAt: at,
  }
  const say = (t: Localized): Action => ({ type: 'reply', text: leadText(playbook, t, base) })
  const isFirstTurn = state.stage === 'new'
  const max = playbook.limits.max_reply_chars
  // The model's words are untrusted: an answer that repeats the agents' private notes is dropped.
  const modelReply = revealsPrivateNotes(analysis.reply, playbook) ? '' : analysis.reply

  if (analysis.intent === 'opt_out') {
    const actions: Action[] = [say(playbook.texts.opt_out), { type: 'add_labels', labels: [playbook.labels.opted_out] }, { type: 'record_qualification' }]
    const next = fire({ ...base, stage: 'opted_out', askedField: undefined }, 'lead_disqualified', 'opted_out', actions, true)
    return { next, actions }
  }
  if (analysis.intent === 'erase_data') {
    // LGPD/GDPR: confirm, tell n8n (the CRM erases too), hand to a person (Chatwoot holds the
    // messages), and the worker erases what we hold instead of saving this state.
    const actions: Action[] = [say(playbook.texts.erasure)]
    const next = fire({ ...base, stage: 'opted_out', owner: 'human', handoffReason: 'erasure_requested', askedField: undefined, eraseRequested: true }, 'data_erased', 'lead_request', actions, true)
    actions.push({ type: 'handoff', reason: 'erasure_requested' })
    return { next, actions }
  }
  if (analysis.intent === 'wants_human') return handoff(base, 'wants_human', [say(playbook.texts.handoff)], playbook, false)
  if (analysis.intent === 'wants_meeting') {
    const qualified = isQualified(playbook, fields)
    const t = handoff(base, 'wants_meeting', [say(playbook.texts.meeting)], playbook, qualified)
    const actions = [...t.actions]
    const next = fire(t.next, 'meeting_requested', 'wants_meeting', actions, true)
    return { next, actions }
  }
  const disqualifier = analysis.intent === 'not_interested' ? 'not_interested' : disqualifyingField(playbook, fields)
  if (disqualifier !== undefined) {
    const actions: Action[] = [say(playbook.texts.not_interested), { type: 'add_labels', labels: [playbook.labels.disqualified] }, { type: 'record_qualification' }]
    const next = fire({ ...base, stage: 'disqualified', askedField: undefined }, 'lead_disqualified', disqualifier, actions, true)
    return { next, actions }
  }

  const ask = nextField(playbook, fields, state.askedCounts)
  if (state.stage !== 'qualified' && ask === undefined && isQualified(playbook, fields)) {
    const answer = analysis.intent === 'asks_question' ? modelReply : ''
    const reply = boundReply([answer, leadText(playbook, playbook.texts.qualified, base)].filter((s) => s !== '').join('\n\n'), max)
    return handoff(base, 'qualified', [{ type: 'reply', text: reply }], playbook, true)
  }
  if (base.botTurns > playbook.limits.max_bot_turns) {
    return handoff(base, 'max_turns', [say(playbook.texts.handoff)], playbook, false)
  }
  // The model's spend on this conversation reached the playbook's budget (this turn's call included).
  if (budgetExhausted(base, playbook)) {
    return handoff(base, 'budget_exhausted', [say(playbook.texts.handoff)], playbook, false)
  }

  // Keep qualifying: the brain's answer or acknowledgement, then the next question from the playbook.
  const parts: string[] = []
  if (isFirstTurn) parts.push(leadText(playbook, playbook.texts.greeting, base))
  const answer = modelReply.trim()
  if (answer !== '') parts.push(answer)
  else if (fieldsChanged && !isFirstTurn) parts.push(leadText(playbook, playbook.texts.acknowledge, base))
  if (ask !== undefined) parts.push(leadText(playbook, ask.question, base))
  else if (answer === '') parts.push(leadText(playbook, playbook.texts.out_of_scope, base))

  const reply: Action = ask?.choices !== undefined
    ? { type: 'reply', text: boundReply(parts.join('\n\n'), max), choices: ask.choices }
    : { type: 'reply', text: boundReply(parts.join('\n\n'), max) }
  const actions: Action[] = [reply]
  if (fieldsChanged) actions.push({ type: 'record_qualification' }, { type: 'update_contact' })
  const next: ConversationState = {
    ...base,
    stage: state.stage === 'qualified' ? 'qualified' : 'qualifying',
    askedField: ask?.key,
    askedCounts: ask === undefined ? base.askedCounts : { ...base.askedCounts, [ask.key]: (base.askedCounts[ask.key] ?? 0) + 1 },
  }
  return { next, actions }
}

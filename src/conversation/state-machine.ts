import { budgetExhausted } from './costs.js'
import { disqualifiedReply, disqualifyingValue } from './disqualify.js'
import { businessHoursOf, inLeadLanguage, leadText, type FieldSpec, type Localized, type Playbook } from './playbook.js'
import { speakingLanguage } from './playbook-languages.js'
import { IDENTITY_FIELDS, isQualified, nextField, sanitizeFields } from './qualification.js'
import type { Action, Choice, ConversationState, HandoffReason, MachineInput, Stage, Transition, TurnAnalysis, Workflow } from './types.js'

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
  return { next: { ...state, owner: 'bot', stage, askedField: undefined, askedCounts: {}, stalls: 0, botTurns: 0, handoffReason: undefined, handoffPending: false, updatedAt: at, ...(llm !== undefined ? { llm } : {}) }, actions: NO_ACTIONS }
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
  const note = leadText(playbook, playbook.texts.out_of_hours, state, { next_open: hours.describe(opens, speakingLanguage(playbook, state.language)) })
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

  const { base, toldValues, fieldsChanged } = takeInTurn(state, analysis, at, playbook)
  const { fields } = base
  const say = (t: Localized): Action => replyOf(playbook, base, t)
  // The model's words are untrusted: an answer that repeats the agents' private notes is dropped.
  const answer = (revealsPrivateNotes(analysis.reply, playbook) ? '' : analysis.reply).trim()

  if (analysis.intent === 'opt_out') return optOut(base, playbook)
  if (analysis.intent === 'erase_data') return eraseData(base, playbook)
  if (analysis.intent === 'wants_human') return handoff(base, 'wants_human', [say(playbook.texts.handoff)], playbook, false)
  if (state.stage === 'disqualified') return afterTheEnd(base, analysis, answer, toldValues, playbook)
  // A job seeker's "need" or a vendor's "meeting" are what makes them off-target: nothing of theirs is kept.
  if (analysis.disqualify !== undefined) return disqualify({ ...base, fields: withoutNeed(state.fields) }, analysis.disqualify, playbook)
  if (analysis.intent === 'wants_meeting') return wantsMeeting(base, playbook)
  const disqualifier = analysis.intent === 'not_interested' ? 'not_interested' : disqualifyingValue(playbook, fields)
  if (disqualifier !== undefined) return disqualify(base, disqualifier, playbook)

  const ask = nextField(playbook, fields, state.askedCounts)
  if (state.stage !== 'qualified' && ask === undefined && isQualified(playbook, fields)) {
    const reply = boundReply([answer, leadText(playbook, playbook.texts.qualified, base)].filter((s) => s !== '').join('\n\n'), playbook.limits.max_reply_chars)
    return handoff(base, 'qualified', [{ type: 'reply', text: reply }], playbook, true)
  }
  if (base.botTurns > playbook.limits.max_bot_turns) {
    return handoff(base, 'max_turns', [say(playbook.texts.handoff)], playbook, false)
  }
  // The model's spend on this conversation reached the playbook's budget (this turn's call included).
  if (budgetExhausted(base, playbook)) {
    return handoff(base, 'budget_exhausted', [say(playbook.texts.handoff)], playbook, false)
  }
  // Nothing left to ask (a conversation handed back after qualification): answer, or say goodbye.
  if (ask === undefined && state.stage === 'qualified') return afterTheEnd(base, analysis, answer, toldValues, playbook)
  // Everything asked as often as it may be and the rule still not met: a person, not a loop.
  if (ask === undefined) return handoff(base, 'stalled', [say(playbook.texts.stalled)], playbook, false)
  return keepQualifying(state, base, analysis, { answer, ask, fieldsChanged }, playbook)
}

/** A playbook text, as a reply in the lead's language. */
function replyOf (playbook: Playbook, lead: ConversationState, t: Localized): Action {
  return { type: 'reply', text: leadText(playbook, t, lead) }
}

interface TakenIn {
  /** The state after this message, before any decision: its fields, language and turn count. */
  readonly base: ConversationState
  /** A value at all this turn (known ones included): what an off-target lead's message tells a seller. */
  readonly toldValues: boolean
  /** A field got a new value: progress, and worth recording. */
  readonly fieldsChanged: boolean
}

/** What the lead's message changes whatever is decided: the fields it gave (sanitized, who they are never rewritten), its language, the turn count. */
function takeInTurn (state: ConversationState, analysis: TurnAnalysis, at: number, playbook: Playbook): TakenIn {
  const sanitized = sanitizeFields(playbook, analysis.fields)
  const extracted = withoutRewrites(state.fields, sanitized)
  const base: ConversationState = {
    ...state,
    fields: { ...state.fields, ...extracted },
    language: analysis.language.trim() !== '' ? analysis.language : state.language,
    botTurns: state.botTurns + 1,
    updatedAt: at,
  }
  return {
    base,
    toldValues: Object.keys(sanitized).length > 0,
    fieldsChanged: Object.entries(extracted).some(([k, v]) => state.fields[k] !== v),
  }
}

function optOut (base: ConversationState, playbook: Playbook): Transition {
  const actions: Action[] = [replyOf(playbook, base, playbook.texts.opt_out), { type: 'add_labels', labels: [playbook.labels.opted_out] }, { type: 'record_qualification' }]
  const next = fire({ ...base, stage: 'opted_out', askedField: undefined }, 'lead_disqualified', 'opted_out', actions, true)
  return { next, actions }
}

/**
 * LGPD/GDPR: confirm, tell n8n (the CRM erases too), hand to a person (Chatwoot holds the
 * messages), and the worker erases what we hold instead of saving this state.
 */
function eraseData (base: ConversationState, playbook: Playbook): Transition {
  const actions: Action[] = [replyOf(playbook, base, playbook.texts.erasure)]
  const next = fire({ ...base, stage: 'opted_out', owner: 'human', handoffReason: 'erasure_requested', askedField: undefined, eraseRequested: true }, 'data_erased', 'lead_request', actions, true)
  actions.push({ type: 'handoff', reason: 'erasure_requested' })
  return { next, actions }
}

/** A meeting is a seller's job: a handoff (qualified or not), and meeting_requested once. */
function wantsMeeting (base: ConversationState, playbook: Playbook): Transition {
  const qualified = isQualified(playbook, base.fields)
  const t = handoff(base, 'wants_meeting', [replyOf(playbook, base, playbook.texts.meeting)], playbook, qualified)
  const actions = [...t.actions]
  const next = fire(t.next, 'meeting_requested', 'wants_meeting', actions, true)
  return { next, actions }
}

/** Asks the next field, unless the lead has got nowhere for too many turns (then a person). */
function keepQualifying (state: ConversationState, base: ConversationState, analysis: TurnAnalysis, turn: Omit<TurnPieces, 'stalls'>, playbook: Playbook): Transition {
  const { answer, ask, fieldsChanged } = turn
  // Progress: the lead told us something, or got a real answer to their question.
  const answered = analysis.intent === 'asks_question' && answer !== '' && !isOutOfScope(answer, playbook)
  // Nothing asked yet (a greeting, a handback): there was no question to get nowhere with.
  const stalls = fieldsChanged || answered || state.askedField === undefined ? 0 : (state.stalls ?? 0) + 1
  if (stalls >= STALLS_BEFORE_A_PERSON) return handoff({ ...base, stalls }, 'stalled', [replyOf(playbook, base, playbook.texts.stalled)], playbook, false)

  const reply = nextReply(state, base, { answer, ask, stalls, fieldsChanged }, playbook)
  const actions: Action[] = [reply]
  if (fieldsChanged) actions.push({ type: 'record_qualification' }, { type: 'update_contact' })
  const next: ConversationState = {
    ...base,
    stage: state.stage === 'qualified' ? 'qualified' : 'qualifying',
    askedField: ask.key,
    askedCounts: { ...base.askedCounts, [ask.key]: (base.askedCounts[ask.key] ?? 0) + 1 },
    stalls,
  }
  return { next, actions }
}

/** An off-target lead's "need" (a job, a clinic appointment) is not one: n8n and the team should not read it as such. */
function withoutNeed (fields: Readonly<Record<string, string>>): Record<string, string> {
  const { need: _need, ...rest } = fields
  return rest
}

/** A short, polite closing for a lead the team does not sell to, and lead_disqualified with why. */
function disqualify (base: ConversationState, reason: string, playbook: Playbook): Transition {
  const actions: Action[] = [{ type: 'reply', text: leadText(playbook, disqualifiedReply(playbook, reason), base) }, { type: 'add_labels', labels: [playbook.labels.disqualified] }, { type: 'record_qualification' }]
  const next = fire({ ...base, stage: 'disqualified', askedField: undefined, stalls: 0 }, 'lead_disqualified', reason, actions, true)
  return { next, actions }
}

/** Who the lead is does not change mid-conversation: a later "company" is a misreading (a phone, a joke). */
function withoutRewrites (known: Readonly<Record<string, string>>, extracted: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(extracted).filter(([k]) => !IDENTITY_FIELDS.includes(k) || known[k] === undefined))
}

/** Turns in a row without progress after which the bot offers a person instead of asking again. */
const STALLS_BEFORE_A_PERSON = 3

interface TurnPieces {
  /** The brain's answer to the lead's question ('' when there is none). */
  readonly answer: string
  readonly ask: FieldSpec
  readonly stalls: number
  readonly fieldsChanged: boolean
}

/**
 * The message that keeps qualifying: greeting on the first turn, then the answer or a thank-you
 * for what was learned, then one question, asked otherwise when the last one got nowhere. Never
 * the bot's previous message again, word for word.
 */
function nextReply (state: ConversationState, base: ConversationState, turn: TurnPieces, playbook: Playbook): Action {
  const text = (t: Localized): string => leadText(playbook, t, base)
  const { ask } = turn
  const opening: string[] = []
  if (state.stage === 'new') opening.push(text(playbook.texts.greeting))
  if (turn.answer !== '') opening.push(turn.answer)
  else if (turn.fieldsChanged && state.stage !== 'new') {
    const thanks = text(playbook.texts.acknowledge)
    opening.push(lastBotText(state)?.startsWith(thanks) === true ? text(playbook.texts.noted) : thanks)
  }

  const listed = ask.choices !== undefined && (state.askedCounts[ask.key] ?? 0) > 0
  const asIs = text(ask.question)
  const announced = `${text(playbook.texts.retry)} ${asIs}`
  const reworded = ask.rephrase === undefined ? announced : text(ask.rephrase)
  // The wording follows how often this field was asked: as written, otherwise (an example), announced.
  const nth = Math.min(state.askedCounts[ask.key] ?? 0, 2)
  const wordings = nth === 0 ? [asIs, reworded] : nth === 1 ? [reworded, announced, asIs] : [announced, reworded, asIs]
  const options = listed ? [text(playbook.texts.choose), ...choicesFor(ask, base, playbook).map((c, i) => `${i + 1}. ${c.title}`)].join('\n') : ''
  const compose = (q: string): string => boundReply([...opening, q, options].filter((s) => s !== '').join('\n\n'), playbook.limits.max_reply_chars)
  // The same words twice in a row read like a broken bot: the first wording that differs from the last message.
  const previous = lastBotText(state)
  const body = wordings.map(compose).find((b) => b !== previous) ?? compose(asIs)
  const choices = ask.choices === undefined ? undefined : choicesFor(ask, base, playbook)
  return choices === undefined ? { type: 'reply', text: body } : { type: 'reply', text: body, choices }
}

/** A choice field's buttons, titled in the lead's language. */
function choicesFor (field: FieldSpec, lead: ConversationState, playbook: Playbook): Choice[] {
  return (field.choices ?? []).map((c) => ({ title: inLeadLanguage(playbook, c.title, lead.language), value: c.value }))
}

function lastBotText (state: ConversationState): string | undefined {
  for (let i = state.history.length - 1; i >= 0; i--) {
    const h = state.history[i]
    if (h?.role === 'bot') return h.text
  }
  return undefined
}

function isOutOfScope (answer: string, playbook: Playbook): boolean {
  return Object.values(playbook.texts.out_of_scope).some((t) => t.trim() === answer)
}

/**
 * The lead writes when the bot has nothing left to ask (disqualified, or qualified and handed
 * back): a question is answered, a closing word gets one short goodbye, anything else goes to a
 * person, so nothing they write is lost and the questions never start over.
 */
function afterTheEnd (base: ConversationState, analysis: TurnAnalysis, answer: string, toldValues: boolean, playbook: Playbook): Transition {
  const goodbye = leadText(playbook, playbook.texts.goodbye, base)
  if (analysis.intent === 'asks_question' && answer !== '' && !isOutOfScope(answer, playbook)) {
    return { next: base, actions: answer === lastBotText(base) ? NO_ACTIONS : [{ type: 'reply', text: boundReply(answer, playbook.limits.max_reply_chars) }] }
  }
  // A closing word, or an off-target lead saying more about themselves ("não tenho empresa, sou estudante"):
  // only a message that tells something a seller could use (a company, a need, a contact) goes to a person.
  const toldSomething = toldValues && analysis.disqualify === undefined
  if (analysis.filler === true || analysis.intent === 'not_interested' || (base.stage === 'disqualified' && !toldSomething)) {
    // An "ok" after our goodbye needs no answer: a second goodbye would be the same text twice.
    return { next: base, actions: lastBotText(base) === goodbye ? NO_ACTIONS : [{ type: 'reply', text: goodbye }] }
  }
  return handoff(base, 'wrote_after_close', [{ type: 'reply', text: leadText(playbook, playbook.texts.handoff, base) }], playbook, base.stage === 'qualified')
}

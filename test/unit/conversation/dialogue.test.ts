import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../../src/conversation/playbook.js'
import { decide } from '../../../src/conversation/state-machine.js'
import { initialState, type Action, type ConversationState, type HistoryEntry, type Transition, type TurnAnalysis } from '../../../src/conversation/types.js'

// The dialogue rules of the state machine (issue #13 point 4): one language per reply, progress or
// another way of asking, a person after three turns that moved nothing, never the same text twice in
// a row, a short goodbye once the bot's part is over, and a polite end for leads the team does not sell to.

const playbook = await loadPlaybook()
const REF = { accountId: 3, conversationId: 77 }
const T0 = 1_787_000_000_000

const st = (overrides: Partial<ConversationState> = {}): ConversationState => ({ ...initialState(REF, 'pt-BR', T0), ...overrides })
const analysis = (a: Partial<TurnAnalysis> = {}): TurnAnalysis => ({ reply: '', fields: {}, intent: 'other', language: 'pt-BR', confidence: 0.5, ...a })
const leadTurn = (state: ConversationState, a: Partial<TurnAnalysis> = {}): Transition => decide(state, { type: 'lead_turn', analysis: analysis({ language: state.language, ...a }), at: T0 + 1000 }, playbook)

function replyOf (t: Transition): Extract<Action, { type: 'reply' }> | undefined {
  return t.actions.find((a): a is Extract<Action, { type: 'reply' }> => a.type === 'reply')
}

/** The transition's next state, with its reply in the history as the worker records it. */
function afterSending (t: Transition): ConversationState {
  const reply = replyOf(t)
  const entry: HistoryEntry[] = reply === undefined ? [] : [{ role: 'bot', text: reply.text, at: T0 }]
  return { ...t.next, history: [...t.next.history, ...entry] }
}

describe('a lead who gives nothing, turn after turn', () => {
  const asked = st({ stage: 'qualifying', askedField: 'company', askedCounts: { name: 1, company: 1 }, fields: { name: 'John Smith' }, language: 'en' })

  it('is asked otherwise (an example), then again, announced, then offered a person (reason stalled)', () => {
    const first = leadTurn({ ...asked, history: [{ role: 'bot', text: 'John, which company are you with?', at: T0 }] })
    const r1 = replyOf(first)?.text ?? ''
    expect(r1).toContain('for example: Acme Logistics')
    expect(first.next.stalls).toBe(1)

    const second = leadTurn(afterSending(first))
    const r2 = replyOf(second)?.text ?? ''
    expect(r2).toBe('Just so I can move on: John, which company are you with?')
    expect(second.next.stalls).toBe(2)

    const third = leadTurn(afterSending(second))
    expect(third.actions).toContainEqual({ type: 'handoff', reason: 'stalled' })
    expect(replyOf(third)?.text).toMatch(/someone on our team can help you better/)
    expect(third.next.owner).toBe('human')
  })

  it('starts counting again when the lead gives something', () => {
    const stalled = { ...asked, stalls: 2 }
    const t = leadTurn(stalled, { fields: { company: 'Acme Logistics' }, intent: 'gives_info' })
    expect(t.next.stalls).toBe(0)
    expect(t.actions.some((a) => a.type === 'handoff')).toBe(false)
  })

  it('lists a choice field\'s options with their numbers when the buttons got nowhere', () => {
    const budget = st({ stage: 'qualifying', language: 'es', askedField: 'budget', askedCounts: { role: 1, budget: 1 }, fields: { name: 'Ana', company: 'Sur', need: 'x', email: 'a@b.co' } })
    const t = leadTurn(budget)
    const reply = replyOf(t)
    expect(reply?.text).toContain('Puedes responder con el número:')
    expect(reply?.text).toContain('1. Hasta R$ 1.000')
    expect(reply?.choices?.map((c) => c.title)).toEqual(['Hasta R$ 1.000', 'R$ 1.000 a 5.000', 'Más de R$ 5.000'])
  })
})

describe('never the same text twice in a row', () => {
  it('thanks by name once, then a short "Anotado!" while the thanks would repeat', () => {
    const state = st({ stage: 'qualifying', askedField: 'company', askedCounts: { name: 1, company: 1 }, fields: { name: 'Maria' }, history: [{ role: 'bot', text: 'Obrigada, Maria!\n\nMaria, de qual empresa você fala?', at: T0 }] })
    const t = leadTurn(state, { fields: { company: 'Acme' }, intent: 'gives_info' })
    expect(replyOf(t)?.text).toBe('Anotado!\n\nQual é o seu cargo por lá?')
  })

  it('rewords a question that would repeat the last message word for word', () => {
    const last = 'Maria, de qual empresa você fala?'
    const state = st({ stage: 'qualifying', askedField: 'name', askedCounts: { name: 1 }, fields: { name: 'Maria' }, history: [{ role: 'bot', text: last, at: T0 }] })
    // The lead answered the name again (no new field): the next question would be the company question.
    const t = leadTurn(state, { fields: {}, intent: 'other' })
    expect(replyOf(t)?.text).not.toBe(last)
  })
})

describe('who the lead is', () => {
  it('is not rewritten once known: a later "company" (a phone misread, a joke) is not taken', () => {
    const known = st({ stage: 'qualifying', askedField: 'email', askedCounts: { email: 1 }, fields: { name: 'Cícero', company: 'Cícero Materiais' } })
    const t = leadTurn(known, { fields: { company: '85 98888.7766', phone: '+5585988887766' }, intent: 'gives_info' })
    expect(t.next.fields).toEqual({ name: 'Cícero', company: 'Cícero Materiais', phone: '+5585988887766' })
  })
})

describe('one language per reply', () => {
  it('greets, answers and asks in English, buttons included, for an English lead', () => {
    const t = leadTurn(st({ language: 'en' }), { intent: 'asks_question', reply: 'Plans are monthly.', language: 'en' })
    const text = replyOf(t)?.text ?? ''
    expect(text).toMatch(/^Hi! I'm Ana, from MrDom/)
    expect(text).toContain("To start, what's your name?")
    expect(text).not.toMatch(/Olá|Para começar|Hola/)
  })

  it('answers a lead in a language the playbook does not speak wholly in the playbook\'s language', () => {
    const t = leadTurn(st({ language: 'fr' }), { language: 'fr' })
    expect(replyOf(t)?.text).toMatch(/^Olá! Eu sou a Ana/)
  })
})

describe('when the bot\'s part is over', () => {
  const closed = st({ stage: 'disqualified', language: 'pt-BR', history: [{ role: 'bot', text: 'Sem problemas!', at: T0 }] })

  it('a closing word gets one short goodbye, not the questions again', () => {
    const t = leadTurn(closed, { filler: true })
    expect(replyOf(t)?.text).toBe('Tudo certo, obrigada pela conversa! Até mais. 👋')
    expect(t.next.stage).toBe('disqualified')
    const again = leadTurn(afterSending(t), { filler: true })
    expect(again.actions).toEqual([])
  })

  it('a question is answered without asking anything', () => {
    const t = leadTurn(closed, { intent: 'asks_question', reply: 'Os planos são mensais.' })
    expect(t.actions).toEqual([{ type: 'reply', text: 'Os planos são mensais.' }])
  })

  it('a lead who says again why they are off-target ("sou só universitária") gets the goodbye, not a person', () => {
    const t = leadTurn(closed, { intent: 'other', disqualify: 'student' })
    expect(replyOf(t)?.text).toBe('Tudo certo, obrigada pela conversa! Até mais. 👋')
    expect(t.actions.some((a) => a.type === 'handoff')).toBe(false)
  })

  it('anything else goes to a person, so nothing the lead wrote is lost', () => {
    const t = leadTurn(closed, { intent: 'gives_info', fields: { need: 'na verdade quero sim' } })
    expect(t.actions).toContainEqual({ type: 'handoff', reason: 'wrote_after_close' })
  })
})

describe('leads the team does not sell to', () => {
  it('keep nothing of what made them off-target: the turn\'s fields and a "need" read earlier', () => {
    const t = leadTurn(st({ stage: 'qualifying', fields: { need: 'reschedule my appointment' } }), { disqualify: 'wrong_number', fields: { name: 'Oops' } })
    expect(t.next.fields).toEqual({})
  })

  it('a job seeker gets the playbook\'s closing for that reason and lead_disqualified, never lead_qualified', () => {
    const everything = { name: 'Bia', company: 'Nenhuma', need: 'emprego', email: 'bia@x.com' }
    const t = leadTurn(st({ stage: 'qualifying' }), { disqualify: 'job_seeker', fields: everything, intent: 'asks_question' })
    expect(t.next.stage).toBe('disqualified')
    expect(replyOf(t)?.text).toMatch(/vagas abertas ficam no nosso LinkedIn/)
    expect(t.actions).toContainEqual({ type: 'trigger_workflow', workflow: 'lead_disqualified', reason: 'job_seeker' })
    expect(t.actions.some((a) => a.type === 'trigger_workflow' && a.workflow === 'lead_qualified')).toBe(false)
  })
})

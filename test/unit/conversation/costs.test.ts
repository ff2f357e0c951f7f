import { describe, expect, it } from 'vitest'
import { addSpend, budgetExhausted, priceOf, unreportedCost, usageCost } from '../../../src/conversation/costs.js'
import { loadPlaybook, type Playbook } from '../../../src/conversation/playbook.js'
import { decide } from '../../../src/conversation/state-machine.js'
import { handoffNote } from '../../../src/conversation/handoff-note.js'
import { initialState, type ConversationState, type MachineInput } from '../../../src/conversation/types.js'

// Cost per conversation (issue #7, part 7): the playbook's price table, the spend kept in the state,
// and the budget the state machine turns into a handoff.

const base = await loadPlaybook()
const REF = { accountId: 3, conversationId: 1487 }
const AT = 1_787_000_060_000

const withCosts = (costs: Partial<Playbook['costs']>): Playbook => ({ ...base, costs: { ...base.costs, ...costs }, version: 'test0000cost' })
const priced = withCosts({ currency: 'BRL', per_million_tokens: { input: 1, output: 4 }, models: { 'gpt-4o': { input: 10, output: 40 } }, budget_per_conversation: 0.01 })
const st = (over: Partial<ConversationState> = {}): ConversationState => ({ ...initialState(REF, 'pt-BR', AT - 60_000), stage: 'qualifying', botTurns: 1, ...over })
const spent = (budgetSpent: number, cost = budgetSpent): ConversationState['llm'] => ({ promptTokens: 100, completionTokens: 10, cost, currency: 'BRL', budgetSpent, reported: 0 })
const leadTurn = (over: Partial<Extract<MachineInput, { type: 'lead_turn' }>['analysis']> = {}): MachineInput =>
  ({ type: 'lead_turn', analysis: { reply: '', fields: {}, intent: 'gives_info', language: 'pt-BR', confidence: 0.9, ...over }, at: AT })

describe('the price table', () => {
  it('uses the model\'s own price when listed, else per_million_tokens', () => {
    expect(priceOf(priced, 'gpt-4o')).toEqual({ input: 10, output: 40 })
    expect(priceOf(priced, 'gpt-4o-mini')).toEqual({ input: 1, output: 4 })
    expect(priceOf(priced, undefined)).toEqual({ input: 1, output: 4 })
  })

  it('prices prompt and completion tokens apart, per million', () => {
    expect(usageCost(priced, { promptTokens: 1_000_000, completionTokens: 0 })).toBe(1)
    expect(usageCost(priced, { promptTokens: 500_000, completionTokens: 250_000, model: 'gpt-4o' })).toBe(15)
    expect(usageCost(priced, { promptTokens: 0, completionTokens: 0 })).toBe(0)
  })
})

describe('spend in the state', () => {
  it('adds up tokens and cost over turns, in the playbook currency', () => {
    let s = st()
    s = addSpend(s, { promptTokens: 1000, completionTokens: 100 }, priced)
    s = addSpend(s, { promptTokens: 2000, completionTokens: 300, model: 'gpt-4o' }, priced)
    expect(s.llm?.promptTokens).toBe(3000)
    expect(s.llm?.completionTokens).toBe(400)
    expect(s.llm?.cost).toBeCloseTo(0.0014 + 0.032, 10)
    expect(s.llm?.budgetSpent).toBeCloseTo(0.0334, 10)
    expect(s.llm?.currency).toBe('BRL')
  })

  it('the budget is spent at or past budget_per_conversation, never without one', () => {
    expect(budgetExhausted(st({ llm: spent(0.0099) }), priced)).toBe(false)
    expect(budgetExhausted(st({ llm: spent(0.01) }), priced)).toBe(true)
    expect(budgetExhausted(st(), priced)).toBe(false)
    expect(budgetExhausted(st({ llm: spent(1000) }), withCosts({ budget_per_conversation: undefined }))).toBe(false)
  })

  it('reports each part of the cost once', () => {
    const s = st({ llm: spent(0.004, 0.006) })
    const first = unreportedCost(s)
    expect(first?.amount).toBeCloseTo(0.006, 10)
    expect(first?.currency).toBe('BRL')
    expect(unreportedCost(first?.next ?? s)).toBeUndefined()
    const later = addSpend(first?.next ?? s, { promptTokens: 1000, completionTokens: 0 }, priced)
    expect(unreportedCost(later)?.amount).toBeCloseTo(0.001, 10)
  })
})

describe('the budget in the state machine', () => {
  it('spent → handoff (budget_exhausted): the lead gets the handoff text, a human the conversation', () => {
    const t = decide(st({ llm: spent(0.02) }), leadTurn({ fields: { company: 'Acme' } }), priced)
    expect(t.next).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'budget_exhausted' })
    expect(t.actions[0]).toEqual({ type: 'reply', text: 'Claro! Vou passar a conversa para uma pessoa do nosso time, que responde por aqui em breve.' })
    expect(t.actions).toContainEqual({ type: 'handoff', reason: 'budget_exhausted' })
    expect(t.actions).toContainEqual({ type: 'trigger_workflow', workflow: 'handoff', reason: 'budget_exhausted' })
  })

  it('not spent → the bot keeps qualifying', () => {
    const t = decide(st({ llm: spent(0.005) }), leadTurn({ fields: { company: 'Acme' } }), priced)
    expect(t.next).toMatchObject({ stage: 'qualifying', owner: 'bot' })
    expect(t.actions.some((a) => a.type === 'handoff')).toBe(false)
  })

  it('the lead\'s own wishes come first: an opt-out is honoured, a qualified lead is qualified', () => {
    expect(decide(st({ llm: spent(1) }), leadTurn({ intent: 'opt_out' }), priced).next.stage).toBe('opted_out')
    const ready = st({ llm: spent(1), fields: { name: 'Maria', company: 'Acme', role: 'CEO', need: 'bot', email: 'm@acme.com', phone: '+5511999990000', budget: 'acima_5000' }, askedCounts: { timeline: 2 } })
    expect(decide(ready, leadTurn(), priced).next).toMatchObject({ stage: 'qualified', handoffReason: 'qualified' })
  })

  it('a handback starts the budget again; the conversation\'s total cost stays', () => {
    const handedOff = st({ stage: 'handoff', owner: 'human', handoffReason: 'budget_exhausted', llm: spent(0.02, 0.05) })
    const back = decide(handedOff, { type: 'chatwoot_status', status: 'pending', at: AT }, priced).next
    expect(back.owner).toBe('bot')
    expect(back.llm).toMatchObject({ budgetSpent: 0, cost: 0.05 })
    expect(decide(back, leadTurn({ fields: { company: 'Acme' } }), priced).next.owner).toBe('bot')
  })
})

describe('the handoff note', () => {
  it('says why and what the conversation cost, before the playbook version', () => {
    const lines = handoffNote(st({ stage: 'handoff', llm: spent(0.02, 0.0123456789) }), 'budget_exhausted', priced).split('\n')
    expect(lines[0]).toBe('🤖 SDR bot → humano: orçamento de IA da conversa esgotado (budget_exhausted)')
    expect(lines.at(-2)).toBe('Custo estimado de IA: 0.012346 BRL · tokens 100 + 10')
    expect(lines.at(-1)).toBe('Playbook test0000cost')
  })
})

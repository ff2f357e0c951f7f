import { describe, expect, it } from 'vitest'
import type { LastMessage } from '../../../src/clients/chatwoot.js'
import type { Action, ConversationState } from '../../../src/conversation/types.js'
import { resumeInterruptedTurn } from '../../../src/conversation/worker/resume.js'
import { fakeWorld, playbook, settle, state } from './fakes.js'

const TEXT = 'Legal! De qual empresa você fala?'
const ACTIONS: Action[] = [{ type: 'reply', text: TEXT }, { type: 'record_qualification' }]
const interrupted = (actions: readonly Action[] = ACTIONS, reply?: { parts: string[], landed: number }): ConversationState =>
  state({ stage: 'qualifying', fields: { name: 'Ana' }, inflight: { key: '42', actions, ...(reply !== undefined ? { reply } : {}) } })
const newest = (id: number, content: string, from: 'bot' | 'lead' | 'agent'): LastMessage => ({
  id,
  content,
  messageType: from === 'lead' ? 'incoming' : 'outgoing',
  private: false,
  createdAt: undefined,
  echoId: undefined,
  fromAgentBot: from === 'bot',
})

describe('resumeInterruptedTurn', () => {
  it('nothing interrupted: the state as it is', async () => {
    const w = fakeWorld()
    const s = state()
    expect(await resumeInterruptedTurn(w.ctx, s, playbook, 1)).toBe(s)
  })

  it('the reply landed: not sent again, remembered with its id, and the rest of the turn runs', async () => {
    const w = fakeWorld()
    w.chatwoot.newest = newest(57, TEXT, 'bot')
    const next = await resumeInterruptedTurn(w.ctx, interrupted(), playbook, 2)
    expect(w.chatwoot.posted).toEqual([])
    expect(next.inflight).toBeUndefined()
    expect(next.lastBotMessageId).toBe(57)
    expect(next.history.at(-1)).toMatchObject({ role: 'bot', text: TEXT })
    expect(w.chatwoot.attributes).toHaveLength(1)
    expect(w.log.lines.find((l) => l.msg === 'Finishing a turn an interrupted run left')?.obj).toMatchObject({ landed: 'yes' })
  })

  it('the reply did not land (nothing after the lead\'s message): sent now, under the same echo id', async () => {
    const w = fakeWorld()
    w.chatwoot.newest = newest(42, 'oi, sou a Ana', 'lead')
    const next = await resumeInterruptedTurn(w.ctx, interrupted(), playbook, 2)
    expect(w.chatwoot.posted).toEqual([expect.objectContaining({ content: TEXT, echoId: 'sdr:{3:77}:42', afterMessageId: 42 })])
    expect(next.history.at(-1)?.text).toBe(TEXT)
    expect(w.chatwoot.attributes).toHaveLength(1)
  })

  it('nobody can tell (the lead wrote since): no second answer, a person looks', async () => {
    const w = fakeWorld()
    w.chatwoot.newest = newest(60, 'alô?', 'lead')
    const next = await resumeInterruptedTurn(w.ctx, interrupted(), playbook, 2)
    await settle(w.ctx)
    expect(w.chatwoot.publicTexts()).toEqual([])
    expect(next).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'delivery_failed' })
    expect(w.chatwoot.notes()[0]).toContain('(delivery_failed)')
    expect(w.workflows.names()).toEqual(['handoff'])
  })

  it('Chatwoot unreadable counts as unknown', async () => {
    const w = fakeWorld()
    w.chatwoot.failGet = true
    const next = await resumeInterruptedTurn(w.ctx, interrupted(), playbook, 2)
    expect(w.chatwoot.publicTexts()).toEqual([])
    expect(next.handoffReason).toBe('delivery_failed')
  })

  it('unknown in a turn that hands off anyway: no extra handoff', async () => {
    const w = fakeWorld()
    w.chatwoot.newest = newest(60, 'alô?', 'lead')
    const handoff: Action[] = [{ type: 'reply', text: TEXT }, { type: 'handoff', reason: 'wants_human' }]
    const s = { ...interrupted(handoff), stage: 'handoff' as const, owner: 'human' as const, handoffReason: 'wants_human' as const }
    const next = await resumeInterruptedTurn(w.ctx, s, playbook, 2)
    expect(next.handoffReason).toBe('wants_human')
    expect(w.chatwoot.notes()).toHaveLength(1)
  })

  it('a reply in parts goes on from the first part not known to have landed', async () => {
    const w = fakeWorld()
    const parts = ['Parte um.', 'Parte dois.', 'Parte três.']
    w.chatwoot.newest = newest(58, 'Parte dois.', 'bot')
    const next = await resumeInterruptedTurn(w.ctx, interrupted([{ type: 'reply', text: parts.join('\n\n') }], { parts, landed: 1 }), playbook, 2)
    expect(w.chatwoot.posted).toEqual([expect.objectContaining({ content: 'Parte três.', echoId: 'sdr:{3:77}:42:2', afterMessageId: 58 })])
    expect(next.history.at(-1)?.text).toBe(parts.join('\n\n'))
  })

  it('someone wrote after some parts landed: the rest is dropped, the beginning counts as said', async () => {
    const w = fakeWorld()
    const parts = ['Parte um.', 'Parte dois.', 'Parte três.']
    w.chatwoot.newest = newest(70, 'espera', 'lead')
    const next = await resumeInterruptedTurn(w.ctx, interrupted([{ type: 'reply', text: parts.join('\n\n') }], { parts, landed: 1 }), playbook, 2)
    expect(w.chatwoot.posted).toEqual([])
    expect(next.history.at(-1)?.text).toBe('Parte um.')
    expect(next.owner).toBe('bot')
    expect(w.observe.count('reply', 'cut_short')).toBe(1)
  })

  it('a turn without a reply first: its actions simply run', async () => {
    const w = fakeWorld()
    const next = await resumeInterruptedTurn(w.ctx, interrupted([{ type: 'add_labels', labels: ['x'] }]), playbook, 2)
    expect(w.chatwoot.labels).toEqual([['x']])
    expect(next.inflight).toBeUndefined()
  })
})

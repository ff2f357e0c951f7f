import { describe, expect, it } from 'vitest'
import { followUpsSchema } from '../../../src/conversation/follow-ups.js'
import type { ConversationJob } from '../../../src/conversation/inbound.js'
import { createConversationWorker } from '../../../src/conversation/worker.js'
import { giveUpBatch, handleBatch } from '../../../src/conversation/worker/batch.js'
import { FencedOutError } from '../../../src/conversation/worker/ports.js'
import { fakeBrain, fakeWorld, leadMessage, playbook, REF, settle, state, T0 } from './fakes.js'

/** The default playbook with one follow-up two hours after the bot's last message, at any hour. */
const withFollowUp = { ...playbook, follow_ups: followUpsSchema.parse({ business_hours_only: false, steps: [{ after_minutes: 120, text: { 'pt-BR': 'Ainda por aí?' } }] }) }
const greet = fakeBrain({ intent: 'gives_info', fields: { name: 'Ana' }, reply: 'Prazer, Ana!' })

describe('handleBatch', () => {
  it('a lead\'s first message: answered, saved under the lease with nothing in flight, follow-up timer set', async () => {
    const w = fakeWorld({ brain: greet, playbook: withFollowUp })
    const job = leadMessage('oi, sou a Ana')
    w.clock.t = T0 + 500
    await handleBatch(w.ctx, [job], 3)
    const saved = w.states.get()
    expect(saved).toMatchObject({ stage: 'qualifying', answeredMessageIds: [job.messageId] })
    expect(saved?.inflight).toBeUndefined()
    expect(w.states.saves.at(-1)?.fence).toBe(3)
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(w.contacts.links).toHaveLength(1)
    // Two hours after the reply went out (T0 + 500).
    expect(saved?.followUp).toEqual({ step: 0, dueAt: T0 + 500 + 120 * 60_000 })
    expect([...w.timers.set_.entries()].map(([k, v]) => [k, v.dueAt])).toEqual([['{3:77}:follow_up', T0 + 500 + 120 * 60_000]])
    expect(w.observe.count('turn')).toBe(1)
  })

  it('a redelivered message is not answered again', async () => {
    const w = fakeWorld({ brain: greet })
    const job = leadMessage('oi')
    await handleBatch(w.ctx, [job], undefined)
    await handleBatch(w.ctx, [job], undefined)
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(greet.calls.length).toBeGreaterThan(0)
  })

  it('state unreadable: a person takes a conversation the lead wrote in, and nothing is saved', async () => {
    const brain = fakeBrain({})
    const w = fakeWorld({ brain })
    w.states.failLoad = true
    await handleBatch(w.ctx, [leadMessage('oi')], undefined)
    expect(brain.calls).toEqual([])
    expect(w.chatwoot.notes()[0]).toContain('(processing_failed)')
    expect(w.chatwoot.status).toBe('open')
    expect(w.states.saves).toEqual([])
  })

  it('a turn that throws hands off with a note instead of dropping what the lead wrote', async () => {
    const w = fakeWorld({ brain: { name: 'openai', analyze: async () => { throw new Error('bug') } } })
    await handleBatch(w.ctx, [leadMessage('oi')], undefined)
    expect(w.states.get()).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'processing_failed', handoffPending: false })
    expect(w.chatwoot.notes()[0]).toContain('(processing_failed)')
    expect(w.log.has('Conversation turn failed; handing off')).toBe(true)
  })

  it('a lost lease is not swallowed: the queue must stop this run', async () => {
    const w = fakeWorld({ brain: greet })
    w.states.highestFence = 10
    await expect(handleBatch(w.ctx, [leadMessage('oi')], 9)).rejects.toBeInstanceOf(FencedOutError)
    expect(w.chatwoot.posted).toEqual([])
  })

  it('an admin\'s erasure wins over the rest of the batch', async () => {
    const brain = fakeBrain({})
    const w = fakeWorld({ brain })
    await w.states.save(state())
    const erase: ConversationJob = { kind: 'erase', ref: REF, contactId: 501, receivedAt: T0 }
    await handleBatch(w.ctx, [leadMessage('oi'), erase], undefined)
    await settle(w.ctx)
    expect(brain.calls).toEqual([])
    expect(w.erased).toEqual([REF])
    expect(w.states.get()).toBeUndefined()
    expect(w.workflows.names()).toEqual(['data_erased'])
  })

  it('the lead asks for erasure: confirmed, handed over, erased instead of saved, data_erased once', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'erase_data' }) })
    await handleBatch(w.ctx, [leadMessage('apaguem meus dados')], undefined)
    await settle(w.ctx)
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(w.erased).toEqual([REF])
    expect(w.states.get()).toBeUndefined()
    expect(w.workflows.names().filter((n) => n === 'data_erased')).toHaveLength(1)
    expect(w.observe.count('erasure', 'lead')).toBe(1)
  })

  it('a lead who opts out is marked for every conversation of theirs', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'opt_out' }) })
    await handleBatch(w.ctx, [leadMessage('não quero mais mensagens')], undefined)
    expect(await w.contacts.isOptedOut({ accountId: 3, contactId: 501 })).toBe(true)
    expect(w.states.get()?.stage).toBe('opted_out')
  })

  it('an agent\'s message in a conversation the bot never had: nothing of ours is kept', async () => {
    const w = fakeWorld()
    await handleBatch(w.ctx, [{ kind: 'agent_reply', ref: REF, messageId: 5, receivedAt: T0 }], undefined)
    expect(w.states.saves).toEqual([])
  })

  it('a turn an interrupted run left is finished first, then the new message answered', async () => {
    const w = fakeWorld({ brain: greet })
    const text = 'Olá! Como posso ajudar?'
    await w.states.save(state({ stage: 'qualifying', inflight: { key: '42', actions: [{ type: 'reply', text }] } }))
    w.chatwoot.newest = { id: 50, content: text, messageType: 'outgoing', private: false, createdAt: undefined, echoId: undefined, fromAgentBot: true }
    await handleBatch(w.ctx, [leadMessage('sou a Ana', { messageId: 60 })], undefined)
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(w.chatwoot.publicTexts()[0]).not.toBe(text)
    expect(w.states.get()?.history.filter((h) => h.role === 'bot').map((h) => h.text)[0]).toBe(text)
  })
})

describe('giveUpBatch', () => {
  it('a batch that kept failing: a person takes it, its messages count as answered', async () => {
    const w = fakeWorld()
    await w.states.save(state({ stage: 'qualifying' }))
    const job = leadMessage('oi')
    await giveUpBatch(w.ctx, [job])
    expect(w.states.get()).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'processing_failed', answeredMessageIds: [job.messageId] })
    expect(w.chatwoot.notes()[0]).toContain('(processing_failed)')
    expect(w.observe.count('transition', 'qualifying', 'handoff')).toBe(1)
  })

  it('nothing to hand over when a person has it already, or the batch held no message', async () => {
    const w = fakeWorld()
    await w.states.save(state({ owner: 'human', stage: 'handoff' }))
    await giveUpBatch(w.ctx, [leadMessage('oi')])
    await giveUpBatch(w.ctx, [{ kind: 'agent_reply', ref: REF, messageId: 5, receivedAt: T0 }])
    expect(w.chatwoot.posted).toEqual([])
    expect(w.states.saves).toHaveLength(1)
  })
})

describe('createConversationWorker (the entry point)', () => {
  it('composes the parts over the same options bot.ts passes', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'wants_human' }) })
    const worker = createConversationWorker(w.options)
    await worker.handle('{3:77}', [leadMessage('quero uma pessoa')], 1)
    await worker.drain(1000)
    expect(w.states.get()?.owner).toBe('human')
    expect(w.workflows.names()).toEqual(['handoff'])
    worker.notifyErased({ accountId: 3, contactId: 9 })
    await worker.drain(1000)
    expect(w.workflows.names()).toEqual(['handoff', 'data_erased'])
  })
})

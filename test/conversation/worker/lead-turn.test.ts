import { describe, expect, it } from 'vitest'
import { localize } from '../../../src/conversation/playbook.js'
import type { ConversationState } from '../../../src/conversation/types.js'
import { answerLeadMessages, leadTurn } from '../../../src/conversation/worker/lead-turn.js'
import { fakeBrain, fakeWorld, leadMessage, playbook, settle, state } from './fakes.js'

describe('leadTurn', () => {
  it('reads the messages, answers, and remembers both sides without logging the words', async () => {
    const brain = fakeBrain({ intent: 'gives_info', fields: { name: 'Ana' }, reply: 'Prazer, Ana!' })
    const w = fakeWorld({ brain })
    const jobs = [leadMessage('oi'), leadMessage('sou a Ana')]
    const next = await leadTurn(w.ctx, state(), jobs, playbook, undefined)
    expect(brain.calls).toEqual([['oi', 'sou a Ana']])
    expect(next.stage).toBe('qualifying')
    expect(next.fields['name']).toBe('Ana')
    expect(next.answeredMessageIds).toEqual(jobs.map((j) => j.messageId))
    expect(next.history.map((h) => h.role)).toEqual(['lead', 'lead', 'bot'])
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(w.chatwoot.publicTexts()[0]).toContain('Prazer, Ana!')
    expect(w.chatwoot.posted[0]?.echoId).toBe(`sdr:{3:77}:${jobs[1]?.messageId}`)
    expect(w.chatwoot.typing).toEqual([true, false])
    expect(w.observe.count('transition', 'new', 'qualifying')).toBe(1)
    const line = w.log.lines.find((l) => l.msg === 'Lead turn decided')
    expect(line?.obj).toMatchObject({ messages: 2, adapter: 'openai', intent: 'gives_info', fieldsFound: 1, from: 'new', to: 'qualifying' })
    expect(JSON.stringify(w.log.lines)).not.toContain('Ana')
  })

  it('a lead who asks for a person gets the handoff text, a note for the team, and one handoff workflow', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'wants_human' }) })
    const next = await leadTurn(w.ctx, state({ stage: 'qualifying' }), [leadMessage('quero falar com alguém')], playbook, undefined)
    await settle(w.ctx)
    expect(next).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'wants_human', handoffPending: false })
    expect(w.chatwoot.publicTexts()[0]).toContain(localize(playbook.texts.handoff, 'pt-BR', playbook.language).slice(0, 20))
    expect(w.chatwoot.notes()).toHaveLength(1)
    expect(w.chatwoot.status).toBe('open')
    expect(w.workflows.names()).toEqual(['handoff'])
  })

  it('a conversation a human took while the model was thinking gets no reply', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'gives_info', reply: 'Olá!' }) })
    w.chatwoot.status = 'open'
    const next = await leadTurn(w.ctx, state({ stage: 'qualifying' }), [leadMessage('oi')], playbook, undefined)
    expect(w.chatwoot.posted).toEqual([])
    expect(next.owner).toBe('human')
    expect(w.observe.count('reply', 'suppressed')).toBe(1)
    expect(w.chatwoot.typing).toEqual([true, false])
  })

  it('Chatwoot unreadable before posting: the bot replies anyway', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'gives_info', reply: 'Olá!' }) })
    w.chatwoot.failGet = true
    await leadTurn(w.ctx, state(), [leadMessage('oi')], playbook, undefined)
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
  })

  it('media the bot cannot read get the playbook\'s answer, without calling the brain', async () => {
    const brain = fakeBrain({})
    const w = fakeWorld({ brain })
    await leadTurn(w.ctx, state(), [leadMessage('', { attachments: [{ fileType: 'image' }] as never })], playbook, undefined)
    expect(brain.calls).toEqual([])
    expect(w.chatwoot.publicTexts()[0]).toContain(localize(playbook.texts.media_only, 'pt-BR', playbook.language).slice(0, 15))
  })

  it('under a lease, the decided actions are written down before anything is posted', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'gives_info', reply: 'Olá!' }) })
    const postedAtSave: number[] = []
    const save = w.states.save.bind(w.states)
    w.states.save = async (s, fence) => { postedAtSave.push(w.chatwoot.posted.length); return save(s, fence) }
    const job = leadMessage('oi')
    await leadTurn(w.ctx, state(), [job], playbook, 4)
    const first = w.states.saves[0]?.state
    expect(postedAtSave[0]).toBe(0)
    expect(first?.inflight?.key).toBe(String(job.messageId))
    expect(first?.inflight?.actions[0]?.type).toBe('reply')
    expect(first?.inflight?.reply).toEqual({ parts: [w.chatwoot.publicTexts()[0]], landed: 0 })
  })

  it('a model call\'s cost is counted before deciding', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'gives_info', reply: 'Olá!' }, { promptTokens: 1000, completionTokens: 100, model: 'gpt-test' }) })
    const next = await leadTurn(w.ctx, state(), [leadMessage('oi')], playbook, undefined)
    expect(next.llm).toMatchObject({ promptTokens: 1000, completionTokens: 100 })
    expect(w.observe.count('llmCost', 'gpt-test')).toBe(1)
  })
})

describe('answerLeadMessages', () => {
  it('nothing new: nothing happens', async () => {
    const w = fakeWorld()
    const s = state()
    expect(await answerLeadMessages(w.ctx, s, [], playbook, undefined)).toEqual({ state: s, leadTurnRan: false })
  })

  it('links the contact to the conversation and runs the bot\'s turn', async () => {
    const w = fakeWorld({ brain: fakeBrain({ intent: 'gives_info', reply: 'Olá!' }) })
    const r = await answerLeadMessages(w.ctx, state(), [leadMessage('oi')], playbook, undefined)
    expect(r.leadTurnRan).toBe(true)
    expect(w.contacts.links).toEqual([{ contact: { accountId: 3, contactId: 501 }, tag: '{3:77}' }])
  })

  it('a contact who opted out elsewhere: no reply, a person reads it', async () => {
    const brain = fakeBrain({})
    const w = fakeWorld({ brain })
    w.contacts.optedOut.add('3:501')
    const r = await answerLeadMessages(w.ctx, state(), [leadMessage('oi de novo')], playbook, undefined)
    expect(r.leadTurnRan).toBe(false)
    expect(brain.calls).toEqual([])
    expect(r.state).toMatchObject({ stage: 'opted_out', owner: 'human', handoffReason: 'contact_opted_out', handoffPending: false })
    expect(w.chatwoot.publicTexts()).toEqual([])
    expect(w.chatwoot.notes()[0]).toContain('(contact_opted_out)')
    expect(w.observe.count('transition', 'new', 'opted_out')).toBe(1)
  })

  it('a human\'s conversation: the ids are remembered, not the words, and the bot is silent', async () => {
    const brain = fakeBrain({})
    const w = fakeWorld({ brain })
    const human: ConversationState = state({ stage: 'handoff', owner: 'human', handoffReason: 'wants_human' })
    const job = leadMessage('alô?')
    const r = await answerLeadMessages(w.ctx, human, [job], playbook, undefined)
    expect(r.state.answeredMessageIds).toEqual([job.messageId])
    expect(r.state.history).toEqual([])
    expect(brain.calls).toEqual([])
    expect(w.chatwoot.posted).toEqual([])
  })

  it('a handoff Chatwoot never opened is tried again when the lead writes', async () => {
    const w = fakeWorld()
    const pending = state({ stage: 'handoff', owner: 'human', handoffReason: 'wants_meeting', handoffPending: true })
    const r = await answerLeadMessages(w.ctx, pending, [leadMessage('e aí?')], playbook, undefined)
    expect(r.state.handoffPending).toBe(false)
    expect(w.chatwoot.notes()[0]).toContain('(wants_meeting)')
    expect(w.chatwoot.status).toBe('open')
  })
})

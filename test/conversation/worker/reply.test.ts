import { describe, expect, it } from 'vitest'
import type { Action } from '../../../src/conversation/types.js'
import { interruption, partsOf, sendReply, sendText } from '../../../src/conversation/worker/reply.js'
import { fakeWorld, playbook, REF, state, T0 } from './fakes.js'

const paragraph = (word: string) => Array.from({ length: 45 }, () => word).join(' ') + '.'
/** Three paragraphs of about 300 characters: three parts on a 400-character channel. */
const LONG = [paragraph('alfa'), paragraph('beta'), paragraph('gama')].join('\n\n')
const reply = (text: string, choices?: Array<{ title: string, value: string }>): Extract<Action, { type: 'reply' }> =>
  ({ type: 'reply', text, ...(choices !== undefined ? { choices } : {}) })

describe('sendReply', () => {
  it('a short reply is one message, keyed by the lead\'s message, and remembered', async () => {
    const w = fakeWorld()
    const sent = await sendReply(w.ctx, state(), reply('Olá!'), '42', playbook, { fence: undefined })
    expect(sent.delivered).toBe(true)
    expect(w.chatwoot.posted).toEqual([expect.objectContaining({ content: 'Olá!', echoId: 'sdr:{3:77}:42', afterMessageId: 42 })])
    expect(sent.state.history.at(-1)).toMatchObject({ role: 'bot', text: 'Olá!', at: T0 })
    expect(sent.state.lastBotMessageId).toBe(w.chatwoot.posted[0]?.id)
    expect(w.observe.seen).toEqual([['reply', 'sent']])
  })

  it('a long reply goes in parts, each with its own echo id, quick replies on the last', async () => {
    const w = fakeWorld()
    const parts = partsOf(LONG, state(), playbook)
    expect(parts.length).toBe(3)
    const sent = await sendReply(w.ctx, state(), reply(LONG, [{ title: 'Sim', value: 'yes' }]), '42', playbook, { fence: undefined })
    expect(w.chatwoot.publicTexts()).toEqual(parts)
    expect(w.chatwoot.posted.map((m) => m.echoId)).toEqual(['sdr:{3:77}:42', 'sdr:{3:77}:42:1', 'sdr:{3:77}:42:2'])
    expect(w.chatwoot.posted.map((m) => m.items !== undefined)).toEqual([false, false, true])
    // Each next part is checked past the one before it.
    expect(w.chatwoot.posted[2]?.afterMessageId).toBe(w.chatwoot.posted[1]?.id)
    expect(sent.state.history.at(-1)?.text).toBe(LONG)
  })

  it('the lead writing again between parts drops the rest; what landed counts as said', async () => {
    let waiting = false
    const w = fakeWorld({ hasNewLeadMessage: async () => waiting })
    w.chatwoot.afterSend = () => { waiting = true }
    const parts = partsOf(LONG, state(), playbook)
    const sent = await sendReply(w.ctx, state(), reply(LONG), '42', playbook, { fence: undefined })
    expect(sent.delivered).toBe(true)
    expect(w.chatwoot.publicTexts()).toEqual([parts[0]])
    expect(sent.state.history.at(-1)?.text).toBe(parts[0])
    expect(w.observe.seen).toEqual([['reply', 'cut_short']])
  })

  it('an agent writing in Chatwoot between parts drops the rest too', async () => {
    const w = fakeWorld()
    w.chatwoot.afterSend = () => { w.chatwoot.write('Oi, aqui é o Paulo', 'agent') }
    await sendReply(w.ctx, state(), reply(LONG), '42', playbook, { fence: undefined })
    expect(w.chatwoot.posted).toHaveLength(1)
    expect(w.log.lines.find((l) => l.msg === 'Reply cut short: the rest is not sent')?.obj).toMatchObject({ why: 'agent_wrote', sent: 1, parts: 3 })
  })

  it('a part that cannot be posted: not delivered, counted failed, the landed beginning kept', async () => {
    const w = fakeWorld()
    w.chatwoot.failSend = (_m, n) => n === 2
    const sent = await sendReply(w.ctx, state(), reply(LONG), '42', playbook, { fence: undefined })
    expect(sent.delivered).toBe(false)
    expect(w.chatwoot.posted).toHaveLength(1)
    expect(sent.state.history.at(-1)?.text).toBe(partsOf(LONG, state(), playbook)[0])
    expect(w.observe.seen).toEqual([['reply', 'failed']])
  })

  it('under a lease, each landed part is written down for a run that takes over', async () => {
    const w = fakeWorld()
    const actions: Action[] = [reply(LONG)]
    await sendReply(w.ctx, state(), reply(LONG), '42', playbook, { fence: 7, actions })
    expect(w.states.saves.map((s) => s.state.inflight?.reply?.landed)).toEqual([1, 2, 3])
    expect(w.states.saves.every((s) => s.fence === 7 && s.state.inflight?.key === '42')).toBe(true)
    expect(w.states.saves[1]?.state.lastBotMessageId).toBe(w.chatwoot.posted[1]?.id)
  })

  it('goes on from the parts an earlier run posted', async () => {
    const w = fakeWorld()
    const parts = partsOf(LONG, state(), playbook)
    const sent = await sendReply(w.ctx, state(), reply(LONG), '42', playbook, { fence: undefined, progress: { parts, landed: 2 } })
    expect(w.chatwoot.publicTexts()).toEqual([parts[2]])
    expect(w.chatwoot.posted[0]?.echoId).toBe('sdr:{3:77}:42:2')
    expect(sent.state.history.at(-1)?.text).toBe(LONG)
  })

  it('typing shows between parts on a channel that shows it, and is switched off after', async () => {
    const w = fakeWorld()
    await sendReply(w.ctx, state({ channel: 'Channel::WebWidget' }), reply(LONG), '42', playbook, { fence: undefined })
    expect(w.chatwoot.typing.at(-1)).toBe(false)
    expect(w.chatwoot.typing.filter((t) => t)).toHaveLength(w.chatwoot.posted.length - 1)
  })
})

describe('sendText', () => {
  it('posts a message outside a turn under its own echo id; undefined when nothing landed', async () => {
    const w = fakeWorld()
    const next = await sendText(w.ctx, state({ answeredMessageIds: [300] }), 'Ainda por aí?', 'sdr-fu:1', playbook)
    expect(w.chatwoot.posted[0]).toMatchObject({ content: 'Ainda por aí?', echoId: 'sdr-fu:1', afterMessageId: 300 })
    expect(next?.history.at(-1)?.text).toBe('Ainda por aí?')
    w.chatwoot.failSend = () => true
    expect(await sendText(w.ctx, state(), 'Ainda por aí?', 'sdr-fu:2', playbook)).toBeUndefined()
    expect(w.log.has('Scheduled message could not be delivered')).toBe(true)
  })
})

describe('interruption', () => {
  it('says why the rest should not go, and goes on when Chatwoot cannot tell', async () => {
    const w = fakeWorld()
    expect(await interruption(w.ctx, REF, 0)).toBeUndefined()
    const id = w.chatwoot.write('espera')
    expect(await interruption(w.ctx, REF, id - 1)).toBe('lead_wrote')
    expect(await interruption(w.ctx, REF, id)).toBeUndefined()
    w.chatwoot.status = 'open'
    expect(await interruption(w.ctx, REF, id)).toBe('not_pending')
    w.chatwoot.failGet = true
    expect(await interruption(w.ctx, REF, id)).toBeUndefined()
  })
})

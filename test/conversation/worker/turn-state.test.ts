import { describe, expect, it } from 'vitest'
import { ANSWERED_IDS_KEPT, answered, clip, contactOf, contactPatch, handedBack, messageText, newestKnown, settlesWithoutReply, whatWasSaid, withSent } from '../../../src/conversation/worker/turn-state.js'
import { leadMessage, playbook, state, T0 } from './fakes.js'

describe('turn state helpers', () => {
  it('messageText: the text and audio transcriptions, blank parts dropped', () => {
    const job = leadMessage('  oi ', { attachments: [{ transcribedText: ' sou a Ana ' }, { transcribedText: '  ' }] as never })
    expect(messageText(job)).toBe('oi\nsou a Ana')
  })

  it('clip: bounded with an ellipsis, never splitting an emoji', () => {
    expect(clip('abc', 5)).toBe('abc')
    expect(clip('abcdef', 4)).toBe('abc…')
    expect(clip('ab😀cd', 4)).toBe('ab…')
  })

  it('answered: keeps only the newest ids', () => {
    const many = Array.from({ length: ANSWERED_IDS_KEPT }, (_, i) => i)
    const next = answered(state({ answeredMessageIds: many }), [1000, 1001])
    expect(next).toHaveLength(ANSWERED_IDS_KEPT)
    expect(next.slice(-2)).toEqual([1000, 1001])
    expect(next[0]).toBe(2)
  })

  it('newestKnown: the lead\'s message or our own later one', () => {
    expect(newestKnown(state(), '40')).toBe(40)
    expect(newestKnown(state({ lastBotMessageId: 55 }), '40')).toBe(55)
  })

  it('handedBack: only a human\'s conversation, changed after the newest status we know', () => {
    const human = state({ owner: 'human', stage: 'handoff', statusAt: 100 })
    expect(handedBack(human, leadMessage('x', { conversationUpdatedAt: 101 }))).toBe(true)
    expect(handedBack(human, leadMessage('x', { conversationUpdatedAt: 100 }))).toBe(false)
    expect(handedBack({ ...human, stage: 'opted_out' }, leadMessage('x', { conversationUpdatedAt: 101 }))).toBe(false)
    expect(handedBack(state({ statusAt: 100 }), leadMessage('x', { conversationUpdatedAt: 101 }))).toBe(false)
  })

  it('settlesWithoutReply: a handoff, an opt-out or a disqualification', () => {
    expect(settlesWithoutReply({ next: state(), actions: [{ type: 'handoff', reason: 'wants_human' }] })).toBe(true)
    expect(settlesWithoutReply({ next: state({ stage: 'disqualified' }), actions: [] })).toBe(true)
    expect(settlesWithoutReply({ next: state({ stage: 'qualifying' }), actions: [{ type: 'reply', text: 'x' }] })).toBe(false)
  })

  it('whatWasSaid and withSent: the parts that landed go in the history with the playbook version', () => {
    expect(whatWasSaid('a b', ['a', 'b'], 2)).toBe('a b')
    expect(whatWasSaid('a b', ['a', 'b'], 1)).toBe('a')
    const sent = withSent(state({ lastBotMessageId: 90 }), 'oi', 80, T0, playbook)
    expect(sent.history.at(-1)).toEqual({ role: 'bot', text: 'oi', at: T0, playbookVersion: playbook.version })
    expect(sent.lastBotMessageId).toBe(90)
    expect(withSent(state(), 'oi', 120, T0, playbook).lastBotMessageId).toBe(120)
  })

  it('contactPatch and contactOf', () => {
    expect(contactPatch(state({ fields: { name: 'Ana', phone: '+55', company: 'X' } }))).toEqual({ name: 'Ana', phone_number: '+55' })
    expect(contactOf(state({ contactId: 1 }), [leadMessage('x', { contact: { id: 2, name: undefined, email: undefined, phone: undefined } })])).toEqual({ accountId: 3, contactId: 2 })
    expect(contactOf(state({ contactId: undefined }), [])).toBeUndefined()
  })
})

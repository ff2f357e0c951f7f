import { describe, expect, it } from 'vitest'
import { RECONCILE_SKEW_SECONDS, replyLanded, type NewestMessage } from '../../src/lib/reply-landed.js'

// The rule without a message id to go by (a send that answers no lead message: a note, a
// follow-up): the newest message is ours when it is this text, from the bot, and not older than
// the send. The rule with afterMessageId is in test/unit/reply-landed.test.ts.

const SENT_AT = 1_760_000_000
const reply = { text: 'Posso ajudar em mais alguma coisa?', private: false, echoId: 'e-1', sentAtSeconds: SENT_AT }
const msg = (over: Partial<NewestMessage>): NewestMessage => ({
  id: 500, content: reply.text, messageType: 'outgoing', private: false, fromAgentBot: true, echoId: undefined, createdAt: SENT_AT, ...over,
})

describe('replyLanded without afterMessageId: by text and time', () => {
  it.each<[string, NewestMessage | undefined, 'yes' | 'no']>([
    ['this text, from the bot, just now → landed', msg({}), 'yes'],
    ['within the clock skew before the send → landed', msg({ createdAt: SENT_AT - RECONCILE_SKEW_SECONDS }), 'yes'],
    ['older than the skew allows (an earlier identical reply) → not landed', msg({ createdAt: SENT_AT - RECONCILE_SKEW_SECONDS - 1 }), 'no'],
    ['no time given → text decides', msg({ createdAt: undefined }), 'yes'],
    ['our echo id still shown → landed', msg({ echoId: 'e-1' }), 'yes'],
    ['another send\'s echo id → not ours', msg({ echoId: 'e-2' }), 'no'],
    ['another text → not landed', msg({ content: 'Outra coisa' }), 'no'],
    ['a private note with this text, for a public reply → not landed', msg({ private: true }), 'no'],
    ['an agent\'s message with this text → not landed', msg({ fromAgentBot: false }), 'no'],
    ['the lead\'s message → not landed', msg({ messageType: 'incoming', fromAgentBot: false }), 'no'],
    ['no message at all → not landed', undefined, 'no'],
  ])('%s', (_label, newest, expected) => {
    expect(replyLanded(newest, reply)).toBe(expected)
  })

  it('with afterMessageId an echo id of another send makes it unknown, not landed', () => {
    expect(replyLanded(msg({ id: 501, echoId: 'e-2' }), { ...reply, afterMessageId: 500 })).toBe('unknown')
    expect(replyLanded(msg({ id: 501, echoId: 'e-1' }), { ...reply, afterMessageId: 500 })).toBe('yes')
  })
})

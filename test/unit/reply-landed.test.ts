import { describe, expect, it } from 'vitest'
import { replyLanded, type NewestMessage } from '../../src/lib/reply-landed.js'

const reply = { text: 'Qual é a sua empresa?', private: false, afterMessageId: 100 }
const msg = (over: Partial<NewestMessage>): NewestMessage => ({ id: 101, content: reply.text, messageType: 'outgoing', private: false, fromAgentBot: true, ...over })

describe('replyLanded: did a reply whose send failed ambiguously reach Chatwoot?', () => {
  it.each<[string, NewestMessage | undefined, 'yes' | 'no' | 'unknown']>([
    ['the newest message is the lead\'s message it answers → not sent', msg({ id: 100, messageType: 'incoming', fromAgentBot: false, content: 'Acme' }), 'no'],
    ['the newest is older still (an identical earlier bot reply) → not sent', msg({ id: 90 }), 'no'],
    ['the newest is newer, from the bot, with this text → sent', msg({}), 'yes'],
    ['same text ignoring surrounding blanks and CRLF → sent', msg({ content: '  Qual é a sua empresa?\r\n' }), 'yes'],
    ['the lead wrote again after it → cannot tell', msg({ id: 102, messageType: 'incoming', fromAgentBot: false, content: 'oi?' }), 'unknown'],
    ['a newer bot message with another text → cannot tell', msg({ content: 'Outra coisa' }), 'unknown'],
    ['a newer agent message with this text → cannot tell', msg({ fromAgentBot: false }), 'unknown'],
    ['a newer private note with this text → cannot tell (a reply is public)', msg({ private: true }), 'unknown'],
    ['no message shown at all → cannot tell', undefined, 'unknown'],
  ])('%s', (_label, newest, expected) => {
    expect(replyLanded(newest, reply)).toBe(expected)
  })
})

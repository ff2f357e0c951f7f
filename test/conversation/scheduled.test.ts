import { describe, expect, it } from 'vitest'
import { humanAnswered } from '../../src/conversation/scheduled.js'

const message = (over: { messageType?: string, private?: boolean, fromAgentBot?: boolean } = {}) => ({
  id: 1, content: 'hi', messageType: 'outgoing', private: false, fromAgentBot: false, ...over,
})

describe('humanAnswered (the handoff watchdog stands down)', () => {
  const cases: Array<[string, Parameters<typeof humanAnswered>[0], boolean]> = [
    ['Chatwoot could not be read', undefined, false],
    ['no message yet', { status: 'open' }, false],
    ['an agent replied publicly', { status: 'open', lastMessage: message() }, true],
    ['the lead wrote last', { status: 'open', lastMessage: message({ messageType: 'incoming' }) }, false],
    ['only a private note', { status: 'open', lastMessage: message({ private: true }) }, false],
    ['the bot spoke last', { status: 'open', lastMessage: message({ fromAgentBot: true }) }, false],
    ['resolved, whatever the last message', { status: 'resolved', lastMessage: message({ messageType: 'incoming' }) }, true],
  ]
  it.each(cases)('%s', (_name, conversation, expected) => {
    expect(humanAnswered(conversation)).toBe(expected)
  })
})

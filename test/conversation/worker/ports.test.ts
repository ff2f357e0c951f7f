import { describe, expect, expectTypeOf, it } from 'vitest'
import type { ChatwootClient } from '../../../src/clients/chatwoot.js'
import { FencedOutError, type ChatwootPort } from '../../../src/conversation/worker/ports.js'
import * as entry from '../../../src/conversation/worker.js'

describe('ports', () => {
  it('the Chatwoot port is the client\'s own methods, not a copy that can drift', () => {
    expectTypeOf<ChatwootPort['sendMessage']>().toEqualTypeOf<ChatwootClient['sendMessage']>()
    expectTypeOf<ChatwootPort['getConversation']>().toEqualTypeOf<ChatwootClient['getConversation']>()
    expectTypeOf<ChatwootPort['toggleStatus']>().toEqualTypeOf<ChatwootClient['toggleStatus']>()
    // The real client plugs in as it is (bot.ts passes it straight through).
    expectTypeOf<ChatwootClient>().toExtend<ChatwootPort>()
  })

  it('a lost lease is its own error, recognisable across the entry point', () => {
    const err = new FencedOutError()
    expect(err).toBeInstanceOf(Error)
    expect(err).toBeInstanceOf(entry.FencedOutError)
    expect(err.name).toBe('FencedOutError')
    expect(err.message).toMatch(/lease lost/)
  })

  it('the entry point still exports what the service imports', () => {
    expect(typeof entry.createConversationWorker).toBe('function')
    expect(typeof entry.clip).toBe('function')
    expect(typeof entry.messageText).toBe('function')
  })
})

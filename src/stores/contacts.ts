// What we keep per Chatwoot contact, across their conversations: the do-not-contact mark an
// opt-out leaves, and which conversations we hold data of (what an erasure must find).

export interface ContactRef {
  readonly accountId: number
  readonly contactId: number
}

export interface ContactStore {
  /** Marks the contact as not to be written to by the bot, in any conversation, until erased. */
  optOut (contact: ContactRef): Promise<void>
  isOptedOut (contact: ContactRef): Promise<boolean>
  /** Records that we hold data of this conversation (tag) for the contact, as long as the state lives. */
  link (contact: ContactRef, conversationTag: string, ttlSeconds: number): Promise<void>
  conversations (contact: ContactRef): Promise<string[]>
  /** Forgets the contact: the mark and the index. */
  forget (contact: ContactRef): Promise<void>
}

export const contactTag = (c: ContactRef): string => `{c:${c.accountId}:${c.contactId}}`

/** Largest number of contacts the embedded store indexes: the idlest go first. */
const MAX_CONTACTS = 100_000

export function createMemoryContactStore (now: () => number = Date.now): ContactStore {
  const optedOut = new Set<string>()
  const index = new Map<string, Map<string, number>>()
  return {
    async optOut (c) {
      optedOut.add(contactTag(c))
    },
    async isOptedOut (c) {
      return optedOut.has(contactTag(c))
    },
    async link (c, tag, ttlSeconds) {
      const key = contactTag(c)
      const tags = index.get(key) ?? new Map<string, number>()
      index.delete(key)
      tags.set(tag, now() + ttlSeconds * 1000)
      index.set(key, tags)
      if (index.size > MAX_CONTACTS) {
        const oldest = index.keys().next().value
        if (oldest !== undefined) index.delete(oldest)
      }
    },
    async conversations (c) {
      const t = now()
      return [...(index.get(contactTag(c)) ?? new Map<string, number>())].filter(([, until]) => until > t).map(([tag]) => tag)
    },
    async forget (c) {
      optedOut.delete(contactTag(c))
      index.delete(contactTag(c))
    },
  }
}

import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryContactStore } from '../../src/stores/contacts.js'
import { createMemoryStores } from '../../src/stores/memory.js'
import { createRedisContactStore } from '../../src/stores/redis-contacts.js'
import { createRedisAdmission, createRedisEraser } from '../../src/stores/redis.js'
import { createRedisStateStore } from '../../src/stores/state.js'
import { createTestClock } from '../helpers/app.js'
import { cleanPrefix, createTestRedis, keysUnder, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

warnIfRedisMissing('erasure')

const tag = '{3:1487}'
const other = '{3:1488}'
const window = (t: string) => ({ key: `conv:${t}`, windowSeconds: 60, max: 10 })

describe('erasure in the embedded stores', () => {
  it('forgets the conversation\'s dedupe keys and window, and only that conversation\'s', async () => {
    const stores = createMemoryStores(createTestClock())
    await stores.admit([`${tag}:dedupe:event:1`, `${tag}:dedupe:delivery:a`], 300, window(tag))
    await stores.admit([`${other}:dedupe:event:1`], 300, window(other))
    expect(await stores.eraseConversation(tag)).toBe(3)
    // Gone: the same event is new again; the other conversation still remembers its own.
    expect((await stores.admit([`${tag}:dedupe:event:1`], 300)).outcome).toBe('new')
    expect((await stores.admit([`${other}:dedupe:event:1`], 300)).outcome).toBe('duplicate')
  })

  it('contacts: opt-out mark and the conversation index are forgotten together', async () => {
    let now = 1_000_000
    const contacts = createMemoryContactStore(() => now)
    const c = { accountId: 3, contactId: 42 }
    await contacts.optOut(c)
    await contacts.link(c, tag, 60)
    await contacts.link(c, other, 600)
    expect(await contacts.isOptedOut(c)).toBe(true)
    now += 120_000
    expect(await contacts.conversations(c)).toEqual([other]) // the first one's state expired
    await contacts.forget(c)
    expect(await contacts.isOptedOut(c)).toBe(false)
    expect(await contacts.conversations(c)).toEqual([])
  })
})

describe.skipIf(!redisAvailable)('erasure in Redis (real Redis)', () => {
  let redis: Redis
  beforeAll(() => { redis = createTestRedis() })
  afterAll(() => { redis.disconnect() })

  it('leaves no key of the contact: conversation keys and contact keys go, others stay', async () => {
    const prefix = uniquePrefix()
    try {
      const clock = createTestClock()
      const admit = createRedisAdmission(redis, prefix, clock)
      const states = createRedisStateStore(redis, prefix)
      const contacts = createRedisContactStore(redis, prefix)
      const c = { accountId: 3, contactId: 42 }
      await admit([`${tag}:dedupe:event:1`, `${tag}:dedupe:delivery:a`], 300, window(tag))
      await admit([`${other}:dedupe:event:9`], 300, window(other))
      await states.save(`${tag}:state`, { fields: { name: 'Maria' } }, 600, 7)
      await redis.rpush(`${prefix}{q}:lane:${tag}`, 'entry') // the queue's own key is not ours to drop
      await contacts.optOut(c)
      await contacts.link(c, tag, 600)
      expect(await contacts.conversations(c)).toEqual([tag])

      const erased = await createRedisEraser(redis, prefix)(tag)
      await contacts.forget(c)

      expect(erased).toBe(5) // two dedupe keys, the window, the state and its fence
      const left = await keysUnder(redis, prefix)
      expect(left.filter((key) => key.includes(tag) && !key.startsWith(`${prefix}{q}:`))).toEqual([])
      expect(left.filter((key) => key.includes('{c:3:42}'))).toEqual([])
      expect(left.some((key) => key.includes(other))).toBe(true)
      expect(await contacts.isOptedOut(c)).toBe(false)
    } finally {
      await cleanPrefix(redis, prefix)
    }
  })
})

import type { Redis } from 'ioredis'
import type { Stores } from './types.js'

/** Stores.eraseConversation: every key naming the conversation's tag, found by SCAN (erasures are rare). */
export function createRedisEraser (redis: Redis, prefix: string): Stores['eraseConversation'] {
  return async (tag) => {
    let cursor = '0'
    let erased = 0
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*${tag}*`, 'COUNT', 1000)
      cursor = next
      // The durable queue's keys ({q}) hold lanes of several conversations and their bookkeeping.
      const mine = keys.filter((k) => !k.startsWith(`${prefix}{q}:`))
      if (mine.length > 0) erased += await redis.unlink(...mine)
    } while (cursor !== '0')
    return erased
  }
}

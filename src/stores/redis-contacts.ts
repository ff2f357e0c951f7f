import type { Redis } from 'ioredis'
import { contactTag, type ContactStore } from './contacts.js'

// Keys `<prefix>{c:<account>:<contact>}:optout` (no expiry: an opt-out stands until erased) and
// `…:conversations` (a ZSET of conversation tags scored by when their state expires).

export function createRedisContactStore (redis: Redis, prefix: string, now: () => number = Date.now): ContactStore {
  const key = (c: Parameters<ContactStore['optOut']>[0], what: 'optout' | 'conversations'): string => `${prefix}${contactTag(c)}:${what}`
  return {
    async optOut (c) {
      await redis.set(key(c, 'optout'), '1')
    },
    async isOptedOut (c) {
      return await redis.exists(key(c, 'optout')) === 1
    },
    async link (c, tag, ttlSeconds) {
      const k = key(c, 'conversations')
      const until = now() + ttlSeconds * 1000
      await redis.multi()
        .zadd(k, until, tag)
        .zremrangebyscore(k, '-inf', now())
        .pexpire(k, ttlSeconds * 1000)
        .exec()
    },
    async conversations (c) {
      return redis.zrangebyscore(key(c, 'conversations'), now(), '+inf')
    },
    async forget (c) {
      await redis.del(key(c, 'optout'), key(c, 'conversations'))
    },
  }
}

import { Redis } from 'ioredis'
import type { DedupeStore, RateLimitStore, StoreHealth, Stores } from './types.js'
import type { Clock } from '../lib/clock.js'
import { withScripts } from './scripts.js'

// All keys of one claim share the conversation's hash tag (the caller builds them), so the
// script touches one slot and works on Redis Cluster too.
const CLAIM_SCRIPT = `
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then return 0 end
end
for _, k in ipairs(KEYS) do
  redis.call('SET', k, '1', 'EX', ARGV[1])
end
return 1`

// KEYS: the dedupe keys, then the window's counter when ARGV[2] is 1 (the caller builds them all
// with the conversation's hash tag). ARGV: number of dedupe keys, has limit, dedupe TTL s,
// window ms, max. → {0 duplicate | 1 new | 2 limited, count}
const ADMIT_SCRIPT = `
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {0, 0} end
end
local count = 0
if ARGV[2] == '1' then
  count = redis.call('INCR', KEYS[n + 1])
  if count == 1 then redis.call('PEXPIRE', KEYS[n + 1], ARGV[4]) end
  if count > tonumber(ARGV[5]) then return {2, count} end
end
for i = 1, n do
  redis.call('SET', KEYS[i], '1', 'EX', ARGV[3])
end
return {1, count}`

const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c`

interface ScriptedRedis extends Redis {
  sdrAdmit (numKeys: number, ...args: Array<string | number>): Promise<[number, number]>
  sdrClaim (numKeys: number, ...args: Array<string | number>): Promise<number>
  sdrHit (key: string, ttlMs: number): Promise<number>
}

const storeScripts = (redis: Redis): ScriptedRedis => withScripts<ScriptedRedis>(redis, {
  sdrClaim: { lua: CLAIM_SCRIPT },
  sdrAdmit: { lua: ADMIT_SCRIPT },
  sdrHit: { numberOfKeys: 1, lua: HIT_SCRIPT },
})

/**
 * A client that fails fast while disconnected instead of queueing commands, so the webhook can
 * fall back to memory within its few milliseconds, and that reconnects forever in the background.
 */
export function createRedisClient (url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // Commands issued in the same tick (concurrent deliveries) go out in one write and one read.
    enableAutoPipelining: true,
  })
}

export function createRedisDedupeStore (redis: Redis, prefix: string): DedupeStore {
  const r = storeScripts(redis)
  return {
    async claim (keys, ttlSeconds) {
      if (keys.length === 0) return true
      const result = await r.sdrClaim(keys.length, ...keys.map((k) => prefix + k), ttlSeconds)
      return result === 1
    },
    async release (keys) {
      if (keys.length > 0) await redis.del(...keys.map((k) => prefix + k))
    },
  }
}

export function createRedisRateLimitStore (redis: Redis, prefix: string, clock: Clock): RateLimitStore {
  const r = storeScripts(redis)
  return {
    async hit (key, windowSeconds) {
      const windowMs = windowSeconds * 1000
      const resetAt = (Math.floor(clock.now() / windowMs) + 1) * windowMs
      const count = await r.sdrHit(`${prefix}rl:${key}:${resetAt}`, windowMs)
      return { count, resetAt }
    },
  }
}

/** Stores.admit in one script: dedupe and the conversation's window share its hash tag. */
export function createRedisAdmission (redis: Redis, prefix: string, clock: Clock): Stores['admit'] {
  const r = storeScripts(redis)
  return async (keys, ttlSeconds, limit) => {
    const dedupeKeys = keys.map((k) => prefix + k)
    if (limit === undefined) {
      const [outcome] = await r.sdrAdmit(dedupeKeys.length, ...dedupeKeys, dedupeKeys.length, 0, ttlSeconds, 0, 0)
      return { outcome: outcome === 0 ? 'duplicate' : 'new', resetAt: 0 }
    }
    const windowMs = limit.windowSeconds * 1000
    const resetAt = (Math.floor(clock.now() / windowMs) + 1) * windowMs
    const counter = `${prefix}rl:${limit.key}:${resetAt}`
    const [outcome] = await r.sdrAdmit(dedupeKeys.length + 1, ...dedupeKeys, counter, dedupeKeys.length, 1, ttlSeconds, windowMs, limit.max)
    return { outcome: outcome === 0 ? 'duplicate' : outcome === 2 ? 'limited' : 'new', resetAt }
  }
}

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

export function createRedisHealth (redis: Redis, timeoutMs = 500): StoreHealth {
  return {
    kind: 'redis',
    async check () {
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer PING within ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        await Promise.race([redis.ping(), timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

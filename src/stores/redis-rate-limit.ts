import type { Redis } from 'ioredis'
import type { Clock } from '../lib/clock.js'
import { withScripts } from './scripts.js'
import type { RateLimitStore } from './types.js'

const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c`

interface HitRedis extends Redis {
  sdrHit (key: string, ttlMs: number): Promise<number>
}

/** Fixed windows on Redis: one counter per key and window, gone when the window ends. */
export function createRedisRateLimitStore (redis: Redis, prefix: string, clock: Clock): RateLimitStore {
  const r = withScripts<HitRedis>(redis, { sdrHit: { numberOfKeys: 1, lua: HIT_SCRIPT } })
  return {
    async hit (key, windowSeconds) {
      const windowMs = windowSeconds * 1000
      const resetAt = (Math.floor(clock.now() / windowMs) + 1) * windowMs
      const count = await r.sdrHit(`${prefix}rl:${key}:${resetAt}`, windowMs)
      return { count, resetAt }
    },
  }
}

import type { Redis } from 'ioredis'
import type { Clock } from '../lib/clock.js'
import { withScripts } from './scripts.js'
import type { DedupeStore, Stores } from './types.js'

// Dedupe and admission on Redis: which deliveries are new, and whether a conversation's window
// still takes one. All keys of one call share the conversation's hash tag (the caller builds them),
// so each script touches one slot and works on Redis Cluster too.

const CLAIM_SCRIPT = `
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then return 0 end
end
for _, k in ipairs(KEYS) do
  redis.call('SET', k, '1', 'EX', ARGV[1])
end
return 1`

// KEYS: the dedupe keys, then the window's counter when ARGV[2] is 1. ARGV: number of dedupe keys,
// has limit, dedupe TTL s, window ms, max. → {0 duplicate | 1 new | 2 limited, count}
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

interface AdmissionRedis extends Redis {
  sdrAdmit (numKeys: number, ...args: Array<string | number>): Promise<[number, number]>
  sdrClaim (numKeys: number, ...args: Array<string | number>): Promise<number>
}

const admissionScripts = (redis: Redis): AdmissionRedis => withScripts<AdmissionRedis>(redis, {
  sdrClaim: { lua: CLAIM_SCRIPT },
  sdrAdmit: { lua: ADMIT_SCRIPT },
})

export function createRedisDedupeStore (redis: Redis, prefix: string): DedupeStore {
  const r = admissionScripts(redis)
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

/** Stores.admit in one script: dedupe and the conversation's window share its hash tag. */
export function createRedisAdmission (redis: Redis, prefix: string, clock: Clock): Stores['admit'] {
  const r = admissionScripts(redis)
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

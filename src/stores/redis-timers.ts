import type { Redis } from 'ioredis'
import { withScripts } from './scripts.js'
import type { Timers } from './timers.js'

// Timers in Redis, in the durable queue's slot (`{q}`): one script moves a due timer into its lane
// exactly as an enqueue does, so across replicas each timer fires once, and a restart loses none.

/** KEYS: timers, jobs · ARGV: member, dueAt, entry */
const SET = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`

/** KEYS: timers, jobs · ARGV: member */
const CLEAR = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`

/**
 * KEYS: timers, jobs, due, first, leases, pending · ARGV: now, max, laneKeyBase → timers fired.
 * The lane key is built here (same `{q}` slot as the declared keys): which lanes fire is only
 * known inside the script. A leased lane gets its entry and runs it after the current batch.
 */
const FIRE = `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(members) do
  local entry = redis.call('HGET', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
  if entry then
    local lane = string.sub(member, 1, string.find(member, '|', 1, true) - 1)
    redis.call('RPUSH', ARGV[3] .. lane, entry)
    redis.call('INCR', KEYS[6])
    redis.call('ZADD', KEYS[4], 'NX', ARGV[1], lane)
    if not redis.call('ZSCORE', KEYS[5], lane) then
      redis.call('ZADD', KEYS[3], ARGV[1], lane)
    end
  end
end
return #members`

interface TimersRedis extends Redis {
  sdrTSet (...args: Array<string | number>): Promise<number>
  sdrTClear (...args: Array<string | number>): Promise<number>
  sdrTFire (...args: Array<string | number>): Promise<number>
}

export interface RedisTimersOptions {
  readonly redis: Redis
  /** REDIS_KEY_PREFIX: the keys are the durable queue's `<prefix>{q}:…`. */
  readonly prefix: string
  readonly now?: () => number
  readonly pollMs?: number
  /** false: only set and clear (a webhook-only replica); the workers fire. Default true. */
  readonly fire?: boolean
  readonly onFired?: (count: number) => void
  /** Redis did not answer a poll (said at most every 10 s); polling goes on. */
  readonly onLoopError?: (err: unknown) => void
}

export function createRedisTimers<J> (opts: RedisTimersOptions): Timers<J> {
  const r = withScripts<TimersRedis>(opts.redis, {
    sdrTSet: { numberOfKeys: 2, lua: SET },
    sdrTClear: { numberOfKeys: 2, lua: CLEAR },
    sdrTFire: { numberOfKeys: 6, lua: FIRE },
  })
  const now = opts.now ?? Date.now
  const base = `${opts.prefix}{q}:`
  const k = { timers: `${base}timers`, jobs: `${base}timer-jobs`, due: `${base}due`, first: `${base}first`, leases: `${base}leases`, pending: `${base}pending` }
  const member = (lane: string, name: string): string => `${lane}|${name}`
  let lastError = 0
  let firing = false
  const poll = setInterval(() => {
    if (opts.fire === false || firing || r.status !== 'ready') return
    firing = true
    r.sdrTFire(k.timers, k.jobs, k.due, k.first, k.leases, k.pending, now(), 100, `${base}lane:`)
      .then((fired) => { if (fired > 0) opts.onFired?.(fired) })
      .catch((err: unknown) => {
        if (Date.now() - lastError > 10_000) {
          lastError = Date.now()
          opts.onLoopError?.(err)
        }
      })
      .finally(() => { firing = false })
  }, opts.pollMs ?? 250)
  poll.unref()
  return {
    async set (lane, name, dueAt, job) {
      // The same entry shape the queue's lanes hold: { at, job }.
      await r.sdrTSet(k.timers, k.jobs, member(lane, name), dueAt, JSON.stringify({ at: dueAt, job }))
    },
    async clear (lane, name) {
      await r.sdrTClear(k.timers, k.jobs, member(lane, name))
    },
    async count () {
      return r.zcard(k.timers)
    },
    close () {
      clearInterval(poll)
    },
  }
}

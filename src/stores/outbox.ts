import type { Redis } from 'ioredis'
import { withScripts } from './scripts.js'

// The outbox for side effects that are not the reply (n8n workflows): with Redis, a trigger is
// stored first and sent by whichever replica is free, retried on its own schedule with backoff,
// and never holds up a conversation. Each entry is keyed by its idempotency key, so a turn that
// is finished again after a crash does not send it twice. Keys share the queue's `{q}` slot.

export interface OutboxItem {
  readonly workflow: string
  readonly payload: Record<string, unknown>
  /** The idempotency key: one entry per key, ever (a sent key is remembered for a day). */
  readonly key: string
}

export type SendOutcome = 'sent' | 'not_configured'

export interface Outbox {
  add (item: OutboxItem): Promise<void>
  /** Stops dispatching; resolves when the sends under way settled or the bound passed. */
  close (timeoutMs: number): Promise<void>
}

export interface RedisOutboxOptions {
  readonly redis: Redis
  readonly prefix: string
  readonly send: (item: OutboxItem) => Promise<SendOutcome>
  readonly maxAttempts: number
  /** A claimed entry not acknowledged within this (its replica died) is sent again. */
  readonly leaseMs: number
  readonly now?: () => number
  readonly random?: () => number
  readonly pollMs?: number
  /** First retry delay; it doubles per attempt (with jitter), up to five minutes. Default 2 s. */
  readonly baseDelayMs?: number
  readonly onResult: (workflow: string, outcome: SendOutcome | 'retry' | 'gave_up') => void
  readonly onError: (err: unknown) => void
}

const ADD = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local d = redis.call('HGET', KEYS[2], id)
  if d then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
    table.insert(out, d)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`

const DONE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[2])
return 1`

const RETRY = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`

interface OutboxRedis extends Redis {
  sdrOutboxAdd (...args: Array<string | number>): Promise<number>
  sdrOutboxClaim (...args: Array<string | number>): Promise<string[]>
  sdrOutboxDone (...args: Array<string | number>): Promise<number>
  sdrOutboxRetry (...args: Array<string | number>): Promise<number>
}

interface Stored { readonly item: OutboxItem, readonly attempts: number }

const DONE_TTL_SECONDS = 86_400
const CLAIM_BATCH = 20

export function createRedisOutbox (opts: RedisOutboxOptions): Outbox {
  const r = withScripts<OutboxRedis>(opts.redis, {
    sdrOutboxAdd: { numberOfKeys: 3, lua: ADD },
    sdrOutboxClaim: { numberOfKeys: 2, lua: CLAIM },
    sdrOutboxDone: { numberOfKeys: 3, lua: DONE },
    sdrOutboxRetry: { numberOfKeys: 2, lua: RETRY },
  })
  const now = opts.now ?? Date.now
  const random = opts.random ?? Math.random
  const base = `${opts.prefix}{q}:outbox`
  const due = `${base}:due`
  const data = `${base}:data`
  const done = (key: string) => `${base}:done:${key}`
  const sending = new Set<Promise<void>>()
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let lastError = 0

  const deliver = async (stored: Stored): Promise<void> => {
    const { item } = stored
    try {
      const outcome = await opts.send(item)
      await r.sdrOutboxDone(due, data, done(item.key), item.key, DONE_TTL_SECONDS)
      opts.onResult(item.workflow, outcome)
    } catch (err) {
      const attempts = stored.attempts + 1
      if (attempts >= opts.maxAttempts) {
        await r.sdrOutboxDone(due, data, done(item.key), item.key, DONE_TTL_SECONDS)
        opts.onResult(item.workflow, 'gave_up')
        opts.onError(err)
        return
      }
      const cap = Math.min(300_000, (opts.baseDelayMs ?? 2000) * 2 ** attempts)
      const at = now() + Math.round(cap / 2 + random() * cap / 2)
      await r.sdrOutboxRetry(due, data, item.key, JSON.stringify({ item, attempts }), at)
      opts.onResult(item.workflow, 'retry')
    }
  }

  const tick = async (): Promise<void> => {
    const claimed = await r.sdrOutboxClaim(due, data, now(), opts.leaseMs, CLAIM_BATCH)
    for (const json of claimed) {
      let stored: Stored
      try {
        stored = JSON.parse(json) as Stored
      } catch (err) {
        opts.onError(err)
        continue
      }
      const p = deliver(stored).catch((err: unknown) => opts.onError(err))
      sending.add(p)
      p.finally(() => sending.delete(p)).catch(() => {})
    }
  }

  const loop = (): void => {
    if (closed) return
    timer = setTimeout(() => {
      tick().catch((err: unknown) => {
        // Redis down: said once in a while, and tried again on the next round.
        if (now() - lastError > 10_000) {
          lastError = now()
          opts.onError(err)
        }
      }).finally(loop)
    }, opts.pollMs ?? 200)
  }
  loop()

  return {
    async add (item) {
      await r.sdrOutboxAdd(due, data, done(item.key), item.key, JSON.stringify({ item, attempts: 0 }), now())
    },
    async close (timeoutMs) {
      closed = true
      clearTimeout(timer)
      let t: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...sending]),
        new Promise((resolve) => { t = setTimeout(resolve, timeoutMs) }),
      ])
      clearTimeout(t)
    },
  }
}

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

interface OutboxKeys {
  /** Entry ids by when they are next due (a claim pushes this to the lease's end). */
  readonly due: string
  /** Each entry's item and attempts, by id. */
  readonly data: string
  /** Marks a key as sent, for a day: a turn finished again after a crash does not send it twice. */
  readonly done: (key: string) => string
}

function outboxKeys (prefix: string): OutboxKeys {
  const base = `${prefix}{q}:outbox`
  return { due: `${base}:due`, data: `${base}:data`, done: (key: string) => `${base}:done:${key}` }
}

/** What one outbox's functions share: its settings, its connection and the replica's own state. */
interface OutboxContext {
  readonly opts: RedisOutboxOptions
  readonly r: OutboxRedis
  readonly k: OutboxKeys
  readonly now: () => number
  readonly random: () => number
  readonly sending: Set<Promise<void>>
  closed: boolean
  timer: NodeJS.Timeout | undefined
  lastError: number
}

export function createRedisOutbox (opts: RedisOutboxOptions): Outbox {
  const r = withScripts<OutboxRedis>(opts.redis, {
    sdrOutboxAdd: { numberOfKeys: 3, lua: ADD },
    sdrOutboxClaim: { numberOfKeys: 2, lua: CLAIM },
    sdrOutboxDone: { numberOfKeys: 3, lua: DONE },
    sdrOutboxRetry: { numberOfKeys: 2, lua: RETRY },
  })
  const ctx: OutboxContext = {
    opts,
    r,
    k: outboxKeys(opts.prefix),
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
    sending: new Set(),
    closed: false,
    timer: undefined,
    lastError: 0,
  }
  loop(ctx)
  return {
    async add (item) {
      const { k } = ctx
      await r.sdrOutboxAdd(k.due, k.data, k.done(item.key), item.key, JSON.stringify({ item, attempts: 0 }), ctx.now())
    },
    close: async (timeoutMs) => await close(ctx, timeoutMs),
  }
}

/**
 * Delay before the next send of an entry that failed `attempts` times: doubling from `baseDelayMs`,
 * capped at five minutes, jittered over the cap's upper half.
 */
export function outboxRetryDelayMs (attempts: number, baseDelayMs: number, random: () => number): number {
  const cap = Math.min(300_000, baseDelayMs * 2 ** attempts)
  return Math.round(cap / 2 + random() * cap / 2)
}

async function markDone (ctx: OutboxContext, key: string): Promise<void> {
  const { k } = ctx
  await ctx.r.sdrOutboxDone(k.due, k.data, k.done(key), key, DONE_TTL_SECONDS)
}

/** Sends one entry; a failure is put back with a backoff, or given up once its attempts are spent. */
async function deliver (ctx: OutboxContext, stored: Stored): Promise<void> {
  const { item } = stored
  const { opts, k } = ctx
  try {
    const outcome = await opts.send(item)
    await markDone(ctx, item.key)
    opts.onResult(item.workflow, outcome)
  } catch (err) {
    const attempts = stored.attempts + 1
    if (attempts >= opts.maxAttempts) {
      await markDone(ctx, item.key)
      opts.onResult(item.workflow, 'gave_up')
      opts.onError(err)
      return
    }
    const at = ctx.now() + outboxRetryDelayMs(attempts, opts.baseDelayMs ?? 2000, ctx.random)
    await ctx.r.sdrOutboxRetry(k.due, k.data, item.key, JSON.stringify({ item, attempts }), at)
    opts.onResult(item.workflow, 'retry')
  }
}

/** Claims the due entries and starts sending each, without waiting for the sends. */
async function tick (ctx: OutboxContext): Promise<void> {
  const { k, opts } = ctx
  const claimed = await ctx.r.sdrOutboxClaim(k.due, k.data, ctx.now(), opts.leaseMs, CLAIM_BATCH)
  for (const json of claimed) {
    let stored: Stored
    try {
      stored = JSON.parse(json) as Stored
    } catch (err) {
      opts.onError(err)
      continue
    }
    const p = deliver(ctx, stored).catch((err: unknown) => opts.onError(err))
    ctx.sending.add(p)
    p.finally(() => ctx.sending.delete(p)).catch(() => {})
  }
}

function loop (ctx: OutboxContext): void {
  if (ctx.closed) return
  ctx.timer = setTimeout(() => {
    tick(ctx).catch((err: unknown) => {
      // Redis down: said once in a while, and tried again on the next round.
      if (ctx.now() - ctx.lastError > 10_000) {
        ctx.lastError = ctx.now()
        ctx.opts.onError(err)
      }
    }).finally(() => loop(ctx))
  }, ctx.opts.pollMs ?? 200)
}

async function close (ctx: OutboxContext, timeoutMs: number): Promise<void> {
  ctx.closed = true
  clearTimeout(ctx.timer)
  let t: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.allSettled([...ctx.sending]),
    new Promise((resolve) => { t = setTimeout(resolve, timeoutMs) }),
  ])
  clearTimeout(t)
}

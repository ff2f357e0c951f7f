import type { Redis } from 'ioredis'
import type { BatchHandler, QueueStats, WorkQueue } from './queue.js'
import { CLAIM, COMPLETE, ENQUEUE, EXTEND, RECOVER, RETRY } from './redis-queue-scripts.js'
import { withScripts } from './scripts.js'

// The durable queue, used when REDIS_URL is set: every accepted event is in Redis before the
// webhook answers 200, so any replica can run it and a crashed replica's work is taken over.
//
// One lane per conversation. A replica runs a lane's batch only while it holds the lane's lease
// (an expiring entry with a fencing token from a Redis counter). Two replicas therefore never run
// the same conversation at once, batches run in arrival order, and the entries of a batch leave
// the lane only when the holder of the current token completes it: a replica that dies mid-batch
// leaves them in place, its lease runs out, and another replica runs the batch again (the worker
// recognises what it had already done). The token also fences the conversation state, so a
// replica that froze past its lease cannot overwrite what the next holder saved.

export interface RedisQueueOptions<J> {
  readonly redis: Redis
  /** REDIS_KEY_PREFIX; the queue's keys are `<prefix>{q}:…`. */
  readonly prefix: string
  readonly handler: BatchHandler<J>
  readonly debounceMs: number
  readonly maxWaitMs: number
  /** How long a lease lasts without a heartbeat: how soon a dead replica's work is taken over. */
  readonly leaseMs: number
  /** Lanes this replica runs at once. */
  readonly concurrency: number
  /** Runs of a batch (failures and stalls) before it is given up to `onExhausted`. */
  readonly maxAttempts: number
  readonly now?: () => number
  readonly random?: () => number
  readonly pollMs?: number
  readonly onError: (laneKey: string, err: unknown) => void
  /** The batch failed `maxAttempts` times: it must still reach a person (a handoff with a note). */
  readonly onExhausted: (laneKey: string, jobs: readonly J[]) => Promise<void>
  /** Redis refused an enqueue: the job waits in this process until Redis answers again. */
  readonly onBuffered?: (laneKey: string, err: unknown) => void
  readonly onStalled?: (laneKeys: readonly string[]) => void
  /** The queue's own loop could not reach Redis (said at most every 10 s); it keeps trying. */
  readonly onLoopError?: (err: unknown) => void
  /** A failed batch was put back, to run again after its backoff. */
  readonly onRetry?: (laneKey: string, attempt: number) => void
  /** false: only enqueue (a webhook-only replica); others run the lanes. Default true. */
  readonly consume?: boolean
}

interface QueueRedis extends Redis {
  sdrQEnqueue (...args: Array<string | number>): Promise<number>
  sdrQClaim (...args: Array<string | number>): Promise<[number, number, string[]] | null>
  sdrQComplete (...args: Array<string | number>): Promise<number>
  sdrQRetry (...args: Array<string | number>): Promise<number>
  sdrQExtend (...args: Array<string | number>): Promise<number>
  sdrQRecover (...args: Array<string | number>): Promise<string[]>
}

const withQueueScripts = (redis: Redis): QueueRedis => withScripts<QueueRedis>(redis, {
  sdrQEnqueue: { numberOfKeys: 5, lua: ENQUEUE },
  sdrQClaim: { numberOfKeys: 7, lua: CLAIM },
  sdrQComplete: { numberOfKeys: 7, lua: COMPLETE },
  sdrQRetry: { numberOfKeys: 5, lua: RETRY },
  sdrQExtend: { numberOfKeys: 2, lua: EXTEND },
  sdrQRecover: { numberOfKeys: 5, lua: RECOVER },
})

/** Most entries a replica keeps while Redis is down; past it the webhook fails and Chatwoot hands off. */
const MAX_BUFFERED = 50_000
const MAX_BATCH = 50
/** Waiting entries hasWaiting reads at most: a lane is rarely longer, and it is asked per reply part. */
const WAITING_LOOKED_AT = 50

interface Entry<J> { readonly at: number, readonly job: J }
/** The queue's Redis keys: all in one hash slot (`{q}`), as the scripts need on a cluster. */
interface QueueKeys {
  readonly due: string
  readonly first: string
  readonly leases: string
  readonly tokens: string
  readonly fence: string
  readonly attempts: string
  readonly pending: string
  readonly lane: (lane: string) => string
}

function queueKeys (prefix: string): QueueKeys {
  const base = `${prefix}{q}:`
  return {
    due: `${base}due`,
    first: `${base}first`,
    leases: `${base}leases`,
    tokens: `${base}tokens`,
    fence: `${base}fence`,
    attempts: `${base}attempts`,
    pending: `${base}pending`,
    lane: (lane: string) => `${base}lane:${lane}`,
  }
}

/** What one queue's functions share: its settings, its two connections and the replica's own state. */
interface QueueContext<J> {
  readonly opts: RedisQueueOptions<J>
  /** The shared connection: enqueues and hasWaiting, on the webhook's path. */
  readonly r: QueueRedis
  /** The loop's own connection (claims, completions, recovery, figures). */
  readonly w: QueueRedis
  readonly k: QueueKeys
  readonly now: () => number
  readonly random: () => number
  readonly consume: boolean
  readonly pollMs: number
  readonly running: Map<string, Promise<void>>
  /** Entries of the batch this replica runs per lane: they stay at the head of the lane's list until completed. */
  readonly claimedCount: Map<string, number>
  /** Redis refused these (an outage): kept in order per lane and flushed when it answers again. */
  readonly buffer: Map<string, string[]>
  buffered: number
  closing: boolean
  timer: NodeJS.Timeout | undefined
  nextRecover: number
  nextStats: number
  cached: QueueStats
  lastLoopError: number
  ticking: boolean
  again: boolean
}

export function createRedisQueue<J> (opts: RedisQueueOptions<J>): WorkQueue<J> {
  const r = withQueueScripts(opts.redis)
  // The worker loop has its own connection, so the webhook's commands never wait behind it on the shared one.
  const w = withQueueScripts(opts.redis.duplicate())
  w.on('error', () => {})
  const consume = opts.consume ?? true
  const ctx: QueueContext<J> = {
    opts,
    r,
    w,
    k: queueKeys(opts.prefix),
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
    consume,
    // A webhook-only replica polls only to flush what an outage held back and to read the figures.
    pollMs: opts.pollMs ?? (consume ? 50 : 500),
    running: new Map(),
    claimedCount: new Map(),
    buffer: new Map(),
    buffered: 0,
    closing: false,
    timer: undefined,
    nextRecover: 0,
    nextStats: 0,
    cached: { depth: 0, oldestAgeMs: 0, lanes: 0 },
    lastLoopError: 0,
    ticking: false,
    again: false,
  }
  schedule(ctx, 0)
  return {
    enqueue: async (lane, job) => await enqueue(ctx, lane, job),
    stats: () => ({ ...ctx.cached, depth: ctx.cached.depth + ctx.buffered }),
    hasWaiting: async (lane, match) => await hasWaiting(ctx, lane, match),
    drain: async (timeoutMs) => await drain(ctx, timeoutMs),
  }
}

// --- intake: the webhook's side ---

function push<J> (ctx: QueueContext<J>, lane: string, entry: string): Promise<number> {
  const { k, opts } = ctx
  return ctx.r.sdrQEnqueue(
    k.lane(lane), k.due, k.first, k.leases, k.pending,
    lane, entry, ctx.now(), opts.debounceMs, opts.maxWaitMs
  )
}

async function enqueue<J> (ctx: QueueContext<J>, lane: string, job: J): Promise<void> {
  const entry = JSON.stringify({ at: ctx.now(), job })
  const waiting = ctx.buffer.get(lane)
  if (waiting !== undefined) {
    // Behind what already waits for Redis, so the lane keeps its order.
    if (ctx.buffered >= MAX_BUFFERED) throw new Error('work buffer full while Redis is unavailable')
    waiting.push(entry)
    ctx.buffered++
    return
  }
  try {
    await push(ctx, lane, entry)
    // Due sooner than the next poll (a short debounce): look at once rather than up to pollMs later.
    if (ctx.consume && ctx.opts.debounceMs < ctx.pollMs) schedule(ctx, ctx.opts.debounceMs)
  } catch (err) {
    if (ctx.buffered >= MAX_BUFFERED) throw err
    ctx.buffer.set(lane, [entry])
    ctx.buffered++
    ctx.opts.onBuffered?.(lane, err)
  }
}

/** Sends what Redis refused during an outage, lane by lane in order; stops at the first refusal. */
async function flush<J> (ctx: QueueContext<J>): Promise<void> {
  for (const [lane, entries] of ctx.buffer) {
    while (entries.length > 0) {
      await push(ctx, lane, entries[0] as string)
      entries.shift()
      ctx.buffered--
    }
    ctx.buffer.delete(lane)
  }
}

function parsed<J> (entry: string): J | undefined {
  try {
    return (JSON.parse(entry) as Entry<J>).job
  } catch {
    return undefined
  }
}

async function hasWaiting<J> (ctx: QueueContext<J>, lane: string, match: (job: J) => boolean): Promise<boolean> {
  const accepts = (entry: string): boolean => {
    const job = parsed<J>(entry)
    return job !== undefined && match(job)
  }
  if (ctx.buffer.get(lane)?.some(accepts) === true) return true
  const from = ctx.claimedCount.get(lane) ?? 0
  const waiting = await ctx.r.lrange(ctx.k.lane(lane), from, from + WAITING_LOOKED_AT - 1)
  return waiting.some(accepts)
}

// --- running lanes: the loop's side ---

/** Delay before a failed batch runs again: doubling from 1 s, capped at 60 s, jittered over its upper half. */
export function retryBackoffMs (attempt: number, random: () => number): number {
  const cap = Math.min(60_000, 1000 * 2 ** attempt)
  return Math.round(cap / 2 + random() * cap / 2)
}

/** The jobs of a claimed batch; an entry that does not parse is reported and left out. */
function jobsOf<J> (ctx: QueueContext<J>, lane: string, raw: readonly string[]): J[] {
  const jobs: J[] = []
  for (const text of raw) {
    try {
      jobs.push((JSON.parse(text) as Entry<J>).job)
    } catch (err) {
      ctx.opts.onError(lane, err)
    }
  }
  return jobs
}

/** Keeps the lease alive while the batch runs: a third of the lease between beats, at least 100 ms. */
function startHeartbeat<J> (ctx: QueueContext<J>, lane: string, token: number): NodeJS.Timeout {
  const { k, opts } = ctx
  return setInterval(() => {
    ctx.w.sdrQExtend(k.leases, k.tokens, lane, token, ctx.now() + opts.leaseMs).catch(() => {})
  }, Math.max(100, Math.floor(opts.leaseMs / 3)))
}

async function runLane<J> (ctx: QueueContext<J>, lane: string): Promise<void> {
  const { k, opts, w } = ctx
  const claimed = await w.sdrQClaim(
    k.lane(lane), k.due, k.first, k.leases, k.tokens, k.fence, k.attempts,
    lane, ctx.now(), opts.leaseMs, MAX_BATCH
  )
  if (claimed === null) return
  const [token, attempt, raw] = claimed
  ctx.claimedCount.set(lane, raw.length)
  const jobs = jobsOf(ctx, lane, raw)
  const heartbeat = startHeartbeat(ctx, lane, token)
  try {
    if (attempt >= opts.maxAttempts) await opts.onExhausted(lane, jobs)
    else if (jobs.length > 0) await opts.handler(lane, jobs, { fence: token, attempt })
    await w.sdrQComplete(
      k.lane(lane), k.due, k.first, k.leases, k.tokens, k.attempts, k.pending,
      lane, token, raw.length, ctx.now(), opts.debounceMs, opts.maxWaitMs
    )
  } catch (err) {
    opts.onError(lane, err)
    // If Redis itself failed, the lease runs out and the batch is recovered instead.
    const again = await w.sdrQRetry(k.due, k.first, k.leases, k.tokens, k.attempts, lane, token, ctx.now(), retryBackoffMs(attempt, ctx.random)).catch(() => -1)
    if (again >= 0) opts.onRetry?.(lane, again)
  } finally {
    clearInterval(heartbeat)
    ctx.claimedCount.delete(lane)
  }
}

function start<J> (ctx: QueueContext<J>, lane: string): void {
  const p = runLane(ctx, lane)
    .catch((err: unknown) => ctx.opts.onError(lane, err))
    .finally(() => {
      ctx.running.delete(lane)
      if (!ctx.closing) schedule(ctx, 0)
    })
  ctx.running.set(lane, p)
}

async function refreshStats<J> (ctx: QueueContext<J>): Promise<void> {
  const { k, w } = ctx
  const [pending, oldest, due, leased] = await Promise.all([
    w.get(k.pending),
    w.zrange(k.first, '0', '0', 'WITHSCORES'),
    w.zcard(k.due),
    w.zcard(k.leases),
  ])
  const oldestAt = oldest[1] !== undefined ? Number(oldest[1]) : undefined
  ctx.cached = {
    depth: Math.max(0, Number(pending ?? 0)),
    oldestAgeMs: oldestAt === undefined ? 0 : Math.max(0, ctx.now() - oldestAt),
    lanes: due + leased,
  }
}

/** Figures are read at most once a second. */
async function refreshStatsWhenDue<J> (ctx: QueueContext<J>, t: number): Promise<void> {
  if (t < ctx.nextStats) return
  ctx.nextStats = t + 1000
  await refreshStats(ctx)
}

/** Puts back the batches of leases that ran out (a dead or frozen replica), every half lease. */
async function recoverStalledWhenDue<J> (ctx: QueueContext<J>, t: number): Promise<void> {
  if (t < ctx.nextRecover) return
  ctx.nextRecover = t + Math.max(100, Math.floor(ctx.opts.leaseMs / 2))
  const { k } = ctx
  const stalled = await ctx.w.sdrQRecover(k.leases, k.tokens, k.attempts, k.due, k.first, t, 100)
  if (stalled.length > 0) ctx.opts.onStalled?.(stalled)
}

/** Starts the due lanes this replica has room for. */
async function startDueLanes<J> (ctx: QueueContext<J>, t: number): Promise<void> {
  const free = ctx.opts.concurrency - ctx.running.size
  if (free <= 0) return
  const lanes = await ctx.w.zrangebyscore(ctx.k.due, '-inf', String(t), 'LIMIT', 0, free)
  for (const lane of lanes) if (!ctx.running.has(lane)) start(ctx, lane)
}

async function tick<J> (ctx: QueueContext<J>): Promise<void> {
  // Connecting, or reconnecting after an outage: nothing to do until Redis answers.
  if (ctx.w.status !== 'ready') return
  const t = ctx.now()
  if (ctx.buffered > 0) await flush(ctx)
  if (ctx.consume) {
    await recoverStalledWhenDue(ctx, t)
    await startDueLanes(ctx, t)
  }
  await refreshStatsWhenDue(ctx, t)
}

/** Says the loop's Redis errors at most every 10 s: an outage would otherwise log one per poll. */
function reportLoopError<J> (ctx: QueueContext<J>, err: unknown): void {
  if (ctx.now() - ctx.lastLoopError <= 10_000) return
  ctx.lastLoopError = ctx.now()
  if (ctx.opts.onLoopError !== undefined) ctx.opts.onLoopError(err)
  else ctx.opts.onError('(queue)', err)
}

/** Arms the next tick; a sooner one (delay 0) replaces a pending poll, a later one leaves it. */
function schedule<J> (ctx: QueueContext<J>, delay: number): void {
  if (ctx.closing) return
  if (ctx.timer !== undefined) {
    if (delay > 0) return
    clearTimeout(ctx.timer)
  }
  ctx.timer = setTimeout(() => {
    ctx.timer = undefined
    if (ctx.ticking) {
      // Work arrived while a tick runs: look again as soon as it ends, not a poll later.
      ctx.again = true
      return
    }
    ctx.ticking = true
    ctx.again = false
    tick(ctx).catch((err: unknown) => reportLoopError(ctx, err)).finally(() => {
      ctx.ticking = false
      schedule(ctx, ctx.again ? 0 : ctx.pollMs)
    })
  }, delay)
}

async function drain<J> (ctx: QueueContext<J>, timeoutMs: number): Promise<boolean> {
  // Queued work stays in Redis for the other replicas (or this one after a restart);
  // only what this replica is running, and what it holds while Redis was down, must finish.
  ctx.closing = true
  clearTimeout(ctx.timer)
  ctx.timer = undefined
  // Real time, not the injected clock: a shutdown bound must pass even under a test clock.
  const bound = { passed: false }
  let t: NodeJS.Timeout | undefined
  const expired = new Promise<void>((resolve) => {
    t = setTimeout(() => {
      bound.passed = true
      resolve()
    }, timeoutMs)
  })
  await Promise.race([Promise.allSettled([...ctx.running.values()]), expired])
  // What Redis refused while it was down is tried until the bound: past it, it is lost with this process.
  while (ctx.buffer.size > 0 && !bound.passed) {
    try {
      await flush(ctx)
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  clearTimeout(t)
  ctx.w.disconnect()
  return ctx.running.size === 0 && ctx.buffered === 0
}

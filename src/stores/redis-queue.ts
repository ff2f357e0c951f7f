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

export function createRedisQueue<J> (opts: RedisQueueOptions<J>): WorkQueue<J> {
  const r = withQueueScripts(opts.redis)
  // The worker loop (claims, completions, recovery, figures) has its own connection, so the
  // webhook's commands never wait behind it on the shared one.
  const w = withQueueScripts(opts.redis.duplicate())
  w.on('error', () => {})
  const now = opts.now ?? Date.now
  const random = opts.random ?? Math.random
  const consume = opts.consume ?? true
  // A webhook-only replica polls only to flush what an outage held back and to read the figures.
  const pollMs = opts.pollMs ?? (consume ? 50 : 500)
  const base = `${opts.prefix}{q}:`
  const k = {
    due: `${base}due`,
    first: `${base}first`,
    leases: `${base}leases`,
    tokens: `${base}tokens`,
    fence: `${base}fence`,
    attempts: `${base}attempts`,
    pending: `${base}pending`,
    lane: (lane: string) => `${base}lane:${lane}`,
  }

  const running = new Map<string, Promise<void>>()
  // Entries of the batch this replica runs per lane: they stay at the head of the lane's list until completed.
  const claimedCount = new Map<string, number>()
  // Redis refused these (an outage): kept in order per lane and flushed when it answers again.
  const buffer = new Map<string, string[]>()
  let buffered = 0
  let closing = false
  let timer: NodeJS.Timeout | undefined
  let nextRecover = 0
  let nextStats = 0
  let cached: QueueStats = { depth: 0, oldestAgeMs: 0, lanes: 0 }
  let lastLoopError = 0
  let ticking = false
  let again = false

  const push = (lane: string, entry: string) => r.sdrQEnqueue(
    k.lane(lane), k.due, k.first, k.leases, k.pending,
    lane, entry, now(), opts.debounceMs, opts.maxWaitMs
  )

  const flush = async (): Promise<void> => {
    for (const [lane, entries] of buffer) {
      while (entries.length > 0) {
        await push(lane, entries[0] as string)
        entries.shift()
        buffered--
      }
      buffer.delete(lane)
    }
  }

  const backoffMs = (attempt: number): number => {
    const cap = Math.min(60_000, 1000 * 2 ** attempt)
    return Math.round(cap / 2 + random() * cap / 2)
  }

  const runLane = async (lane: string): Promise<void> => {
    const claimed = await w.sdrQClaim(
      k.lane(lane), k.due, k.first, k.leases, k.tokens, k.fence, k.attempts,
      lane, now(), opts.leaseMs, MAX_BATCH
    )
    if (claimed === null) return
    const [token, attempt, raw] = claimed
    claimedCount.set(lane, raw.length)
    const jobs: J[] = []
    for (const text of raw) {
      try {
        jobs.push((JSON.parse(text) as Entry<J>).job)
      } catch (err) {
        opts.onError(lane, err)
      }
    }
    const heartbeat = setInterval(() => {
      w.sdrQExtend(k.leases, k.tokens, lane, token, now() + opts.leaseMs).catch(() => {})
    }, Math.max(100, Math.floor(opts.leaseMs / 3)))
    try {
      if (attempt >= opts.maxAttempts) await opts.onExhausted(lane, jobs)
      else if (jobs.length > 0) await opts.handler(lane, jobs, { fence: token, attempt })
      await w.sdrQComplete(
        k.lane(lane), k.due, k.first, k.leases, k.tokens, k.attempts, k.pending,
        lane, token, raw.length, now(), opts.debounceMs, opts.maxWaitMs
      )
    } catch (err) {
      opts.onError(lane, err)
      // If Redis itself failed, the lease runs out and the batch is recovered instead.
      const again = await w.sdrQRetry(k.due, k.first, k.leases, k.tokens, k.attempts, lane, token, now(), backoffMs(attempt)).catch(() => -1)
      if (again >= 0) opts.onRetry?.(lane, again)
    } finally {
      clearInterval(heartbeat)
      claimedCount.delete(lane)
    }
  }

  const parsed = (entry: string): J | undefined => {
    try {
      return (JSON.parse(entry) as Entry<J>).job
    } catch {
      return undefined
    }
  }

  const start = (lane: string): void => {
    const p = runLane(lane)
      .catch((err: unknown) => opts.onError(lane, err))
      .finally(() => {
        running.delete(lane)
        if (!closing) schedule(0)
      })
    running.set(lane, p)
  }

  const refreshStats = async (): Promise<void> => {
    const [pending, oldest, due, leased] = await Promise.all([
      w.get(k.pending),
      w.zrange(k.first, '0', '0', 'WITHSCORES'),
      w.zcard(k.due),
      w.zcard(k.leases),
    ])
    const oldestAt = oldest[1] !== undefined ? Number(oldest[1]) : undefined
    cached = {
      depth: Math.max(0, Number(pending ?? 0)),
      oldestAgeMs: oldestAt === undefined ? 0 : Math.max(0, now() - oldestAt),
      lanes: due + leased,
    }
  }

  const tick = async (): Promise<void> => {
    // Connecting, or reconnecting after an outage: nothing to do until Redis answers.
    if (w.status !== 'ready') return
    const t = now()
    if (buffered > 0) await flush()
    if (!consume) {
      if (t >= nextStats) {
        nextStats = t + 1000
        await refreshStats()
      }
      return
    }
    if (t >= nextRecover) {
      nextRecover = t + Math.max(100, Math.floor(opts.leaseMs / 2))
      const stalled = await w.sdrQRecover(k.leases, k.tokens, k.attempts, k.due, k.first, t, 100)
      if (stalled.length > 0) opts.onStalled?.(stalled)
    }
    const free = opts.concurrency - running.size
    if (free > 0) {
      const lanes = await w.zrangebyscore(k.due, '-inf', String(t), 'LIMIT', 0, free)
      for (const lane of lanes) if (!running.has(lane)) start(lane)
    }
    if (t >= nextStats) {
      nextStats = t + 1000
      await refreshStats()
    }
  }

  const schedule = (delay: number): void => {
    if (closing) return
    if (timer !== undefined) {
      if (delay > 0) return
      clearTimeout(timer)
    }
    timer = setTimeout(() => {
      timer = undefined
      if (ticking) {
        // Work arrived while a tick runs: look again as soon as it ends, not a poll later.
        again = true
        return
      }
      ticking = true
      again = false
      tick().catch((err: unknown) => {
        if (now() - lastLoopError > 10_000) {
          lastLoopError = now()
          if (opts.onLoopError !== undefined) opts.onLoopError(err)
          else opts.onError('(queue)', err)
        }
      }).finally(() => {
        ticking = false
        schedule(again ? 0 : pollMs)
      })
    }, delay)
  }
  schedule(0)

  return {
    async enqueue (lane, job) {
      const entry = JSON.stringify({ at: now(), job })
      const waiting = buffer.get(lane)
      if (waiting !== undefined) {
        // Behind what already waits for Redis, so the lane keeps its order.
        if (buffered >= MAX_BUFFERED) throw new Error('work buffer full while Redis is unavailable')
        waiting.push(entry)
        buffered++
        return
      }
      try {
        await push(lane, entry)
        // Due sooner than the next poll (a short debounce): look at once rather than up to pollMs later.
        if (consume && opts.debounceMs < pollMs) schedule(opts.debounceMs)
      } catch (err) {
        if (buffered >= MAX_BUFFERED) throw err
        buffer.set(lane, [entry])
        buffered++
        opts.onBuffered?.(lane, err)
      }
    },
    stats () {
      return { ...cached, depth: cached.depth + buffered }
    },
    async hasWaiting (lane, match) {
      const accepts = (entry: string): boolean => {
        const job = parsed(entry)
        return job !== undefined && match(job)
      }
      if (buffer.get(lane)?.some(accepts) === true) return true
      const from = claimedCount.get(lane) ?? 0
      const waiting = await r.lrange(k.lane(lane), from, from + WAITING_LOOKED_AT - 1)
      return waiting.some(accepts)
    },
    async drain (timeoutMs) {
      // Queued work stays in Redis for the other replicas (or this one after a restart);
      // only what this replica is running, and what it holds while Redis was down, must finish.
      closing = true
      clearTimeout(timer)
      timer = undefined
      // Real time, not the injected clock: a shutdown bound must pass even under a test clock.
      const bound = { passed: false }
      let t: NodeJS.Timeout | undefined
      const expired = new Promise<void>((resolve) => {
        t = setTimeout(() => {
          bound.passed = true
          resolve()
        }, timeoutMs)
      })
      await Promise.race([Promise.allSettled([...running.values()]), expired])
      // What Redis refused while it was down is tried until the bound: past it, it is lost with this process.
      for (;;) {
        if (buffer.size === 0 || bound.passed) break
        try {
          await flush()
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      }
      clearTimeout(t)
      w.disconnect()
      return running.size === 0 && buffered === 0
    },
  }
}

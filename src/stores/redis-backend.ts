import type { Redis } from 'ioredis'
import type { Backend, BackendContext, LaneRunner } from './backend.js'
import { createFailoverStores } from './failover.js'
import { createMemoryStores } from './memory.js'
import { createRedisOutbox } from './outbox.js'
import { createRedisAdmission, createRedisDedupeStore } from './redis-admission.js'
import { createRedisContactStore } from './redis-contacts.js'
import { createRedisEraser } from './redis-eraser.js'
import { createRedisHealth } from './redis-health.js'
import { createRedisQueue } from './redis-queue.js'
import { createRedisRateLimitStore } from './redis-rate-limit.js'
import { createRedisTimers } from './redis-timers.js'
import type { WorkQueue } from './queue.js'
import { createRedisStateStore } from './state.js'
import type { Stores } from './types.js'

/** A Redis failure is logged by its message alone: the client's error object can carry the URL. */
const redisError = (err: unknown): { message: string } => ({ message: err instanceof Error ? err.message : String(err) })

/** Redis shared by every replica: durable lanes, timers and outbox; the webhook's stores fail over to memory. */
export function createRedisBackend (redis: Redis, ctx: BackendContext): Backend {
  const prefix = ctx.config.redis.keyPrefix
  watchConnection(redis, ctx)
  return {
    kind: 'redis',
    redis,
    stores: webhookStores(redis, ctx),
    states: createRedisStateStore(redis, prefix),
    contacts: createRedisContactStore(redis, prefix),
    queue: (runner) => durableQueue(redis, ctx, runner),
    timers: <J>(_queue: WorkQueue<J>) => createRedisTimers<J>({
      redis,
      prefix,
      now: () => ctx.clock.now(),
      fire: ctx.config.workerEnabled,
      onFired: (n) => ctx.metrics.queueEvents.inc({ event: 'timer_fired' }, n),
      onLoopError: (err) => ctx.log.warn({ err: redisError(err) }, 'Timers cannot reach Redis; retrying'),
    }),
    // Sent by any replica, retried for about ten minutes (8 tries, doubling from 2 s) beyond the client's own quick retries.
    outbox: (send) => createRedisOutbox({
      redis,
      prefix,
      send,
      maxAttempts: 8,
      leaseMs: Math.max(30_000, ctx.config.outbound.n8nTimeoutMs * (ctx.config.outbound.retryAttempts + 1)),
      now: () => ctx.clock.now(),
      onResult: (workflow, outcome) => ctx.metrics.workflows.inc({ workflow, outcome }),
      onError: (err) => ctx.log.warn({ err }, 'Workflow outbox: a trigger failed'),
    }),
  }
}

/** Redis first, memory while Redis fails: the webhook keeps answering through an outage. */
function webhookStores (redis: Redis, ctx: BackendContext): Stores {
  const prefix = ctx.config.redis.keyPrefix
  return createFailoverStores(
    {
      dedupe: createRedisDedupeStore(redis, prefix),
      limits: createRedisRateLimitStore(redis, prefix, ctx.clock),
      admit: createRedisAdmission(redis, prefix, ctx.clock),
      eraseConversation: createRedisEraser(redis, prefix),
      health: createRedisHealth(redis),
      close: async () => {},
    },
    createMemoryStores(ctx.clock),
    (operation) => ctx.metrics.redisFallbacks.inc({ operation })
  )
}

function durableQueue<J> (redis: Redis, ctx: BackendContext, runner: LaneRunner<J>): WorkQueue<J> {
  const { config, metrics, log } = ctx
  return createRedisQueue<J>({
    redis,
    prefix: config.redis.keyPrefix,
    handler: runner.handler,
    debounceMs: config.bot.debounceMs,
    maxWaitMs: config.bot.maxWaitMs,
    leaseMs: config.queue.leaseMs,
    concurrency: config.queue.concurrency,
    maxAttempts: config.queue.maxAttempts,
    consume: config.workerEnabled,
    now: () => ctx.clock.now(),
    onError: runner.onError,
    onLoopError: (err) => log.warn({ err: redisError(err) }, 'Durable queue cannot reach Redis; retrying'),
    onRetry: () => metrics.queueEvents.inc({ event: 'retried' }),
    onExhausted: async (lane, jobs) => {
      metrics.queueEvents.inc({ event: 'exhausted' })
      await runner.onExhausted(lane, jobs)
    },
    onBuffered: (lane, err) => {
      metrics.queueEvents.inc({ event: 'buffered' })
      metrics.redisFallbacks.inc({ operation: 'enqueue' })
      log.warn({ lane, err: redisError(err) }, 'Redis refused an enqueue: held in memory until it answers')
    },
    onStalled: (lanes) => {
      metrics.queueEvents.inc({ event: 'stalled' }, lanes.length)
      log.warn({ lanes: lanes.length }, 'Conversations of a stopped replica taken over')
    },
  })
}

/** sdr_redis_up follows the connection; ioredis emits an error per failed reconnect, one warning every 10 s is enough to act on. */
function watchConnection (redis: Redis, ctx: BackendContext): void {
  let lastWarn = 0
  const setUp = (up: boolean): void => { ctx.metrics.redisUp.set(up ? 1 : 0) }
  setUp(redis.status === 'ready')
  redis.on('ready', () => {
    setUp(true)
    ctx.log.info('Redis connected')
  })
  redis.on('end', () => setUp(false))
  redis.on('close', () => setUp(false))
  redis.on('error', (err: Error) => {
    setUp(false)
    if (ctx.clock.now() - lastWarn > 10_000) {
      lastWarn = ctx.clock.now()
      ctx.log.warn({ err: { message: err.message } }, 'Redis unavailable: dedupe and limits fall back to memory')
    }
  })
}

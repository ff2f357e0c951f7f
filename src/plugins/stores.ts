import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Metrics } from '../lib/metrics.js'
import { createFailoverStores } from '../stores/failover.js'
import { createMemoryStores } from '../stores/memory.js'
import type { Stores } from '../stores/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    stores: Stores
    /** The shared Redis client, when REDIS_URL is set (or one was injected). */
    redis: Redis | undefined
  }
}

export interface StoresPluginOptions {
  readonly config: Config
  readonly clock: Clock
  readonly metrics: Metrics
  /** An injected client is used as is and left open; one we create we also quit. */
  readonly redis?: Redis
}

/** Memory stores by default; Redis-first with memory fail-over when Redis is configured. */
export default fp<StoresPluginOptions>(async (app, opts) => {
  const memory = createMemoryStores(opts.clock)
  // An injected client, or the URL of one we create (and then own).
  const source = opts.redis ?? opts.config.redis.url
  if (source === undefined) {
    app.decorate('stores', memory)
    app.decorate('redis', undefined)
    return
  }
  // Loaded only with Redis: ioredis alone is about 20 MB of the embedded store's resident memory.
  const { createRedisAdmission, createRedisClient, createRedisDedupeStore, createRedisEraser, createRedisHealth, createRedisRateLimitStore } = await import('../stores/redis.js')
  const owned = typeof source === 'string'
  const redis = typeof source === 'string' ? createRedisClient(source) : source

  let lastWarn = 0
  const setUp = (up: boolean): void => { opts.metrics.redisUp.set(up ? 1 : 0) }
  setUp(redis.status === 'ready')
  redis.on('ready', () => {
    setUp(true)
    app.log.info('Redis connected')
  })
  redis.on('end', () => setUp(false))
  redis.on('close', () => setUp(false))
  // ioredis emits an error per failed reconnect; one warning every 10 s is enough to act on.
  redis.on('error', (err: Error) => {
    setUp(false)
    if (opts.clock.now() - lastWarn > 10_000) {
      lastWarn = opts.clock.now()
      app.log.warn({ err: { message: err.message } }, 'Redis unavailable: dedupe and limits fall back to memory')
    }
  })

  const prefix = opts.config.redis.keyPrefix
  const stores = createFailoverStores(
    {
      dedupe: createRedisDedupeStore(redis, prefix),
      limits: createRedisRateLimitStore(redis, prefix, opts.clock),
      admit: createRedisAdmission(redis, prefix, opts.clock),
      eraseConversation: createRedisEraser(redis, prefix),
      health: createRedisHealth(redis),
      close: async () => {},
    },
    memory,
    (operation) => opts.metrics.redisFallbacks.inc({ operation })
  )
  app.decorate('stores', stores)
  app.decorate('redis', redis)
  app.addHook('onClose', async () => {
    if (!owned) return
    try {
      await redis.quit()
    } catch {
      redis.disconnect()
    }
  })
}, { name: 'stores' })

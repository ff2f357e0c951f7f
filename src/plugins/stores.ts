import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Backend, BackendContext } from '../stores/backend.js'
import { createMemoryBackend } from '../stores/memory-backend.js'
import type { Stores } from '../stores/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Where this replica keeps what it must remember (stores/backend.ts): memory or Redis, chosen here. */
    backend: Backend
    /** The webhook's stores: dedupe, limits, admission, erasure, health. */
    stores: Stores
    /** The shared Redis client, when REDIS_URL is set (or one was injected). */
    redis: Redis | undefined
  }
}

export interface StoresPluginOptions {
  /** An injected client is used as is and left open; one we create we also quit. */
  readonly redis?: Redis | undefined
}

/**
 * The one place that decides "Redis or memory": Redis when REDIS_URL is set or a client is given,
 * the embedded memory backend otherwise. Nothing else asks which.
 */
export default fp<StoresPluginOptions>(async (app, opts) => {
  const ctx: BackendContext = { config: app.config, clock: app.clock, metrics: app.metrics, log: app.log }
  const source = opts.redis ?? app.config.redis.url
  const backend = source === undefined ? createMemoryBackend(ctx) : await redisBackend(app, source, ctx)
  app.decorate('backend', backend)
  app.decorate('stores', backend.stores)
  app.decorate('redis', backend.redis)
}, { name: 'stores', dependencies: ['metrics'], decorators: { fastify: ['config', 'clock', 'metrics'] } })

/** Loaded only with Redis: ioredis alone is about 20 MB of the embedded store's resident memory. */
async function redisBackend (app: FastifyInstance, source: Redis | string, ctx: BackendContext): Promise<Backend> {
  const { createRedisBackend } = await import('../stores/redis-backend.js')
  if (typeof source !== 'string') return createRedisBackend(source, ctx)
  const { createRedisClient } = await import('../stores/redis-client.js')
  const redis = createRedisClient(source)
  // Registered first among the plugins that use it, so closed last (onClose runs in reverse).
  app.addHook('onClose', async () => {
    try {
      await redis.quit()
    } catch {
      redis.disconnect()
    }
  })
  return createRedisBackend(redis, ctx)
}

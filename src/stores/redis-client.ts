import { Redis } from 'ioredis'

// The only module that loads ioredis itself (about 20 MB of resident memory): it is imported only
// when REDIS_URL is set (plugins/stores.ts), so the embedded store never pays for it.

/**
 * A client that fails fast while disconnected instead of queueing commands, so the webhook can
 * fall back to memory within its few milliseconds, and that reconnects forever in the background.
 */
export function createRedisClient (url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // Commands issued in the same tick (concurrent deliveries) go out in one write and one read.
    enableAutoPipelining: true,
  })
}

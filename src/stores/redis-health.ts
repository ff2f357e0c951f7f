import type { Redis } from 'ioredis'
import type { StoreHealth } from './types.js'

/** What the readiness asks: the connection is up and answers a PING within the bound. */
export function createRedisHealth (redis: Redis, timeoutMs = 500): StoreHealth {
  return {
    kind: 'redis',
    async check () {
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer PING within ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        await Promise.race([redis.ping(), timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

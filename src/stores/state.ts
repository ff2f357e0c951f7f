import type { Redis } from 'ioredis'
import type { Clock } from '../lib/clock.js'
import { ExpiringMap } from '../lib/expiring-map.js'

/** JSON documents by key with an idle TTL: conversation state. */
export interface StateStore {
  load (key: string): Promise<unknown>
  save (key: string, value: unknown, ttlSeconds: number): Promise<void>
  delete (key: string): Promise<void>
}

const MAX_MEMORY_DOCS = 100_000

export function createMemoryStateStore (clock: Clock): StateStore {
  // Kept as JSON so a caller can never mutate the stored copy; the idlest conversation goes first when full.
  const docs = new ExpiringMap<string>(() => clock.now(), MAX_MEMORY_DOCS)
  return {
    async load (key) {
      const json = docs.get(key)
      return json === undefined ? undefined : JSON.parse(json)
    },
    async save (key, value, ttlSeconds) {
      docs.set(key, JSON.stringify(value), ttlSeconds * 1000)
    },
    async delete (key) {
      docs.delete(key)
    },
  }
}

export function createRedisStateStore (redis: Redis, prefix: string): StateStore {
  return {
    async load (key) {
      const json = await redis.get(prefix + key)
      return json === null ? undefined : JSON.parse(json)
    },
    async save (key, value, ttlSeconds) {
      await redis.set(prefix + key, JSON.stringify(value), 'EX', ttlSeconds)
    },
    async delete (key) {
      await redis.del(prefix + key)
    },
  }
}

import type { Redis } from 'ioredis'
import type { Clock } from '../lib/clock.js'

/** JSON documents by key with an idle TTL: conversation state. */
export interface StateStore {
  load (key: string): Promise<unknown>
  save (key: string, value: unknown, ttlSeconds: number): Promise<void>
  delete (key: string): Promise<void>
}

const MAX_MEMORY_DOCS = 100_000

export function createMemoryStateStore (clock: Clock): StateStore {
  const docs = new Map<string, { json: string, expiresAt: number }>()
  return {
    async load (key) {
      const doc = docs.get(key)
      if (doc === undefined) return undefined
      if (doc.expiresAt <= clock.now()) {
        docs.delete(key)
        return undefined
      }
      return JSON.parse(doc.json)
    },
    async save (key, value, ttlSeconds) {
      // Re-inserting keeps the map in last-write order, so the idlest conversation goes first when full.
      docs.delete(key)
      docs.set(key, { json: JSON.stringify(value), expiresAt: clock.now() + ttlSeconds * 1000 })
      if (docs.size > MAX_MEMORY_DOCS) {
        const oldest = docs.keys().next().value
        if (oldest !== undefined) docs.delete(oldest)
      }
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

import type { Redis } from 'ioredis'
import type { Clock } from '../lib/clock.js'
import { ExpiringMap } from '../lib/expiring-map.js'
import { withScripts } from './scripts.js'

/** JSON documents by key with an idle TTL: conversation state. */
export interface StateStore {
  load (key: string): Promise<unknown>
  /**
   * Saves the document; with a fencing token (the durable queue's lease), only when no save under
   * a newer token happened: false then, and the caller has lost the conversation to another replica.
   */
  save (key: string, value: unknown, ttlSeconds: number, fence?: number): Promise<boolean>
  delete (key: string): Promise<void>
}

/** The token is kept beside the document (same hash tag, same slot), and only ever goes up. */
const FENCED_SAVE = `
local f = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[3]) < f then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`

interface FencedRedis extends Redis {
  sdrFencedSave (stateKey: string, fenceKey: string, json: string, ttlSeconds: number, fence: number): Promise<number>
}

const MAX_MEMORY_DOCS = 100_000

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

export function createMemoryStateStore (clock: Clock): StateStore {
  // Kept as JSON so a caller can never mutate the stored copy; the idlest conversation goes first when full.
  // As UTF-8 bytes rather than a string: one accented letter or emoji in a reply makes V8 keep the
  // whole document at two bytes a character, in pieces, on the JS heap, where every document
  // counts towards the old generation V8 then grows to a multiple of. The bytes sit outside it.
  const docs = new ExpiringMap<Uint8Array>(() => clock.now(), MAX_MEMORY_DOCS)
  return {
    async load (key) {
      const bytes = docs.get(key)
      return bytes === undefined ? undefined : JSON.parse(fromUtf8.decode(bytes))
    },
    async save (key, value, ttlSeconds) {
      // One process, one runner per conversation: there is nobody to fence out.
      docs.set(key, utf8.encode(JSON.stringify(value)), ttlSeconds * 1000)
      return true
    },
    async delete (key) {
      docs.delete(key)
    },
  }
}

export function createRedisStateStore (redis: Redis, prefix: string): StateStore {
  const r = withScripts<FencedRedis>(redis, { sdrFencedSave: { numberOfKeys: 2, lua: FENCED_SAVE } })
  return {
    async load (key) {
      const json = await redis.get(prefix + key)
      if (json === null) return undefined
      try {
        return JSON.parse(json)
      } catch {
        // A damaged document is not retried into a handoff on every message: the conversation starts over.
        return undefined
      }
    },
    async save (key, value, ttlSeconds, fence) {
      if (fence === undefined) {
        await redis.set(prefix + key, JSON.stringify(value), 'EX', ttlSeconds)
        return true
      }
      return await r.sdrFencedSave(prefix + key, `${prefix}${key}:fence`, JSON.stringify(value), ttlSeconds, fence) === 1
    },
    async delete (key) {
      await redis.del(prefix + key)
    },
  }
}

import type { Clock } from '../lib/clock.js'
import { ExpiringMap } from '../lib/expiring-map.js'
import type { DedupeStore, RateLimitStore, Stores } from './types.js'

/** Largest number of keys kept per store, so memory stays bounded under any load. */
const MAX_ENTRIES = 200_000

export function createMemoryDedupeStore (clock: Clock): DedupeStore {
  const seen = new ExpiringMap<true>(() => clock.now(), MAX_ENTRIES)
  return {
    async claim (keys, ttlSeconds) {
      for (const key of keys) {
        if (seen.get(key) !== undefined) return false
      }
      for (const key of keys) seen.set(key, true, ttlSeconds * 1000)
      return true
    },
    async release (keys) {
      for (const key of keys) seen.delete(key)
    },
  }
}

export function createMemoryRateLimitStore (clock: Clock): RateLimitStore {
  const windows = new ExpiringMap<{ count: number }>(() => clock.now(), MAX_ENTRIES)
  return {
    async hit (key, windowSeconds) {
      const now = clock.now()
      const windowMs = windowSeconds * 1000
      const resetAt = (Math.floor(now / windowMs) + 1) * windowMs
      const fullKey = `${key}:${resetAt}`
      const current = windows.get(fullKey)
      if (current !== undefined) {
        current.count += 1
        return { count: current.count, resetAt }
      }
      windows.set(fullKey, { count: 1 }, resetAt - now)
      return { count: 1, resetAt }
    },
  }
}

/** The embedded default: everything in this process, for a single instance. */
export function createMemoryStores (clock: Clock): Stores {
  return {
    dedupe: createMemoryDedupeStore(clock),
    limits: createMemoryRateLimitStore(clock),
    health: { kind: 'memory', check: async () => {} },
    close: async () => {},
  }
}

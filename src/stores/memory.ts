import type { Clock } from '../lib/clock.js'
import type { DedupeStore, RateLimitStore, Stores } from './types.js'

/** Largest number of keys kept; the oldest go first, so memory stays bounded under any load. */
const MAX_ENTRIES = 200_000

function evictExpired<V> (map: Map<string, V>, expiresAt: (v: V) => number, now: number): void {
  // Entries are inserted with the same TTLs in time order, so the expired ones sit at the front.
  for (const [key, value] of map) {
    if (expiresAt(value) > now && map.size <= MAX_ENTRIES) break
    map.delete(key)
  }
}

export function createMemoryDedupeStore (clock: Clock): DedupeStore {
  const seen = new Map<string, number>()
  return {
    async claim (keys, ttlSeconds) {
      const now = clock.now()
      evictExpired(seen, (exp) => exp, now)
      for (const key of keys) {
        const exp = seen.get(key)
        if (exp !== undefined && exp > now) return false
      }
      const exp = now + ttlSeconds * 1000
      for (const key of keys) {
        seen.delete(key)
        seen.set(key, exp)
      }
      return true
    },
    async release (keys) {
      for (const key of keys) seen.delete(key)
    },
  }
}

export function createMemoryRateLimitStore (clock: Clock): RateLimitStore {
  const windows = new Map<string, { count: number, resetAt: number }>()
  return {
    async hit (key, windowSeconds) {
      const now = clock.now()
      evictExpired(windows, (w) => w.resetAt, now)
      const windowMs = windowSeconds * 1000
      const resetAt = (Math.floor(now / windowMs) + 1) * windowMs
      const fullKey = `${key}:${resetAt}`
      const current = windows.get(fullKey) ?? { count: 0, resetAt }
      current.count += 1
      windows.set(fullKey, current)
      return { count: current.count, resetAt }
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

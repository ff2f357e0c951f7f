import type { Clock } from '../lib/clock.js'
import { ExpiringMap } from '../lib/expiring-map.js'
import type { DedupeStore, RateLimitStore, Stores } from './types.js'

/** Largest number of keys kept per store, so memory stays bounded under any load. */
const MAX_ENTRIES = 200_000

export function createMemoryDedupeStore (clock: Clock): DedupeStore {
  // Key to expiry (ms epoch) and nothing else: these entries live for the TTL, so each per-key
  // object an ExpiringMap would add is one more long-lived allocation per key for the GC to copy.
  const seen = new Map<string, number>()
  let nextSweep = 0
  const sweep = (now: number): void => {
    nextSweep = now + 1000
    let excess = seen.size - MAX_ENTRIES
    // Entries sit in claim order and share one TTL, so the expired ones are at the front.
    for (const [key, expiresAt] of seen) {
      if (expiresAt > now && excess <= 0) break
      seen.delete(key)
      excess--
    }
  }
  return {
    async claim (keys, ttlSeconds) {
      const now = clock.now()
      for (const key of keys) {
        const expiresAt = seen.get(key)
        if (expiresAt !== undefined && expiresAt > now) return false
      }
      const expiresAt = now + ttlSeconds * 1000
      for (const key of keys) {
        seen.delete(key)
        seen.set(key, expiresAt)
      }
      if (now >= nextSweep || seen.size > MAX_ENTRIES * 1.1) sweep(now)
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

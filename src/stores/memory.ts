import type { Clock } from '../lib/clock.js'
import { ExpiringMap } from '../lib/expiring-map.js'
import type { Admission, AdmissionLimit, DedupeStore, RateLimitStore, Stores } from './types.js'

/** Largest number of keys kept per store, so memory stays bounded under any load. */
const MAX_ENTRIES = 200_000

/** The in-memory stores answer synchronously; the async ports wrap these. */
interface MemoryDedupe extends DedupeStore {
  seen (keys: readonly string[]): boolean
  take (keys: readonly string[], ttlSeconds: number): void
  forgetWhere (match: (key: string) => boolean): number
}

interface MemoryLimits extends RateLimitStore {
  count (key: string, windowSeconds: number): { count: number, resetAt: number }
  forgetWhere (match: (key: string) => boolean): number
}

export function createMemoryDedupeStore (clock: Clock): MemoryDedupe {
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
  const seenAt = (keys: readonly string[], now: number): boolean => {
    for (const key of keys) {
      const expiresAt = seen.get(key)
      if (expiresAt !== undefined && expiresAt > now) return true
    }
    return false
  }
  const take = (keys: readonly string[], ttlSeconds: number, now: number): void => {
    const expiresAt = now + ttlSeconds * 1000
    for (const key of keys) {
      seen.delete(key)
      seen.set(key, expiresAt)
    }
    if (now >= nextSweep || seen.size > MAX_ENTRIES * 1.1) sweep(now)
  }
  return {
    seen: (keys) => seenAt(keys, clock.now()),
    take: (keys, ttlSeconds) => take(keys, ttlSeconds, clock.now()),
    async claim (keys, ttlSeconds) {
      const now = clock.now()
      if (seenAt(keys, now)) return false
      take(keys, ttlSeconds, now)
      return true
    },
    async release (keys) {
      for (const key of keys) seen.delete(key)
    },
    forgetWhere (match) {
      let n = 0
      for (const key of seen.keys()) {
        if (match(key)) {
          seen.delete(key)
          n++
        }
      }
      return n
    },
  }
}

export function createMemoryRateLimitStore (clock: Clock): MemoryLimits {
  const windows = new ExpiringMap<{ count: number }>(() => clock.now(), MAX_ENTRIES)
  const count = (key: string, windowSeconds: number): { count: number, resetAt: number } => {
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
  }
  return {
    count,
    hit: async (key, windowSeconds) => count(key, windowSeconds),
    forgetWhere: (match) => windows.deleteWhere(match),
  }
}

/** Dedupe, then the window, then the claim: one synchronous step, so nothing interleaves. */
function admitInMemory (dedupe: MemoryDedupe, limits: MemoryLimits, keys: readonly string[], ttlSeconds: number, limit: AdmissionLimit | undefined): Admission {
  if (dedupe.seen(keys)) return { outcome: 'duplicate', resetAt: 0 }
  let resetAt = 0
  if (limit !== undefined) {
    const hit = limits.count(limit.key, limit.windowSeconds)
    resetAt = hit.resetAt
    if (hit.count > limit.max) return { outcome: 'limited', resetAt }
  }
  dedupe.take(keys, ttlSeconds)
  return { outcome: 'new', resetAt }
}

/** The embedded default: everything in this process, for a single instance. */
export function createMemoryStores (clock: Clock): Stores {
  const dedupe = createMemoryDedupeStore(clock)
  const limits = createMemoryRateLimitStore(clock)
  return {
    dedupe,
    limits,
    admit: async (keys, ttlSeconds, limit) => admitInMemory(dedupe, limits, keys, ttlSeconds, limit),
    health: { kind: 'memory', check: async () => {} },
    eraseConversation: async (tag) => {
      const match = (key: string): boolean => key.includes(tag)
      return dedupe.forgetWhere(match) + limits.forgetWhere(match)
    },
    close: async () => {},
  }
}

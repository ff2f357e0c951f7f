import type { DedupeStore, RateLimitStore, Stores, StoreHealth } from './types.js'

export type FailoverListener = (operation: 'dedupe' | 'rate_limit', err: unknown) => void

/**
 * Redis first, memory when Redis fails: the webhook keeps answering through a Redis outage
 * (fail-open, as the seed promised), at the cost of dedupe and limits being per-replica meanwhile.
 */
export function createFailoverStores (
  primary: { dedupe: DedupeStore, limits: RateLimitStore, admit: Stores['admit'], eraseConversation: Stores['eraseConversation'], health: StoreHealth, close: () => Promise<void> },
  fallback: Stores,
  onFailover: FailoverListener
): Stores {
  return {
    health: primary.health,
    dedupe: {
      async claim (keys, ttl) {
        try {
          return await primary.dedupe.claim(keys, ttl)
        } catch (err) {
          onFailover('dedupe', err)
          return fallback.dedupe.claim(keys, ttl)
        }
      },
      async release (keys) {
        await fallback.dedupe.release(keys)
        try {
          await primary.dedupe.release(keys)
        } catch (err) {
          onFailover('dedupe', err)
        }
      },
    },
    async admit (keys, ttl, limit) {
      try {
        return await primary.admit(keys, ttl, limit)
      } catch (err) {
        onFailover('dedupe', err)
        return fallback.admit(keys, ttl, limit)
      }
    },
    limits: {
      async hit (key, window) {
        try {
          return await primary.limits.hit(key, window)
        } catch (err) {
          onFailover('rate_limit', err)
          return fallback.limits.hit(key, window)
        }
      },
    },
    async eraseConversation (tag) {
      // Both: what was kept in memory during an outage is as personal as what Redis holds. A
      // Redis failure is not swallowed here: an erasure that did not happen must not be reported done.
      return await fallback.eraseConversation(tag) + await primary.eraseConversation(tag)
    },
    close: primary.close,
  }
}

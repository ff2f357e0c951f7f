/** Claims idempotency keys: true when none of them was seen within the TTL (the event is new). */
export interface DedupeStore {
  claim (keys: readonly string[], ttlSeconds: number): Promise<boolean>
  /** Forgets keys claimed for an event that was then refused, so its retry is not taken for a duplicate. */
  release (keys: readonly string[]): Promise<void>
}

/** Fixed-window counters. */
export interface RateLimitStore {
  /** Counts one hit and returns the hits in the current window, and when that window ends (ms epoch). */
  hit (key: string, windowSeconds: number): Promise<{ count: number, resetAt: number }>
}

export interface StoreHealth {
  readonly kind: 'memory' | 'redis'
  /** Resolves when the backing store answers; rejects with the reason otherwise. */
  check (): Promise<void>
}

export interface Stores {
  readonly dedupe: DedupeStore
  readonly limits: RateLimitStore
  readonly health: StoreHealth
  close (): Promise<void>
}

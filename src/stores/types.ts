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

/** A fixed window that a delivery must fit in to be taken. */
export interface AdmissionLimit {
  readonly key: string
  readonly windowSeconds: number
  readonly max: number
}

export interface Admission {
  /** `duplicate`: a key was seen (nothing counted); `limited`: over the window (keys not claimed). */
  readonly outcome: 'new' | 'duplicate' | 'limited'
  /** When the limit's window ends (ms epoch); 0 without a limit. */
  readonly resetAt: number
}

export interface Stores {
  readonly dedupe: DedupeStore
  readonly limits: RateLimitStore
  readonly health: StoreHealth
  /**
   * Dedupe and the conversation's window in one step (one round trip with Redis): a duplicate is
   * not counted, and a delivery over the window does not claim its keys, so Chatwoot's retry of it
   * is not taken for a duplicate.
   */
  admit (keys: readonly string[], ttlSeconds: number, limit?: AdmissionLimit): Promise<Admission>
  /**
   * Erasure (LGPD/GDPR): drops every key of the conversation with this tag (dedupe, windows, its
   * state and fence with Redis) and says how many went. The durable queue's own keys are left.
   */
  eraseConversation (conversationTag: string): Promise<number>
  close (): Promise<void>
}

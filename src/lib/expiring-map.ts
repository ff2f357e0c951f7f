/**
 * A Map whose entries expire, with bounded memory. Expiry is checked on read; expired entries
 * are swept from the front at most once a second (sweeping on every write made each call walk
 * the holes earlier deletions left at the front of V8's table: 27 µs a call at 200 000 keys).
 * Past `maxEntries` the oldest entries go first. An entry with a longer TTL than those before
 * it may outlive its expiry in memory until they go, but `get` never returns it.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V, expiresAt: number }>()
  readonly #now: () => number
  readonly #maxEntries: number
  #nextSweep = 0

  constructor (now: () => number, maxEntries: number) {
    this.#now = now
    this.#maxEntries = maxEntries
  }

  get size (): number {
    return this.#entries.size
  }

  get (key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set (key: string, value: V, ttlMs: number): void {
    const now = this.#now()
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: now + ttlMs })
    if (now >= this.#nextSweep || this.#entries.size > this.#maxEntries * 1.1) this.#sweep(now)
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  /** Deletes the keys that match (a full walk: for rare work such as an erasure). */
  deleteWhere (match: (key: string) => boolean): number {
    let n = 0
    for (const key of this.#entries.keys()) {
      if (match(key)) {
        this.#entries.delete(key)
        n++
      }
    }
    return n
  }

  #sweep (now: number): void {
    this.#nextSweep = now + 1000
    let excess = this.#entries.size - this.#maxEntries
    // Entries sit in write order, and most share one TTL, so the expired ones are at the front.
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && excess <= 0) break
      this.#entries.delete(key)
      excess--
    }
  }
}

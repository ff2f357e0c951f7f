// Seeded randomness for the chaos run: the same seed gives the same load plan and the same fault
// decisions per request ordinal, so a run can be repeated (timing still varies, so not bit for bit).

/** A random 32-bit seed, for when CHAOS_SEED is not set. */
export function randomSeed (): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0
}

/** Parses CHAOS_SEED (decimal or 0x…); undefined when unset or empty. */
export function parseSeed (value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value.trim())
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0) throw new Error(`CHAOS_SEED must be a non-negative integer, got ${value}`)
  return n >>> 0
}

/** A 32-bit hash of a string (FNV-1a), to derive independent streams from one seed. */
function hash32 (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export interface Rng {
  /** [0, 1) */
  next (): number
  /** An integer in [min, max], both included. */
  int (min: number, max: number): number
  /** True with probability p. */
  chance (p: number): boolean
  pick<T> (items: readonly T[]): T
  /** An independent stream for `label`, the same for the same seed and label. */
  fork (label: string): Rng
}

/** mulberry32: small, fast, good enough for test plans. */
export function createRng (seed: number): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick (items) {
      const item = items[Math.floor(next() * items.length)]
      if (item === undefined) throw new Error('pick from an empty list')
      return item
    },
    fork: (label) => createRng((hash32(label) ^ seed) >>> 0),
  }
}

import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createFailoverStores } from '../../src/stores/failover.js'
import { createMemoryStores } from '../../src/stores/memory.js'
import { createRedisAdmission, createRedisClient, createRedisDedupeStore, createRedisEraser, createRedisHealth, createRedisRateLimitStore } from '../../src/stores/redis.js'
import type { DedupeStore, RateLimitStore, Stores } from '../../src/stores/types.js'
import { createTestClock, type TestClock } from '../helpers/app.js'
import { REDIS_URL, cleanPrefix, createTestRedis, keysUnder, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { sleep } from '../helpers/wait.js'

/** What one implementation gives the contract: fresh stores, a clock for windows, and a way to let a TTL pass. */
interface StoreUnderTest {
  readonly dedupe: DedupeStore
  readonly limits: RateLimitStore
  readonly admit: Stores['admit']
  readonly clock: TestClock
  /** Lets `seconds` of dedupe TTL pass (clock for memory, real time for Redis). */
  expire (seconds: number): Promise<void>
  cleanup (): Promise<void>
}

type Factory = () => Promise<StoreUnderTest>

// Keys as the webhook builds them: one conversation hash tag each.
const k = (name: string) => `{3:1487}:dedupe:${name}`

/** One contract, run against every implementation. */
function dedupeAndLimitContract (name: string, factory: Factory, opts: { skip?: boolean } = {}) {
  describe.skipIf(opts.skip === true)(`${name}: store contract`, () => {
    let s: StoreUnderTest
    beforeEach(async () => { s = await factory() })
    afterEach(async () => { await s.cleanup() })

    it('claims new keys once', async () => {
      expect(await s.dedupe.claim([k('event:1'), k('delivery:a')], 60)).toBe(true)
      expect(await s.dedupe.claim([k('event:1'), k('delivery:a')], 60)).toBe(false)
    })

    it('refuses a claim when any one key overlaps, and then claims none of the new ones', async () => {
      expect(await s.dedupe.claim([k('event:1'), k('delivery:a')], 60)).toBe(true)
      expect(await s.dedupe.claim([k('event:1'), k('delivery:b')], 60)).toBe(false)
      expect(await s.dedupe.claim([k('event:2'), k('delivery:a')], 60)).toBe(false)
      // The refused claim did not take delivery:b.
      expect(await s.dedupe.claim([k('delivery:b')], 60)).toBe(true)
    })

    it('keys are independent', async () => {
      expect(await s.dedupe.claim([k('event:1')], 60)).toBe(true)
      expect(await s.dedupe.claim([k('event:2')], 60)).toBe(true)
    })

    it('release makes the keys claimable again', async () => {
      const keys = [k('event:1'), k('delivery:a')]
      expect(await s.dedupe.claim(keys, 60)).toBe(true)
      await s.dedupe.release(keys)
      expect(await s.dedupe.claim(keys, 60)).toBe(true)
      expect(await s.dedupe.claim(keys, 60)).toBe(false)
    })

    it('release of keys never claimed is harmless', async () => {
      await s.dedupe.release([k('never')])
      expect(await s.dedupe.claim([k('never')], 60)).toBe(true)
    })

    it('forgets keys once the TTL has passed', async () => {
      expect(await s.dedupe.claim([k('event:ttl')], 1)).toBe(true)
      expect(await s.dedupe.claim([k('event:ttl')], 1)).toBe(false)
      await s.expire(1)
      expect(await s.dedupe.claim([k('event:ttl')], 1)).toBe(true)
    })

    it('20 concurrent claims of the same keys: exactly one wins', async () => {
      const keys = [k('event:race'), k('delivery:race')]
      const results = await Promise.all(Array.from({ length: 20 }, () => s.dedupe.claim(keys, 60)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('20 concurrent claims sharing one key among different ones: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.dedupe.claim([k('event:shared'), k(`delivery:${i}`)], 60)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('admit: new, then duplicate; a duplicate is not counted against the window', async () => {
      const limit = { key: 'conv:{3:1487}', windowSeconds: 60, max: 5 }
      expect((await s.admit([k('event:a1')], 60, limit)).outcome).toBe('new')
      expect((await s.admit([k('event:a1')], 60, limit)).outcome).toBe('duplicate')
      expect((await s.admit([k('event:a1')], 60, limit)).outcome).toBe('duplicate')
      // Only the first took a slot: the window still has room for four more new ones.
      const outcomes: string[] = []
      for (let i = 2; i <= 6; i++) outcomes.push((await s.admit([k(`event:a${i}`)], 60, limit)).outcome)
      expect(outcomes).toEqual(['new', 'new', 'new', 'new', 'limited'])
    })

    it('admit: over the window a delivery is refused without claiming its keys, so its retry gets in later', async () => {
      const limit = { key: 'conv:{3:1487}', windowSeconds: 60, max: 1 }
      expect((await s.admit([k('event:b1')], 300, limit)).outcome).toBe('new')
      const refused = await s.admit([k('event:b2'), k('delivery:b2')], 300, limit)
      expect(refused.outcome).toBe('limited')
      expect(refused.resetAt).toBeGreaterThan(s.clock.now())
      // Not remembered as seen: once the window has passed, the same delivery is new.
      s.clock.advance(60_000)
      expect((await s.admit([k('event:b2'), k('delivery:b2')], 300, limit)).outcome).toBe('new')
    })

    it('admit without a limit only dedupes', async () => {
      expect(await s.admit([k('event:c1')], 60)).toEqual({ outcome: 'new', resetAt: 0 })
      expect(await s.admit([k('event:c1')], 60)).toEqual({ outcome: 'duplicate', resetAt: 0 })
    })

    it('20 concurrent admits of the same delivery: exactly one is new', async () => {
      const limit = { key: 'conv:{3:1487}', windowSeconds: 60, max: 100 }
      const results = await Promise.all(Array.from({ length: 20 }, () => s.admit([k('event:d1'), k('delivery:d1')], 60, limit)))
      expect(results.filter((r) => r.outcome === 'new')).toHaveLength(1)
      expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(19)
    })

    it('counts hits per key within a fixed window', async () => {
      const first = await s.limits.hit('ip:10.0.0.1', 60)
      const second = await s.limits.hit('ip:10.0.0.1', 60)
      const third = await s.limits.hit('ip:10.0.0.1', 60)
      expect([first.count, second.count, third.count]).toEqual([1, 2, 3])
      expect(first.resetAt).toBe(third.resetAt)
      expect(first.resetAt % 60_000).toBe(0)
      expect(first.resetAt).toBeGreaterThan(s.clock.now())
      expect(first.resetAt - s.clock.now()).toBeLessThanOrEqual(60_000)
      expect((await s.limits.hit('ip:10.0.0.2', 60)).count).toBe(1)
    })

    it('20 concurrent hits are all counted', async () => {
      const counts = await Promise.all(Array.from({ length: 20 }, () => s.limits.hit('conv:{3:1487}', 60)))
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    })

    it('starts counting again in the next window', async () => {
      await s.limits.hit('ip:10.0.0.1', 60)
      const { count, resetAt } = await s.limits.hit('ip:10.0.0.1', 60)
      expect(count).toBe(2)
      s.clock.set(resetAt)
      const next = await s.limits.hit('ip:10.0.0.1', 60)
      expect(next.count).toBe(1)
      expect(next.resetAt).toBe(resetAt + 60_000)
    })

    it('different window lengths on the same key do not share a counter', async () => {
      // Start of a minute that is also the start of an hour: window ends differ.
      s.clock.set(Math.floor(s.clock.now() / 3_600_000) * 3_600_000 + 1)
      const minute = await s.limits.hit('ip:10.0.0.9', 60)
      const hour = await s.limits.hit('ip:10.0.0.9', 3600)
      expect(minute.count).toBe(1)
      expect(hour.count).toBe(1)
    })
  })
}

// --- memory -------------------------------------------------------------------------------------

dedupeAndLimitContract('memory', async () => {
  const clock = createTestClock()
  const stores = createMemoryStores(clock)
  return {
    dedupe: stores.dedupe,
    limits: stores.limits,
    admit: stores.admit,
    clock,
    expire: async (seconds) => { clock.advance(seconds * 1000) },
    cleanup: async () => {},
  }
})

// --- Redis --------------------------------------------------------------------------------------

warnIfRedisMissing('Redis store contract')
let redis: Redis | undefined

const redisFactory: Factory = async () => {
  if (redis === undefined) throw new Error('Redis client not connected')
  const client = redis
  const prefix = uniquePrefix()
  const clock = createTestClock(Date.now())
  return {
    dedupe: createRedisDedupeStore(client, prefix),
    limits: createRedisRateLimitStore(client, prefix, clock),
    admit: createRedisAdmission(client, prefix, clock),
    clock,
    // Redis expires keys on its own clock, so real time has to pass.
    expire: (seconds) => sleep(seconds * 1000 + 100),
    cleanup: async () => { await cleanPrefix(client, prefix) },
  }
}

describe.skipIf(!redisAvailable)('Redis stores', () => {
  beforeAll(() => { redis = createTestRedis() })
  afterAll(async () => { await redis?.quit() })

  dedupeAndLimitContract('redis', redisFactory)

  it('writes prefixed keys with the TTL asked for, and nothing else', async () => {
    const client = redis as Redis
    const prefix = uniquePrefix()
    try {
      const dedupe = createRedisDedupeStore(client, prefix)
      const limits = createRedisRateLimitStore(client, prefix, createTestClock(Date.now()))
      expect(await dedupe.claim([k('event:1'), k('delivery:a')], 300)).toBe(true)
      const { resetAt } = await limits.hit('ip:10.0.0.1', 60)
      expect(await keysUnder(client, prefix)).toEqual([
        `${prefix}rl:ip:10.0.0.1:${resetAt}`,
        `${prefix}${k('delivery:a')}`,
        `${prefix}${k('event:1')}`,
      ].sort())
      const ttl = await client.ttl(`${prefix}${k('event:1')}`)
      expect(ttl).toBeGreaterThan(290)
      expect(ttl).toBeLessThanOrEqual(300)
      const pttl = await client.pttl(`${prefix}rl:ip:10.0.0.1:${resetAt}`)
      expect(pttl).toBeGreaterThan(0)
      expect(pttl).toBeLessThanOrEqual(60_000)
    } finally {
      await cleanPrefix(client, prefix)
    }
    expect(await keysUnder(client, prefix)).toEqual([])
  })

  it('two clients (two replicas) racing on the same delivery: exactly one wins', async () => {
    const second = createTestRedis()
    const prefix = uniquePrefix()
    try {
      const a = createRedisDedupeStore(redis as Redis, prefix)
      const b = createRedisDedupeStore(second, prefix)
      const keys = [k('event:replica'), k('delivery:replica')]
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claim(keys, 60)))
      expect(results.filter(Boolean)).toHaveLength(1)
    } finally {
      await cleanPrefix(redis as Redis, prefix)
      await second.quit()
    }
  })

  it('health check passes against a live Redis', async () => {
    const client = createRedisClient(REDIS_URL)
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve)
        client.once('error', reject)
      })
      await expect(createRedisHealth(client).check()).resolves.toBeUndefined()
    } finally {
      client.disconnect()
    }
  })
})

// --- fail-over ----------------------------------------------------------------------------------

/** A real Redis client pointed at a closed port: every command fails fast (no offline queue). */
function deadRedis (): Redis {
  const client = createRedisClient('redis://127.0.0.1:1')
  client.on('error', () => {})
  return client
}

describe('failover stores', () => {
  const clients: Redis[] = []
  afterAll(() => { for (const c of clients) c.disconnect() })

  const failoverOver = (primaryRedis: Redis, prefix: string, clock: TestClock) => {
    const failures: Array<{ operation: string, err: unknown }> = []
    const fallback = createMemoryStores(clock)
    const stores = createFailoverStores(
      {
        dedupe: createRedisDedupeStore(primaryRedis, prefix),
        limits: createRedisRateLimitStore(primaryRedis, prefix, clock),
        admit: createRedisAdmission(primaryRedis, prefix, clock),
        eraseConversation: createRedisEraser(primaryRedis, prefix),
        health: createRedisHealth(primaryRedis),
        close: async () => {},
      },
      fallback,
      (operation, err) => failures.push({ operation, err })
    )
    return { stores, failures, fallback }
  }

  it('a failing primary: dedupe and limits are served from memory and the listener is told', async () => {
    const dead = deadRedis()
    clients.push(dead)
    const clock = createTestClock()
    const { stores, failures, fallback } = failoverOver(dead, 'test:dead:', clock)

    expect(await stores.dedupe.claim([k('event:1')], 60)).toBe(true)
    expect(await stores.dedupe.claim([k('event:1')], 60)).toBe(false)
    expect((await stores.limits.hit('ip:10.0.0.1', 60)).count).toBe(1)
    expect((await stores.limits.hit('ip:10.0.0.1', 60)).count).toBe(2)
    expect(failures.map((f) => f.operation)).toEqual(['dedupe', 'dedupe', 'rate_limit', 'rate_limit'])
    expect(failures[0]?.err).toBeInstanceOf(Error)
    // The memory fallback really holds the key.
    expect(await fallback.dedupe.claim([k('event:1')], 60)).toBe(false)
    await expect(stores.health.check()).rejects.toThrow(/redis connection is/)
  })

  it('release clears the fallback even when the primary fails', async () => {
    const dead = deadRedis()
    clients.push(dead)
    const { stores, failures } = failoverOver(dead, 'test:dead:', createTestClock())
    expect(await stores.dedupe.claim([k('event:2')], 60)).toBe(true)
    await stores.dedupe.release([k('event:2')])
    expect(await stores.dedupe.claim([k('event:2')], 60)).toBe(true)
    expect(failures.filter((f) => f.operation === 'dedupe')).toHaveLength(3)
  })

  // The contract holds through the failover wrapper too (all of it served by memory).
  dedupeAndLimitContract('failover (dead Redis → memory)', async () => {
    const dead = deadRedis()
    const clock = createTestClock()
    const { stores } = failoverOver(dead, 'test:dead:', clock)
    return {
      dedupe: stores.dedupe,
      limits: stores.limits,
      admit: stores.admit,
      clock,
      expire: async (seconds) => { clock.advance(seconds * 1000) },
      cleanup: async () => { dead.disconnect() },
    }
  })

  describe.skipIf(!redisAvailable)('with a live primary', () => {
    it('uses Redis, not memory, and never calls the listener', async () => {
      const live = createTestRedis()
      const prefix = uniquePrefix()
      try {
        const clock = createTestClock(Date.now())
        const { stores, failures, fallback } = failoverOver(live, prefix, clock)
        expect(await stores.dedupe.claim([k('event:live')], 60)).toBe(true)
        expect((await stores.limits.hit('ip:10.0.0.1', 60)).count).toBe(1)
        expect(failures).toEqual([])
        // Memory was not written: the fallback still sees the key as new.
        expect(await fallback.dedupe.claim([k('event:live')], 60)).toBe(true)
        expect(await live.exists(`${prefix}${k('event:live')}`)).toBe(1)
      } finally {
        await cleanPrefix(live, prefix)
        await live.quit()
      }
    })
  })
})

import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryQueue, type WorkQueue } from '../../src/stores/queue.js'
import { createRedisQueue } from '../../src/stores/redis-queue.js'
import { createRedisTimers } from '../../src/stores/redis-timers.js'
import { createMemoryTimers, type Timers } from '../../src/stores/timers.js'
import { sleep, until } from '../helpers/wait.js'
import { cleanPrefix, createTestRedis, keysUnder, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

warnIfRedisMissing('durable timers')

interface Job { readonly n: number }

describe('memory timers', () => {
  it('puts the job into its lane at its time, once, and a cleared or replaced timer does not fire', async () => {
    let clock = 1_000_000
    const seen: Array<{ lane: string, n: number }> = []
    const queue = createMemoryQueue<Job>({ handler: async (lane, jobs) => { for (const j of jobs) seen.push({ lane, n: j.n }) }, debounceMs: 0, maxWaitMs: 0, now: () => clock, onError: () => {} })
    const timers = createMemoryTimers<Job>({ queue, now: () => clock, pollMs: 5, onError: () => {} })
    try {
      await timers.set('{1:1}', 'followup', clock + 60_000, { n: 1 })
      await timers.set('{1:2}', 'followup', clock + 60_000, { n: 2 })
      await timers.set('{1:2}', 'followup', clock + 120_000, { n: 3 }) // replaces n 2
      await timers.set('{1:3}', 'watchdog', clock + 60_000, { n: 4 })
      await timers.clear('{1:3}', 'watchdog')
      await sleep(30)
      expect(seen).toEqual([])
      clock += 60_000
      await until(() => seen.length === 1)
      clock += 60_000
      await until(() => seen.length === 2)
      await sleep(30)
      expect(seen).toEqual([{ lane: '{1:1}', n: 1 }, { lane: '{1:2}', n: 3 }])
      expect(await timers.count()).toBe(0)
    } finally {
      timers.close()
    }
  })
})

describe.skipIf(!redisAvailable)('Redis timers (real Redis)', () => {
  let redis: Redis
  let prefix: string
  const closers: Array<() => Promise<unknown> | void> = []
  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  /** A replica: its own client, queue and timers on the shared prefix, recording what it runs. */
  function replica (seen: Array<{ replica: string, lane: string, n: number }>, name: string, now: () => number): { queue: WorkQueue<Job>, timers: Timers<Job> } {
    const client = createTestRedis()
    const queue = createRedisQueue<Job>({
      redis: client,
      prefix,
      debounceMs: 0,
      maxWaitMs: 0,
      leaseMs: 2000,
      concurrency: 4,
      maxAttempts: 3,
      pollMs: 5,
      now,
      handler: async (lane, jobs) => { for (const j of jobs) seen.push({ replica: name, lane, n: j.n }) },
      onError: () => {},
      onExhausted: async () => {},
    })
    const timers = createRedisTimers<Job>({ redis: client, prefix, now, pollMs: 5 })
    closers.push(async () => { await queue.drain(1000) }, () => { client.disconnect() }, () => { timers.close() })
    return { queue, timers }
  }

  it('fires each timer once across two replicas, at its time, into its lane', async () => {
    prefix = uniquePrefix()
    let clock = Date.now()
    const now = () => clock
    const seen: Array<{ replica: string, lane: string, n: number }> = []
    const a = replica(seen, 'a', now)
    replica(seen, 'b', now)
    for (let n = 1; n <= 20; n++) await a.timers.set(`{1:${n}}`, 'followup', clock + 60_000, { n })
    await sleep(60)
    expect(seen).toEqual([])
    expect(await a.timers.count()).toBe(20)
    clock += 60_000
    await until(() => seen.length === 20)
    await sleep(100)
    expect(seen.map((s) => s.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(new Set(seen.map((s) => s.lane)).size).toBe(20)
    expect(await a.timers.count()).toBe(0)
  })

  it('survives a restart: a timer set by a stopped replica fires on the next one', async () => {
    prefix = uniquePrefix()
    let clock = Date.now()
    const client = createTestRedis()
    const first = createRedisTimers<Job>({ redis: client, prefix, now: () => clock, pollMs: 5 })
    await first.set('{1:9}', 'followup', clock + 1000, { n: 9 })
    first.close()
    client.disconnect()
    const seen: Array<{ replica: string, lane: string, n: number }> = []
    replica(seen, 'later', () => clock)
    clock += 1000
    await until(() => seen.length === 1)
    expect(seen[0]).toMatchObject({ lane: '{1:9}', n: 9 })
  })

  it('clears a timer and leaves no key of it behind', async () => {
    prefix = uniquePrefix()
    const clock = Date.now()
    const seen: Array<{ replica: string, lane: string, n: number }> = []
    const a = replica(seen, 'a', () => clock)
    await a.timers.set('{1:5}', 'watchdog', clock + 60_000, { n: 5 })
    expect((await keysUnder(redis, prefix)).some((k) => k.endsWith('timer-jobs'))).toBe(true)
    await a.timers.clear('{1:5}', 'watchdog')
    expect(await a.timers.count()).toBe(0)
    expect((await keysUnder(redis, prefix)).filter((k) => k.includes('timer'))).toEqual([])
  })
})

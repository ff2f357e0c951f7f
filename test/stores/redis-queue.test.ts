import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BatchContext, WorkQueue } from '../../src/stores/queue.js'
import { createRedisQueue, type RedisQueueOptions } from '../../src/stores/redis-queue.js'
import { CLAIM } from '../../src/stores/redis-queue-scripts.js'
import { sleep, until } from '../helpers/wait.js'
import { cleanPrefix, createTestRedis, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

warnIfRedisMissing('durable Redis queue')

interface Job { readonly lane: string, readonly n: number }
interface Run { readonly replica: string, readonly lane: string, readonly jobs: readonly number[], readonly ctx: BatchContext, readonly startedAt: number, endedAt: number }

describe.skipIf(!redisAvailable)('durable Redis queue (real Redis)', () => {
  let redis: Redis
  let prefix: string
  const queues: Array<WorkQueue<Job>> = []
  const clients: Redis[] = []

  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.drain(2000)))
    clients.splice(0).forEach((c) => c.disconnect())
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  /** A replica: its own client and queue on the shared prefix, recording every batch it runs. */
  function replica (name: string, runs: Run[], over: Partial<RedisQueueOptions<Job>> = {}): WorkQueue<Job> {
    const client = createTestRedis()
    clients.push(client)
    const q = createRedisQueue<Job>({
      redis: client,
      prefix,
      debounceMs: 30,
      maxWaitMs: 300,
      leaseMs: 1000,
      concurrency: 8,
      maxAttempts: 3,
      pollMs: 10,
      handler: async (lane, jobs, ctx) => {
        const run: Run = { replica: name, lane, jobs: jobs.map((j) => j.n), ctx, startedAt: Date.now(), endedAt: 0 }
        runs.push(run)
        await sleep(5)
        run.endedAt = Date.now()
      },
      onError: () => {},
      onExhausted: async () => {},
      ...over,
    })
    queues.push(q)
    return q
  }

  it('runs a lane\'s jobs in arrival order, a burst within the debounce as one batch', async () => {
    prefix = uniquePrefix()
    const runs: Run[] = []
    const q = replica('a', runs)
    for (let n = 1; n <= 3; n++) await q.enqueue('{1:1}', { lane: '{1:1}', n })
    await until(() => runs.flatMap((r) => r.jobs).length === 3)
    expect(runs).toHaveLength(1)
    expect(runs[0]?.jobs).toEqual([1, 2, 3])
    expect(runs[0]?.ctx.attempt).toBe(0)
    expect(runs[0]?.ctx.fence).toBeGreaterThan(0)
    // Nothing is left behind in Redis once the batch completed.
    await until(() => q.stats().depth === 0 && q.stats().lanes === 0, 3000)
    expect(await redis.llen(`${prefix}{q}:lane:{1:1}`)).toBe(0)
  })

  it('keeps every job before answering: a job enqueued is in Redis even before any replica runs', async () => {
    prefix = uniquePrefix()
    const runs: Run[] = []
    const q = replica('a', runs, { debounceMs: 60_000, maxWaitMs: 60_000 })
    await q.enqueue('{1:2}', { lane: '{1:2}', n: 7 })
    const stored = await redis.lrange(`${prefix}{q}:lane:{1:2}`, 0, -1)
    expect(stored.map((s) => (JSON.parse(s) as { job: Job }).job)).toEqual([{ lane: '{1:2}', n: 7 }])
    expect(runs).toHaveLength(0)
  })

  it('three replicas: every job runs once, each lane in order, never two batches of a lane at once', async () => {
    prefix = uniquePrefix()
    const runs: Run[] = []
    const replicas = [replica('a', runs), replica('b', runs), replica('c', runs)]
    const lanes = Array.from({ length: 20 }, (_, i) => `{2:${i}}`)
    const perLane = 8
    for (let n = 1; n <= perLane; n++) {
      await Promise.all(lanes.map((lane, i) => replicas[(i + n) % 3]!.enqueue(lane, { lane, n })))
      await sleep(n % 3 === 0 ? 40 : 0)
    }
    await until(() => runs.flatMap((r) => r.jobs).length >= lanes.length * perLane, 10_000)
    await sleep(100)
    for (const lane of lanes) {
      const mine = runs.filter((r) => r.lane === lane).sort((x, y) => x.startedAt - y.startedAt)
      expect(mine.flatMap((r) => r.jobs)).toEqual(Array.from({ length: perLane }, (_, i) => i + 1))
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.startedAt).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt)
      // Fencing tokens only grow along a lane.
      const fences = mine.map((r) => r.ctx.fence ?? 0)
      expect([...fences].sort((x, y) => x - y)).toEqual(fences)
    }
    expect(new Set(runs.map((r) => r.replica)).size).toBeGreaterThan(1)
  })

  it('takes over the batch of a replica that died holding it, once its lease runs out', async () => {
    prefix = uniquePrefix()
    const runs: Run[] = []
    const q = replica('survivor', runs, { debounceMs: 0 })
    // A ghost replica claims the lane with a 300 ms lease and dies: no heartbeat, no completion.
    await redis.rpush(`${prefix}{q}:lane:{3:1}`, JSON.stringify({ at: Date.now(), job: { lane: '{3:1}', n: 1 } }))
    await redis.incr(`${prefix}{q}:pending`)
    await redis.zadd(`${prefix}{q}:due`, 0, '{3:1}')
    const claimed = await redis.eval(CLAIM, 7,
      `${prefix}{q}:lane:{3:1}`, `${prefix}{q}:due`, `${prefix}{q}:first`, `${prefix}{q}:leases`, `${prefix}{q}:tokens`, `${prefix}{q}:fence`, `${prefix}{q}:attempts`,
      '{3:1}', Date.now(), 300, 50) as [number, number, string[]]
    expect(claimed[2]).toHaveLength(1)
    const ghostFence = claimed[0]
    // While the ghost's lease lasts, nobody else runs the lane.
    await q.enqueue('{3:1}', { lane: '{3:1}', n: 2 })
    await sleep(150)
    expect(runs).toHaveLength(0)
    await until(() => runs.length > 0, 3000)
    expect(runs[0]?.jobs).toEqual([1, 2])
    expect(runs[0]?.ctx.attempt).toBe(1)
    expect(runs[0]?.ctx.fence).toBeGreaterThan(ghostFence)
  })

  it('retries a failing batch with backoff, then hands it over after maxAttempts runs', async () => {
    prefix = uniquePrefix()
    const attempts: number[] = []
    const exhausted: Array<readonly number[]> = []
    const q = replica('a', [], {
      maxAttempts: 2,
      debounceMs: 0,
      random: () => 0,
      handler: async (_lane, _jobs, ctx) => {
        attempts.push(ctx.attempt)
        throw new Error('boom')
      },
      onExhausted: async (_lane, jobs) => { exhausted.push(jobs.map((j) => j.n)) },
    })
    const started = Date.now()
    await q.enqueue('{4:1}', { lane: '{4:1}', n: 1 })
    await until(() => exhausted.length === 1, 8000)
    expect(attempts).toEqual([0, 1])
    expect(exhausted[0]).toEqual([1])
    // Backoff: 500 ms then 1000 ms at the low end of the jitter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
    await until(() => q.stats().lanes === 0, 3000)
    expect(await redis.llen(`${prefix}{q}:lane:{4:1}`)).toBe(0)
  })

  it('a new message does not pull a batch waiting for its backoff forward', async () => {
    prefix = uniquePrefix()
    const attempts: number[] = []
    const q = replica('a', [], {
      debounceMs: 0,
      random: () => 0,
      handler: async (_lane, _jobs, ctx) => {
        attempts.push(ctx.attempt)
        if (ctx.attempt === 0) throw new Error('boom')
      },
    })
    await q.enqueue('{5:1}', { lane: '{5:1}', n: 1 })
    await until(() => attempts.length === 1)
    const failedAt = Date.now()
    await q.enqueue('{5:1}', { lane: '{5:1}', n: 2 })
    await until(() => attempts.length === 2, 5000)
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(400)
  })
})

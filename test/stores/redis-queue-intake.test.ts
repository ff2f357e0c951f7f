import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WorkQueue } from '../../src/stores/queue.js'
import { createRedisQueue } from '../../src/stores/redis-queue.js'
import { sleep, until } from '../helpers/wait.js'
import { cleanPrefix, createTestRedis, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

warnIfRedisMissing('webhook-only replicas')

describe.skipIf(!redisAvailable)('webhook-only replica, WORKER_ENABLED=false (real Redis)', () => {
  let redis: Redis
  const prefix = uniquePrefix()
  const clients: Redis[] = []
  const queues: Array<WorkQueue<number>> = []
  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.drain(1000)))
    clients.splice(0).forEach((c) => c.disconnect())
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  const replica = (ran: string[], name: string, consume: boolean): WorkQueue<number> => {
    const client = createTestRedis()
    clients.push(client)
    const q = createRedisQueue<number>({
      redis: client,
      prefix,
      debounceMs: 0,
      maxWaitMs: 0,
      leaseMs: 1000,
      concurrency: 4,
      maxAttempts: 3,
      pollMs: 10,
      consume,
      handler: async (lane, jobs) => { ran.push(...jobs.map((n) => `${name}:${lane}:${n}`)) },
      onError: () => {},
      onExhausted: async () => {},
    })
    queues.push(q)
    return q
  }

  it('stores what it takes and runs nothing; a worker replica runs it', async () => {
    const ran: string[] = []
    const intake = replica(ran, 'intake', false)
    await intake.enqueue('{1:1}', 1)
    await intake.enqueue('{1:2}', 2)
    await sleep(150)
    expect(ran).toEqual([])
    await until(async () => intake.stats().depth === 2, 3000)
    replica(ran, 'worker', true)
    await until(() => ran.length === 2)
    expect(ran.sort()).toEqual(['worker:{1:1}:1', 'worker:{1:2}:2'])
  })
})

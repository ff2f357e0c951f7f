import { describe, expect, it } from 'vitest'
import { createMemoryQueue, type WorkQueue } from '../../src/stores/queue.js'
import { createRedisQueue } from '../../src/stores/redis-queue.js'
import { createTestRedis, redisAvailable, redisSuite, warnIfRedisMissing } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

// hasWaiting tells the worker, between the messages of a long reply, that the lead wrote again:
// only jobs behind the running batch of the same lane count, never the batch's own.

warnIfRedisMissing('jobs waiting behind a running batch (durable queue)')

interface Job { readonly kind: 'lead' | 'status', readonly n: number }

type Build = (handler: (lane: string, jobs: readonly Job[]) => Promise<void>) => WorkQueue<Job>

/** Runs the scenario on a queue: a batch held open while other jobs arrive. */
async function waitingBehindARunningBatch (build: Build): Promise<void> {
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  const batches: Array<readonly number[]> = []
  const q = build(async (_lane, jobs) => {
    batches.push(jobs.map((j) => j.n))
    if (batches.length === 1) await held
  })
  try {
    const isLead = (j: Job): boolean => j.kind === 'lead'
    await q.enqueue('{1:1}', { kind: 'lead', n: 1 })
    await until(() => batches.length === 1)
    // The running batch's own lead message is not waiting.
    expect(await q.hasWaiting('{1:1}', isLead)).toBe(false)
    await q.enqueue('{1:1}', { kind: 'status', n: 2 })
    await q.enqueue('{1:2}', { kind: 'lead', n: 3 })
    expect(await q.hasWaiting('{1:1}', isLead)).toBe(false)
    expect(await q.hasWaiting('{1:1}', (j) => j.kind === 'status')).toBe(true)
    await q.enqueue('{1:1}', { kind: 'lead', n: 4 })
    expect(await q.hasWaiting('{1:1}', isLead)).toBe(true)
    release()
    await until(() => batches.some((b) => b.includes(4)))
    await until(async () => !await q.hasWaiting('{1:1}', isLead))
    expect(batches.find((b) => b.includes(4))).toEqual([2, 4])
  } finally {
    release()
    await q.drain(2000)
  }
}

describe('hasWaiting', () => {
  it('memory queue: jobs behind the running batch of the lane, matched by the caller', async () => {
    await waitingBehindARunningBatch((handler) => createMemoryQueue<Job>({ handler, debounceMs: 0, maxWaitMs: 0, onError: () => {} }))
  })

  describe.skipIf(!redisAvailable)('durable queue (real Redis)', () => {
    const suite = redisSuite()
    it('jobs behind the running batch of the lane, matched by the caller', async () => {
      const client = createTestRedis()
      try {
        await waitingBehindARunningBatch((handler) => createRedisQueue<Job>({
          redis: client,
          prefix: suite.prefix,
          handler,
          debounceMs: 0,
          maxWaitMs: 0,
          leaseMs: 2000,
          concurrency: 4,
          maxAttempts: 3,
          pollMs: 10,
          onError: () => {},
          onExhausted: async () => {},
        }))
      } finally {
        client.disconnect()
      }
    })
  })
})

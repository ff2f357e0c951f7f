import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisOutbox, type Outbox, type OutboxItem, type RedisOutboxOptions, type SendOutcome } from '../../src/stores/outbox.js'
import { sleep, until } from '../helpers/wait.js'
import { cleanPrefix, createTestRedis, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'

warnIfRedisMissing('workflow outbox')

const item = (key: string): OutboxItem => ({ workflow: 'lead_qualified', payload: { conversation_id: 1 }, key })

describe.skipIf(!redisAvailable)('workflow outbox (real Redis)', () => {
  let redis: Redis
  let prefix = uniquePrefix()
  const boxes: Outbox[] = []
  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    await Promise.all(boxes.splice(0).map((b) => b.close(500)))
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  function outbox (over: Partial<RedisOutboxOptions> & Pick<RedisOutboxOptions, 'send'>, results: string[] = []): Outbox {
    const b = createRedisOutbox({
      redis,
      prefix,
      maxAttempts: 3,
      leaseMs: 5000,
      pollMs: 10,
      baseDelayMs: 20,
      random: () => 0,
      onResult: (_w, outcome) => results.push(outcome),
      onError: () => {},
      ...over,
    })
    boxes.push(b)
    return b
  }

  it('sends an entry once, and a second add of the same idempotency key sends nothing', async () => {
    prefix = uniquePrefix()
    const sent: string[] = []
    const results: string[] = []
    const b = outbox({ send: async (i) => { sent.push(i.key); return 'sent' } }, results)
    await b.add(item('k1'))
    await until(() => sent.length === 1)
    await b.add(item('k1'))
    await sleep(100)
    expect(sent).toEqual(['k1'])
    expect(results).toEqual(['sent'])
    expect(await redis.hlen(`${prefix}{q}:outbox:data`)).toBe(0)
  })

  it('retries a failing send with backoff until it goes through', async () => {
    prefix = uniquePrefix()
    const tries: number[] = []
    const results: string[] = []
    const b = outbox({
      send: async (): Promise<SendOutcome> => {
        tries.push(Date.now())
        if (tries.length < 3) throw new Error('n8n down')
        return 'sent'
      },
    }, results)
    await b.add(item('k2'))
    await until(() => results.includes('sent'))
    expect(tries).toHaveLength(3)
    expect(results).toEqual(['retry', 'retry', 'sent'])
    // 20 ms, then 40 ms at the low end of the jitter (halved): each retry waits longer.
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(tries[1]! - tries[0]!)
  })

  it('gives up after maxAttempts and says so', async () => {
    prefix = uniquePrefix()
    const results: string[] = []
    const b = outbox({ send: async () => { throw new Error('always down') } }, results)
    await b.add(item('k3'))
    await until(() => results.includes('gave_up'))
    expect(results).toEqual(['retry', 'retry', 'gave_up'])
    expect(await redis.zcard(`${prefix}{q}:outbox:due`)).toBe(0)
  })

  it('a claimed entry whose replica died is sent by another once its lease passed', async () => {
    prefix = uniquePrefix()
    const stuck = outbox({ leaseMs: 300, send: async () => await new Promise<never>(() => {}) })
    await stuck.add(item('k4'))
    await sleep(50)
    await stuck.close(0)
    const sent: string[] = []
    outbox({ leaseMs: 300, send: async (i) => { sent.push(i.key); return 'sent' } })
    await sleep(150)
    expect(sent).toEqual([])
    await until(() => sent.length === 1, 3000)
    expect(sent).toEqual(['k4'])
  })
})

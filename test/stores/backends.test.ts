import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { systemClock } from '../../src/lib/clock.js'
import { createMetrics } from '../../src/lib/metrics.js'
import type { Backend, BackendContext } from '../../src/stores/backend.js'
import { createMemoryBackend } from '../../src/stores/memory-backend.js'
import { createRedisBackend } from '../../src/stores/redis-backend.js'
import type { WorkQueue } from '../../src/stores/queue.js'
import type { Timers } from '../../src/stores/timers.js'
import { BASE_ENV } from '../helpers/app.js'
import { createTestRedis, redisAvailable, redisSuite, warnIfRedisMissing } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

// The two backends plugins/stores.ts chooses between keep the same promises: the lanes run their
// jobs, a timer puts its job into its lane, state and contact marks read back; only Redis has an outbox.

interface Job { readonly n: number }

const context = (env: Record<string, string> = {}): BackendContext => ({
  config: loadConfig({ ...BASE_ENV, ...env }),
  clock: systemClock,
  metrics: createMetrics(),
  log: pino({ level: 'silent' }),
})

const closers: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function lanes (backend: Backend) {
  const ran: Array<{ lane: string, jobs: number[] }> = []
  const queue: WorkQueue<Job> = backend.queue<Job>({
    handler: async (lane, jobs) => { ran.push({ lane, jobs: jobs.map((j) => j.n) }) },
    onError: () => {},
    onExhausted: async () => {},
  })
  const timers: Timers<Job> = backend.timers(queue, () => {})
  closers.push(async () => {
    timers.close()
    await queue.drain(1000)
  })
  return { ran, queue, timers }
}

function contract (name: string, make: () => Backend, kind: 'memory' | 'redis') {
  describe(name, () => {
    it('says which it is, in its stores\' health too', () => {
      const backend = make()
      expect(backend.kind).toBe(kind)
      expect(backend.stores.health.kind).toBe(kind)
      expect(backend.redis === undefined).toBe(kind === 'memory')
    })

    it('runs a lane\'s jobs in order with the runner it was given', async () => {
      const { ran, queue } = lanes(make())
      await queue.enqueue('{1:1}', { n: 1 })
      await queue.enqueue('{1:1}', { n: 2 })
      await until(() => ran.flatMap((r) => r.jobs).length === 2, 5000)
      expect(ran.flatMap((r) => r.jobs)).toEqual([1, 2])
      expect(ran.every((r) => r.lane === '{1:1}')).toBe(true)
    })

    it('puts a due timer\'s job into its lane', async () => {
      const { ran, timers } = lanes(make())
      await timers.set('{1:2}', 'follow-up', Date.now() - 1, { n: 7 })
      await until(() => ran.some((r) => r.jobs.includes(7)), 5000)
      expect(ran.find((r) => r.jobs.includes(7))?.lane).toBe('{1:2}')
    })

    it('reads back a state document and a contact\'s opt-out', async () => {
      const backend = make()
      await backend.states.save('{1:3}:state', { stage: 'greeting' }, 60)
      expect(await backend.states.load('{1:3}:state')).toEqual({ stage: 'greeting' })
      await backend.contacts.optOut({ accountId: 1, contactId: 9 })
      expect(await backend.contacts.isOptedOut({ accountId: 1, contactId: 9 })).toBe(true)
    })

    it(kind === 'redis' ? 'keeps workflow triggers in a durable outbox' : 'has no outbox: a trigger is sent at once', async () => {
      const sent: string[] = []
      const outbox = make().outbox(async (item) => { sent.push(item.key); return 'sent' })
      if (kind === 'memory') {
        expect(outbox).toBeUndefined()
        return
      }
      expect(outbox).toBeDefined()
      closers.push(() => outbox?.close(1000))
      await outbox?.add({ workflow: 'lead_qualified', payload: {}, key: 'k-1' })
      await until(() => sent.includes('k-1'), 5000)
    })
  })
}

contract('memory backend', () => createMemoryBackend(context({ BOT_DEBOUNCE_MS: '0', BOT_MAX_WAIT_MS: '0' })), 'memory')

warnIfRedisMissing('redis backend')
describe.skipIf(!redisAvailable)('with Redis', () => {
  const suite = redisSuite()
  contract('redis backend', () => {
    const client = createTestRedis()
    closers.push(() => { client.disconnect() })
    return createRedisBackend(client, context({ REDIS_KEY_PREFIX: suite.prefix, BOT_DEBOUNCE_MS: '0', BOT_MAX_WAIT_MS: '0' }))
  }, 'redis')
})

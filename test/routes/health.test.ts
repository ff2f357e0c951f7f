import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type EnvOverrides, type TestApp, type TestDeps } from '../helpers/app.js'
import { VECTORS, fixtureBytes } from '../helpers/fixtures.js'
import { postWebhook, send } from '../helpers/http.js'
import { REDIS_URL, cleanPrefix, createTestRedis, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { chatwootHeaders } from '../helpers/sign.js'

const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (env: EnvOverrides = {}, deps: TestDeps = {}): Promise<TestApp> {
  const t = await startTestApp(env, { clock: createTestClock(Date.now()), ...deps })
  opened.push(t)
  return t
}

const signedIncoming = () => {
  const body = fixtureBytes('message_created.incoming.whatsapp')
  return { body, headers: chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }) }
}

describe('liveness', () => {
  it('GET /api/v1/health → 200 ok', async () => {
    const t = await start()
    const r = await send(t.url, { path: '/api/v1/health' })
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'ok' } })
  })

  it('stays 200 while Redis is down (a Redis outage must not restart healthy replicas)', async () => {
    const t = await start({ REDIS_URL: 'redis://127.0.0.1:1' })
    expect((await send(t.url, { path: '/api/v1/health' })).status).toBe(200)
  })
})

describe('readiness', () => {
  it('200 with the embedded memory store', async () => {
    const t = await start()
    const r = await send(t.url, { path: '/api/v1/readiness' })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      status: 'ready',
      components: { store: { kind: 'memory', status: 'up' }, queue: { depth: 0, oldestAgeMs: 0, lanes: 0 } },
    })
  })

  describe.skipIf(!redisAvailable)('with a real Redis', () => {
    warnIfRedisMissing('readiness with a real Redis')

    it('200 once connected, reporting the redis store', async () => {
      const prefix = uniquePrefix()
      const t = await start({ REDIS_URL, REDIS_KEY_PREFIX: prefix })
      expect(t.app.redis).toBeDefined()
      // The client connects in the background: readiness turns 200 as soon as it is up.
      let r = await send(t.url, { path: '/api/v1/readiness' })
      for (let i = 0; i < 40 && r.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        r = await send(t.url, { path: '/api/v1/readiness' })
      }
      expect(r.status).toBe(200)
      expect(r.json).toMatchObject({ status: 'ready', components: { store: { kind: 'redis', status: 'up' } } })

      // And the webhook really writes its dedupe keys there.
      const { body, headers } = signedIncoming()
      expect((await postWebhook(t.url, body, headers)).json).toEqual({ status: 'accepted' })
      const client = createTestRedis()
      try {
        expect(await client.exists(`${prefix}{3:1487}:dedupe:event:message_created:90211`)).toBe(1)
      } finally {
        await cleanPrefix(client, prefix)
        await client.quit()
      }
    })
  })

  it('503 with the reason when REDIS_URL points at a closed port, while the webhook still accepts (fail-open to memory)', async () => {
    const t = await start({ REDIS_URL: 'redis://127.0.0.1:1', SHUTDOWN_TIMEOUT_MS: '300' })
    const r = await send(t.url, { path: '/api/v1/readiness' })
    expect(r.status).toBe(503)
    expect(r.json).toMatchObject({
      status: 'not_ready',
      reason: expect.stringMatching(/^redis unreachable: /),
      components: { store: { kind: 'redis', status: 'down' } },
    })

    const { body, headers } = signedIncoming()
    const accepted = await postWebhook(t.url, body, headers)
    expect({ status: accepted.status, body: accepted.json }).toEqual({ status: 200, body: { status: 'accepted' } })
    // Held in this process until Redis answers (the durable queue cannot take it now), and counted.
    expect(t.app.queue.stats().depth).toBe(1)
    expect(t.jobs).toHaveLength(0)
    // Dedupe still works, from memory.
    const again = await postWebhook(t.url, body, headers)
    expect(again.json).toEqual({ status: 'duplicate' })

    const metrics = await send(t.url, { path: '/metrics' })
    expect(metrics.text).toMatch(/^sdr_redis_up 0$/m)
    expect(metrics.text).toMatch(/^sdr_redis_fallback_total\{operation="dedupe"\} [1-9]/m)
    expect(metrics.text).toMatch(/^sdr_queue_events_total\{event="buffered"\} 1$/m)
  })

  it('503 "shutting down" once shutdown has begun', async () => {
    const t = await start()
    t.app.lifecycle.shuttingDown = true
    const r = await send(t.url, { path: '/api/v1/readiness' })
    expect(r.status).toBe(503)
    expect(r.json).toMatchObject({ status: 'not_ready', reason: 'shutting down' })
    // Liveness is unaffected.
    expect((await send(t.url, { path: '/api/v1/health' })).status).toBe(200)
  })

  it('reports queued work in its components', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const t = await start({}, { handler: () => gate })
    const first = signedIncoming()
    const second = (() => {
      const m = JSON.parse(first.body.toString('utf8')) as { id: number }
      m.id = 1
      const body = Buffer.from(JSON.stringify(m))
      return { body, headers: chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }) }
    })()
    await postWebhook(t.url, first.body, first.headers)
    await postWebhook(t.url, second.body, second.headers)
    const r = await send(t.url, { path: '/api/v1/readiness' })
    expect(r.json).toMatchObject({ status: 'ready', components: { queue: { depth: 1, lanes: 1 } } })
    release()
  })
})

describe('graceful close', () => {
  it('drains the queue: a 300 ms job accepted just before close() still completes', async () => {
    const finished: number[] = []
    const t = await start({}, {
      handler: async (_lane, jobs) => {
        await new Promise((resolve) => setTimeout(resolve, 300))
        for (const job of jobs) if (job.kind === 'message') finished.push(job.messageId)
      },
    })
    const { body, headers } = signedIncoming()
    const r = await postWebhook(t.url, body, headers)
    expect(r.json).toEqual({ status: 'accepted' })
    expect(finished).toEqual([])
    const started = Date.now()
    await t.close()
    expect(finished).toEqual([90211])
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(t.app.lifecycle.shuttingDown).toBe(true)
  })

  it('gives up after SHUTDOWN_TIMEOUT_MS when the work does not finish', async () => {
    const t = await start({ SHUTDOWN_TIMEOUT_MS: '200' }, { handler: () => new Promise<void>(() => {}) })
    const { body, headers } = signedIncoming()
    expect((await postWebhook(t.url, body, headers)).json).toEqual({ status: 'accepted' })
    const started = Date.now()
    await t.close()
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(180)
    expect(took).toBeLessThan(2000)
  })
})

import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import botPlugin from '../../src/plugins/bot.js'
import clientsPlugin from '../../src/plugins/clients.js'
import routesPlugin from '../../src/plugins/routes.js'
import storesPlugin from '../../src/plugins/stores.js'
import { BASE_ENV, startTestApp, type TestApp } from '../helpers/app.js'
import { REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js'

// The app is a chain of plugins, each declaring what must be registered before it:
// metrics → stores → playbooks, clients → bot → routes. "Redis or memory" is decided once, by stores.

const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp(env, { defaultHandler: true })
  opened.push(t)
  return t
}

describe('the plugin chain', () => {
  it('registers every plugin by name', async () => {
    const { app } = await start()
    for (const name of ['error-handler', 'request-log', 'metrics', 'stores', 'playbooks', 'clients', 'bot', 'routes']) {
      expect(app.hasPlugin(name), name).toBe(true)
    }
  })

  it.each([
    ['stores without metrics', storesPlugin, /dependency 'metrics' of plugin 'stores'/],
    ['clients without stores', clientsPlugin, /dependency 'stores' of plugin 'clients'/],
    ['the bot without stores', botPlugin, /dependency 'stores' of plugin 'bot'/],
    ['the routes without what they serve', routesPlugin, /dependency '[a-z-]+' of plugin 'routes'/],
  ])('refuses %s: a plugin cannot be registered before what it depends on', async (_label, plugin, missing) => {
    const app = Fastify()
    // Every decorator a plugin reads is there (placeholders): only the plugins it depends on are missing.
    app.decorate('config', loadConfig(BASE_ENV))
    for (const name of ['clock', 'lifecycle', 'metrics', 'backend', 'stores', 'clients', 'playbooks', 'playbook', 'queue', 'timers', 'bot']) app.decorate(name, {})
    await expect(app.register(plugin as never).ready()).rejects.toThrow(missing)
    await app.close().catch(() => {})
  })
})

describe('Redis or memory, decided once', () => {
  it('without REDIS_URL every store is in memory', async () => {
    const { app } = await start()
    expect(app.backend.kind).toBe('memory')
    expect(app.redis).toBeUndefined()
    expect(app.stores.health.kind).toBe('memory')
    expect(app.backend.outbox(async () => 'sent')).toBeUndefined()
  })

  it.skipIf(!redisAvailable)('with REDIS_URL every store is on that one client', async () => {
    const { app } = await start({ REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix() })
    expect(app.backend.kind).toBe('redis')
    expect(app.redis).toBe(app.backend.redis)
    expect(app.redis).toBeDefined()
    expect(app.stores.health.kind).toBe('redis')
  })
})

describe('the queue runs the worker built with it', () => {
  it('a job enqueued before anything else ran reaches the worker (no handler assigned later)', async () => {
    const { app } = await start()
    // A status event of a conversation the bot never saw: the worker loads (no) state and stops.
    await app.queue.enqueue('{3:1}', { kind: 'status', ref: { accountId: 3, conversationId: 1 }, status: 'open', receivedAt: Date.now(), changedAt: undefined })
    expect(await app.queue.drain(2000)).toBe(true)
    const metrics = await app.metrics.registry.getSingleMetricAsString('sdr_jobs_processed_total')
    expect(metrics).toMatch(/sdr_jobs_processed_total\{kind="status",outcome="done"\} 1/)
  })
})

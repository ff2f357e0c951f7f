import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import adminRoutes from '../routes/admin.js'
import healthRoutes from '../routes/health.js'
import metricsRoutes from '../routes/metrics.js'
import webhookRoutes from '../routes/webhook.js'

/** Every route, each given what it needs from the plugins before it. */
export default fp(async (app) => {
  const { config, clock, stores, queue, metrics } = app
  await app.register(webhookRoutes, { config, clock, stores, queue, metrics })
  const adminToken = config.admin.token
  if (adminToken !== undefined) {
    await app.register(adminRoutes, {
      token: adminToken,
      contacts: app.backend.contacts,
      queue,
      limits: stores.limits,
      ipRequests: config.limits.ipRequests,
      ipWindowSeconds: config.limits.ipWindowSeconds,
      clock,
      notifyErased: (contact) => app.bot.notifyErased(contact),
    })
  }
  // CORS only where a browser may call (a status page reading health or metrics). The webhook is
  // server-to-server: Chatwoot sends no Origin, and an onRequest hook there would cost every delivery.
  await app.register(async (browser) => {
    await browser.register(cors, { origin: [...config.http.allowedOrigins], methods: ['GET'] })
    await browser.register(healthRoutes, {
      stores,
      isShuttingDown: () => app.lifecycle.shuttingDown,
      queueStats: () => queue.stats(),
      llmHealth: () => app.clients.model?.health(),
    })
    if (config.metrics.enabled) await browser.register(metricsRoutes, { registry: metrics.registry, beforeCollect: () => refreshGauges(app) })
  })
}, {
  name: 'routes',
  dependencies: ['error-handler', 'request-log', 'metrics', 'stores', 'clients', 'bot'],
  decorators: { fastify: ['config', 'clock', 'lifecycle', 'backend', 'stores', 'clients', 'queue', 'timers', 'bot', 'metrics'] },
})

/** Gauges read from live state just before a scrape. */
async function refreshGauges (app: FastifyInstance): Promise<void> {
  const s = app.queue.stats()
  app.metrics.queueDepth.set(s.depth)
  app.metrics.queueOldestAge.set(s.oldestAgeMs / 1000)
  try {
    app.metrics.timersPending.set(await app.timers.count())
  } catch {
    // Redis is down: the gauge keeps its last value, redis_up says why.
  }
}

import type { FastifyPluginAsync } from 'fastify'
import type { Registry } from 'prom-client'

export interface MetricsRouteOptions {
  readonly registry: Registry
  /** Refreshes gauges read from live state (queue depth) just before a scrape. */
  readonly beforeCollect: () => void | Promise<void>
}

const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get('/metrics', async (_request, reply) => {
    await opts.beforeCollect()
    reply.header('content-type', opts.registry.contentType)
    return opts.registry.metrics()
  })
}

export default metricsRoutes

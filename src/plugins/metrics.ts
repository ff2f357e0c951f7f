import fp from 'fastify-plugin'
import type { Metrics } from '../lib/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** Records the seed's HTTP metrics for every request, labelled by route template (bounded). */
export default fp<{ metrics: Metrics }>(async (app, opts) => {
  app.decorate('metrics', opts.metrics)
  app.addHook('onResponse', async (request, reply) => {
    const path = request.routeOptions.url ?? 'unmatched'
    const method = request.method
    opts.metrics.httpDuration.observe({ method, path, status: String(reply.statusCode) }, reply.elapsedTime / 1000)
    const length = Number(reply.getHeader('content-length') ?? 0)
    opts.metrics.httpResponseSize.observe({ method, path }, Number.isFinite(length) ? length : 0)
  })
}, { name: 'metrics' })

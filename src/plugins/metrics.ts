import fp from 'fastify-plugin'
import type { Metrics } from '../lib/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** Records the seed's HTTP metrics for every request, labelled by route template (bounded). */
export default fp<{ metrics: Metrics }>(async (app, opts) => {
  const { httpDuration, httpResponseSize } = opts.metrics
  // Label children are cached: prom-client would otherwise hash the label object on every request.
  const children = new Map<string, { duration: ReturnType<typeof httpDuration.labels>, size: ReturnType<typeof httpResponseSize.labels> }>()
  app.decorate('metrics', opts.metrics)
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const path = request.routeOptions.url ?? 'unmatched'
    const key = `${request.method} ${path} ${reply.statusCode}`
    let child = children.get(key)
    if (child === undefined) {
      const status = String(reply.statusCode)
      child = { duration: httpDuration.labels({ method: request.method, path, status }), size: httpResponseSize.labels({ method: request.method, path }) }
      children.set(key, child)
    }
    child.duration.observe(reply.elapsedTime / 1000)
    const length = Number(reply.getHeader('content-length') ?? 0)
    child.size.observe(Number.isFinite(length) ? length : 0)
    done()
  })
}, { name: 'metrics' })

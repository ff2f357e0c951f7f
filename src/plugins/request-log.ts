import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** Ids worth a log line, set by handlers that know them (the webhook). Never content. */
    logContext: Record<string, string | number | undefined> | null
  }
}

const PROBES = new Set(['/api/v1/health', '/api/v1/readiness', '/metrics'])

/**
 * One line per request: id, route template (never the raw URL, which may carry the path token),
 * status and duration, plus the ids the handler learned. Probes log at debug so they do not drown the rest.
 */
export default fp(async (app) => {
  // null until a handler fills it: no per-request hook is needed to create it.
  app.decorateRequest('logContext', null)
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const line = {
      method: request.method,
      route,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      ...request.logContext,
    }
    if (PROBES.has(route) && reply.statusCode < 400) request.log.debug(line, 'request completed')
    else request.log.info(line, 'request completed')
    done()
  })
}, { name: 'request-log' })

import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'

/**
 * One error shape for everything (Fastify's own: statusCode, code, error, message). 4xx messages
 * pass through; 5xx are masked. Parser errors (413, 415, 400) arrive here as 4xx.
 */
export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (statusCode >= 500) {
      request.log.error({ err }, 'Request failed')
      return reply.code(statusCode).send({ statusCode, code: 'INTERNAL_ERROR', error: 'Internal Server Error', message: 'Internal server error' })
    }
    request.log.warn({ code: err.code, reason: err.message }, 'Request refused')
    return reply.code(statusCode).send({
      statusCode,
      code: err.code ?? 'BAD_REQUEST',
      error: httpReason(statusCode),
      message: err.message,
    })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `Route ${request.method} not found` })
  })
}, { name: 'error-handler' })

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
}

export function httpReason (statusCode: number): string {
  return REASONS[statusCode] ?? 'Bad Request'
}

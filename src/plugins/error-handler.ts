import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { errorBody, sendError } from '../lib/errors.js'

/**
 * What a route throws and what Fastify refuses itself (parser errors: 400, 413, 415) answer in the
 * one error shape (lib/errors.ts). 4xx messages pass through; 5xx are masked and logged whole.
 */
export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (statusCode >= 500) {
      request.log.error({ err }, 'Request failed')
      return reply.code(statusCode).send(errorBody(statusCode, 'INTERNAL_ERROR', 'Internal server error'))
    }
    return sendError(reply, statusCode, err.code ?? 'BAD_REQUEST', err.message)
  })
  // An unknown path is routine (scanners, typos): the request line says it, no warning is added.
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, 'NOT_FOUND', `Route ${request.method} not found`))
  })
}, { name: 'error-handler' })

import type { FastifyReply } from 'fastify'

// The one error shape every route and the error handler answer with: Fastify's own
// (statusCode, code, error, message), so a parser error and a route's refusal read alike.

export interface ErrorBody {
  readonly statusCode: number
  /** Stable and machine-readable: INVALID_SIGNATURE, FST_ERR_CTP_BODY_TOO_LARGE, … */
  readonly code: string
  /** The HTTP reason phrase of the status. */
  readonly error: string
  /** What was wrong, for a person; never the payload, a header or a secret. */
  readonly message: string
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

/** The reason phrase of a status; an unlisted one reads as its class (Bad Request, Internal Server Error). */
export function httpReason (statusCode: number): string {
  return REASONS[statusCode] ?? (statusCode >= 500 ? 'Internal Server Error' : 'Bad Request')
}

export function errorBody (statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: httpReason(statusCode), message }
}

/** The refusal's log line: its message ('Request refused' unless named) and fields worth acting on. */
export interface RefusalLog {
  readonly msg?: string
  readonly [field: string]: unknown
}

/**
 * Refuses a request: the error shape, and one warn line saying why (code and message, which never
 * carry the payload, plus `log`'s fields). The request line (plugins/request-log.ts) follows it.
 */
export function sendError (reply: FastifyReply, statusCode: number, code: string, message: string, log: RefusalLog = {}): FastifyReply {
  const { msg = 'Request refused', ...fields } = log
  reply.request.log.warn({ statusCode, code, reason: message, ...fields }, msg)
  return reply.code(statusCode).send(errorBody(statusCode, code, message))
}

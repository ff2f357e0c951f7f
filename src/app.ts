// Builds the Fastify app from a Config and optional dependencies; never listens (server.ts does).
// The wiring is a chain of plugins, each declaring what it needs before it:
// metrics → stores (Redis or memory, decided once) → playbooks, clients → bot → routes.
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from './config.js'
import type { ConversationJob } from './conversation/inbound.js'
import type { Playbook } from './conversation/playbook.js'
import type { ChatwootPort } from './conversation/worker.js'
import { systemClock, type Clock } from './lib/clock.js'
import { createMetrics, type Metrics } from './lib/metrics.js'
import botPlugin from './plugins/bot.js'
import clientsPlugin from './plugins/clients.js'
import errorHandler from './plugins/error-handler.js'
import metricsPlugin from './plugins/metrics.js'
import playbooksPlugin from './plugins/playbooks.js'
import requestLog from './plugins/request-log.js'
import routesPlugin from './plugins/routes.js'
import storesPlugin from './plugins/stores.js'
import type { BatchHandler, WorkQueue } from './stores/queue.js'

export interface AppDeps {
  readonly redis?: Redis
  readonly clock?: Clock
  readonly logger?: FastifyBaseLogger
  /** Runs a conversation's batch of jobs; replaces the SDR worker (route tests record jobs with it). */
  readonly handler?: BatchHandler<ConversationJob>
  /** One fixed playbook for every inbox, instead of PLAYBOOK_PATH (never reloaded). */
  readonly playbook?: Playbook
  readonly chatwoot?: ChatwootPort
  readonly queue?: WorkQueue<ConversationJob>
  readonly metrics?: Metrics
}

export interface BuildAppOptions {
  readonly config: Config
  readonly deps?: AppDeps
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    clock: Clock
    lifecycle: { shuttingDown: boolean }
  }
}

/** Paths pino blanks wherever they appear in a log object: secrets and lead PII. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-chatwoot-signature"]',
  'req.headers.api_access_token',
  'headers.authorization',
  'headers.api_access_token',
  'headers["x-n8n-api-key"]',
  '*.content',
  '*.email',
  '*.phone',
  '*.phone_number',
  '*.apiKey',
  '*.secret',
  '*.token',
]

export function loggerOptions (config: Config) {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
}

/** A hop count trusts that many proxies in front (as proxy-addr counts hops), the rest as given. */
function trustProxyOption (trust: Config['http']['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return typeof trust === 'boolean' ? trust : [...trust]
}

/**
 * The HTTP server's timeouts and limits (README "Configuration", HTTP_* variables). A client that
 * trickles its headers or body (slowloris) is answered 408 and disconnected once the request is
 * older than requestTimeout, whatever it still sends; Node looks for such requests every
 * connectionsCheckingInterval (30 s by default, too coarse for a 10 s deadline), so here every
 * quarter of the deadline, at most every second. headersTimeout is the same deadline (Node's own
 * default, 60 s, would never be reached). connectionTimeout destroys a socket silent in both
 * directions while a request is open (a stalled client or a client that does not read the answer);
 * keepAliveTimeout closes idle connections between requests; maxHeaderSize answers 431.
 */
export function httpServerLimits (http: Config['http']) {
  return {
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: {
      maxHeaderSize: http.maxHeaderBytes,
      requestTimeout: http.requestTimeoutMs,
      headersTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(http.requestTimeoutMs / 4))),
    },
  }
}

function fastifyOptions (config: Config, logger: FastifyBaseLogger | undefined): FastifyServerOptions & { loggerInstance?: FastifyBaseLogger } {
  return {
    ...(logger !== undefined ? { loggerInstance: logger } : { logger: loggerOptions(config) }),
    // request-log.ts writes the one line per request we want; Fastify's own pair is off.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: config.webhook.bodyLimitBytes,
    // Keep answering keep-alive requests while closing: Chatwoot does not retry a 503.
    return503OnClosing: false,
    // Only addresses the operator named may tell us the client's address (X-Forwarded-For).
    trustProxy: trustProxyOption(config.http.trustProxy),
    ...httpServerLimits(config.http),
  }
}

export async function buildApp ({ config, deps = {} }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(config, deps.logger))
  app.decorate('config', config)
  app.decorate('clock', deps.clock ?? systemClock)
  app.decorate('lifecycle', { shuttingDown: false })

  await app.register(errorHandler)
  await app.register(requestLog)
  await app.register(metricsPlugin, { metrics: deps.metrics ?? createMetrics() })
  await app.register(storesPlugin, { redis: deps.redis })
  await app.register(playbooksPlugin, { playbook: deps.playbook })
  await app.register(clientsPlugin, { chatwoot: deps.chatwoot })
  await app.register(botPlugin, { handler: deps.handler, queue: deps.queue })
  await app.register(routesPlugin)
  return app
}

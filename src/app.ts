// Builds the Fastify app from a Config and optional dependencies; never listens (server.ts does).
import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from './config.js'
import { createBot, type Bot } from './bot.js'
import type { ConversationJob } from './conversation/inbound.js'
import { conversationTag } from './conversation/ref.js'
import type { Playbook } from './conversation/playbook.js'
import { singlePlaybook } from './conversation/playbook-library.js'
import { openPlaybookSource, type PlaybookSource } from './conversation/playbook-source.js'
import type { ChatwootPort } from './conversation/worker.js'
import { createMemoryContactStore, type ContactStore } from './stores/contacts.js'
import { createRedisContactStore } from './stores/redis-contacts.js'
import adminRoutes from './routes/admin.js'
import { createRedisTimers } from './stores/redis-timers.js'
import { createMemoryTimers, type Timers } from './stores/timers.js'
import { systemClock, type Clock } from './lib/clock.js'
import { createMetrics, type Metrics } from './lib/metrics.js'
import errorHandler from './plugins/error-handler.js'
import metricsPlugin from './plugins/metrics.js'
import requestLog from './plugins/request-log.js'
import storesPlugin from './plugins/stores.js'
import healthRoutes from './routes/health.js'
import metricsRoutes from './routes/metrics.js'
import webhookRoutes from './routes/webhook.js'
import { FencedOutError } from './conversation/worker.js'
import { createMemoryQueue, type BatchHandler, type WorkQueue } from './stores/queue.js'
import { createRedisQueue } from './stores/redis-queue.js'

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
    queue: WorkQueue<ConversationJob>
    /** The playbooks in force (PLAYBOOK_PATH, reloaded when it changes). */
    playbooks: PlaybookSource
    /** The default playbook, as of now. */
    playbook: Playbook
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

/** A Redis failure is logged by its message alone: the client's error object can carry the URL. */
const redisError = (err: unknown): { message: string } => ({ message: err instanceof Error ? err.message : String(err) })

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

function fixedPlaybook (playbook: Playbook): PlaybookSource {
  const library = singlePlaybook(playbook)
  return { library: () => library, forInbox: () => playbook, reload: async () => 'unchanged', close: () => {} }
}

export async function buildApp ({ config, deps = {} }: BuildAppOptions): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock
  const metrics = deps.metrics ?? createMetrics()
  const app = Fastify({
    ...(deps.logger !== undefined ? { loggerInstance: deps.logger } : { logger: loggerOptions(config) }),
    // request-log.ts writes the one line per request we want; Fastify's own pair is off.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: config.webhook.bodyLimitBytes,
    // Keep answering keep-alive requests while closing: Chatwoot does not retry a 503 (FACTS.md §4).
    return503OnClosing: false,
    // Only addresses the operator named may tell us the client's address (X-Forwarded-For).
    trustProxy: trustProxyOption(config.http.trustProxy),
    ...httpServerLimits(config.http),
  })

  app.decorate('config', config)
  app.decorate('lifecycle', { shuttingDown: false })

  await app.register(errorHandler)
  await app.register(requestLog)
  await app.register(metricsPlugin, { metrics })
  await app.register(storesPlugin, { config, clock, metrics, ...(deps.redis !== undefined ? { redis: deps.redis } : {}) })

  const playbooks = deps.playbook !== undefined
    ? fixedPlaybook(deps.playbook)
    : await openPlaybookSource({
      path: config.bot.playbookPath,
      log: app.log,
      onReload: (outcome) => metrics.playbookReloads.inc({ outcome }),
    })
  app.addHook('onClose', async () => playbooks.close())
  app.decorate('playbooks', playbooks)
  app.decorate('playbook', { getter: () => playbooks.library().fallback })
  // Set once the queue and the timers it needs exist; the queue calls the handler only later.
  const bot: { worker?: Bot | undefined } = {}
  const handler: BatchHandler<ConversationJob> = deps.handler ?? (async (lane, jobs, ctx) => {
    await bot.worker?.handle(lane, jobs, ctx.fence)
    for (const job of jobs) metrics.jobsProcessed.inc({ kind: job.kind, outcome: 'done' })
  })
  const onError = (lane: string, err: unknown): void => {
    if (err instanceof FencedOutError) {
      metrics.queueEvents.inc({ event: 'fenced_out' })
      app.log.warn({ lane }, 'Conversation taken over by another replica; this run stopped')
      return
    }
    metrics.jobsProcessed.inc({ kind: 'batch', outcome: 'failed' })
    app.log.error({ err, lane }, 'Conversation job failed')
  }
  const queue = deps.queue ?? (app.redis !== undefined
    ? createRedisQueue<ConversationJob>({
      redis: app.redis,
      prefix: config.redis.keyPrefix,
      handler,
      debounceMs: config.bot.debounceMs,
      maxWaitMs: config.bot.maxWaitMs,
      leaseMs: config.queue.leaseMs,
      concurrency: config.queue.concurrency,
      maxAttempts: config.queue.maxAttempts,
      consume: config.workerEnabled,
      now: () => clock.now(),
      onError,
      onLoopError: (err) => app.log.warn({ err: redisError(err) }, 'Durable queue cannot reach Redis; retrying'),
      onRetry: () => metrics.queueEvents.inc({ event: 'retried' }),
      onExhausted: async (lane, jobs) => {
        metrics.queueEvents.inc({ event: 'exhausted' })
        await bot.worker?.giveUp(lane, jobs)
      },
      onBuffered: (lane, err) => {
        metrics.queueEvents.inc({ event: 'buffered' })
        metrics.redisFallbacks.inc({ operation: 'enqueue' })
        app.log.warn({ lane, err: redisError(err) }, 'Redis refused an enqueue: held in memory until it answers')
      },
      onStalled: (lanes) => {
        metrics.queueEvents.inc({ event: 'stalled' }, lanes.length)
        app.log.warn({ lanes: lanes.length }, 'Conversations of a stopped replica taken over')
      },
    })
    : createMemoryQueue<ConversationJob>({
      handler,
      debounceMs: config.bot.debounceMs,
      maxWaitMs: config.bot.maxWaitMs,
      now: () => clock.now(),
      onError,
    }))
  app.decorate('queue', queue)

  const timers: Timers<ConversationJob> = app.redis !== undefined
    ? createRedisTimers<ConversationJob>({
      redis: app.redis,
      prefix: config.redis.keyPrefix,
      now: () => clock.now(),
      fire: config.workerEnabled,
      onFired: (n) => metrics.queueEvents.inc({ event: 'timer_fired' }, n),
      onLoopError: (err) => app.log.warn({ err: redisError(err) }, 'Timers cannot reach Redis; retrying'),
    })
    : createMemoryTimers<ConversationJob>({ queue, now: () => clock.now(), onError })
  app.addHook('onClose', async () => timers.close())
  const contacts: ContactStore = app.redis !== undefined ? createRedisContactStore(app.redis, config.redis.keyPrefix) : createMemoryContactStore(() => clock.now())
  bot.worker = deps.handler === undefined
    ? createBot({
      config,
      playbook: (inboxId) => playbooks.forInbox(inboxId),
      metrics,
      clock,
      log: app.log,
      redis: app.redis,
      timers,
      contacts,
      eraseConversation: (tag) => app.stores.eraseConversation(tag),
      hasNewLeadMessage: (ref) => queue.hasWaiting(conversationTag(ref), (job) => job.kind === 'message'),
      ...(deps.chatwoot !== undefined ? { chatwoot: deps.chatwoot } : {}),
    })
    : undefined
  await bot.worker?.ready()

  await app.register(webhookRoutes, { config, clock, stores: app.stores, queue, metrics })
  const adminToken = config.admin.token
  if (adminToken !== undefined) {
    await app.register(adminRoutes, {
      token: adminToken,
      contacts,
      queue,
      limits: app.stores.limits,
      ipRequests: config.limits.ipRequests,
      ipWindowSeconds: config.limits.ipWindowSeconds,
      clock,
      notifyErased: (contact) => bot.worker?.notifyErased(contact),
    })
  }
  // CORS only where a browser may call (a status page reading health or metrics). The webhook is
  // server-to-server: Chatwoot sends no Origin, and an onRequest hook there would cost every delivery.
  await app.register(async (browser) => {
    await browser.register(cors, { origin: [...config.http.allowedOrigins], methods: ['GET'] })
    await browser.register(healthRoutes, {
      stores: app.stores,
      isShuttingDown: () => app.lifecycle.shuttingDown,
      queueStats: () => queue.stats(),
      llmHealth: () => bot.worker?.llmHealth(),
    })
    if (config.metrics.enabled) {
      await browser.register(metricsRoutes, {
        registry: metrics.registry,
        beforeCollect: async () => {
          const s = queue.stats()
          metrics.queueDepth.set(s.depth)
          metrics.queueOldestAge.set(s.oldestAgeMs / 1000)
          try {
            metrics.timersPending.set(await timers.count())
          } catch {
            // Redis is down: the gauge keeps its last value, redis_up says why.
          }
        },
      })
    }
  })

  app.addHook('onClose', async () => {
    app.lifecycle.shuttingDown = true
    const drained = await queue.drain(config.http.shutdownTimeoutMs)
    if (!drained) app.log.error({ queue: queue.stats() }, 'Shutdown timed out with conversation work still queued')
    await bot.worker?.drain(Math.max(1000, config.http.shutdownTimeoutMs / 2))
  })

  return app
}

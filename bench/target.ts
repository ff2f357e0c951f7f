// One benchmark target per process, so the load generator never shares its event loop.
// Usage: tsx bench/target.ts <bare|rawbody-plugin|buffer-parser|webhook-memory|webhook-redis>
import { createHmac } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import rawBody from 'fastify-raw-body'
import { pino } from 'pino'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { BENCH_SECRET } from './payload.js'

const kind = process.argv[2] ?? 'bare'

async function bare (): Promise<FastifyInstance> {
  const app = Fastify()
  app.post('/api/v1/webhooks/agentbot', async () => ({ status: 'accepted' }))
  return app
}

/** The two ways to keep the raw bytes for the HMAC, on an otherwise bare app. */
async function rawBodyPlugin (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(rawBody, { global: false, runFirst: true })
  app.post('/api/v1/webhooks/agentbot', { config: { rawBody: true } }, async (req) => {
    createHmac('sha256', BENCH_SECRET).update(req.rawBody ?? '').digest('hex')
    return { status: 'accepted' }
  })
  return app
}

async function bufferParser (): Promise<FastifyInstance> {
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  app.post('/api/v1/webhooks/agentbot', async (req) => {
    const raw = req.body as Buffer
    createHmac('sha256', BENCH_SECRET).update(raw).digest('hex')
    JSON.parse(raw.toString('utf8'))
    return { status: 'accepted' }
  })
  return app
}

async function webhook (redisUrl: string | undefined): Promise<FastifyInstance> {
  const config = loadConfig({
    APP_ENV: 'test',
    CHATWOOT_WEBHOOK_SECRET: BENCH_SECRET,
    CONVERSATION_RATE_LIMIT_REQUESTS: '1000000',
    DEDUPE_TTL_SECONDS: process.env['BENCH_DEDUPE_TTL'],
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
  })
  // The handler discards jobs: this measures the webhook path, not the bot. Logs are written as in
  // production (one JSON line per request at info), to /dev/null.
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }))
  return buildApp({ config, deps: { logger, handler: async () => {} } })
}

async function routeOnly (): Promise<FastifyInstance> {
  const { default: webhookRoutes } = await import('../src/routes/webhook.js')
  const { createMetrics } = await import('../src/lib/metrics.js')
  const { createMemoryStores } = await import('../src/stores/memory.js')
  const { createMemoryQueue } = await import('../src/stores/queue.js')
  const config = loadConfig({ APP_ENV: 'test', CHATWOOT_WEBHOOK_SECRET: BENCH_SECRET, CONVERSATION_RATE_LIMIT_REQUESTS: '1000000' })
  const app = Fastify()
  app.decorateRequest('logContext')
  app.addHook('onRequest', async (req) => { req.logContext = {} })
  const clock = { now: () => Date.now() }
  const queue = createMemoryQueue({ handler: async () => {}, debounceMs: 1500, maxWaitMs: 6000, onError: () => {} })
  await app.register(webhookRoutes, { config, clock, stores: createMemoryStores(clock), queue, metrics: createMetrics() })
  return app
}

const builders: Record<string, () => Promise<FastifyInstance>> = {
  'route-only': routeOnly,
  bare,
  'rawbody-plugin': rawBodyPlugin,
  'buffer-parser': bufferParser,
  'webhook-memory': () => webhook(undefined),
  'webhook-redis': () => webhook(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15'),
}

const build = builders[kind]
if (build === undefined) throw new Error(`unknown target ${kind}`)
const app = await build()
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`READY ${typeof address === 'object' && address !== null ? address.port : 0}\n`)
process.on('SIGTERM', () => {
  if (process.env['BENCH_CPU'] !== undefined) {
    const cpu = process.cpuUsage()
    process.stderr.write(`${kind} cpu user ${(cpu.user / 1e6).toFixed(2)} s system ${(cpu.system / 1e6).toFixed(2)} s\n`)
  }
  app.close().then(() => process.exit(0), () => process.exit(1))
})

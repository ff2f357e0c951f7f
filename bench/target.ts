// One benchmark target per process, so the load generator never shares its event loop.
// Usage: tsx bench/target.ts <bare|rawbody-plugin|buffer-parser|webhook-memory|webhook-redis>
import { createHmac } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import rawBody from 'fastify-raw-body'
import { pino } from 'pino'
import { BENCH_SECRET } from './payload.js'
import { cleanPrefix } from '../test/helpers/redis-keys.js'

// The webhook targets run the compiled dist/ (what production runs), typed from the sources.
// `npm run bench` builds first.
const { buildApp } = await import(new URL('../dist/app.js', import.meta.url).href) as typeof import('../src/app.js')
const { loadConfig } = await import(new URL('../dist/config.js', import.meta.url).href) as typeof import('../src/config.js')

const kind = process.argv[2] ?? 'bare'

async function bare (): Promise<FastifyInstance> {
  const app = Fastify()
  app.post('/api/v1/webhooks/agentbot', async () => ({ status: 'accepted' }))
  return app
}

/** Bare Fastify as it is usually deployed: its own request logging on (two lines per request). */
async function bareLogged (): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }))
  const app = Fastify({ loggerInstance })
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

async function webhook (redisUrl: string | undefined, workerEnabled = true): Promise<FastifyInstance> {
  const config = loadConfig({
    WORKER_ENABLED: String(workerEnabled),
    APP_ENV: 'test',
    CHATWOOT_WEBHOOK_SECRET: BENCH_SECRET,
    CONVERSATION_RATE_LIMIT_REQUESTS: '1000000',
    DEDUPE_TTL_SECONDS: process.env['BENCH_DEDUPE_TTL'],
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
  })
  // The handler discards jobs: this measures the webhook path, not the bot. Logs are written as in
  // production (pino's default: one JSON line per request at info, written synchronously), to /dev/null.
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }))
  return buildApp({ config, deps: { logger, handler: async () => {} } })
}

/** The whole bot, debounce 0, against the stand-ins bench/e2e.ts started (their URLs in the env). */
async function endToEnd (): Promise<FastifyInstance> {
  const redisUrl = process.env['BENCH_REDIS_URL']
  const config = loadConfig({
    APP_ENV: 'test',
    CHATWOOT_WEBHOOK_SECRET: BENCH_SECRET,
    CHATWOOT_BASE_URL: process.env['BENCH_CHATWOOT_URL'],
    CHATWOOT_ACCESS_TOKEN: 'bot-token',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: process.env['BENCH_OPENAI_URL'],
    BOT_DEBOUNCE_MS: '0',
    CONVERSATION_RATE_LIMIT_REQUESTS: '1000000',
    REDIS_URL: redisUrl === '' ? undefined : redisUrl,
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
  })
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }))
  return buildApp({ config, deps: { logger } })
}

const builders: Record<string, () => Promise<FastifyInstance>> = {
  e2e: endToEnd,
  bare,
  'bare-logged': bareLogged,
  'rawbody-plugin': rawBodyPlugin,
  'buffer-parser': bufferParser,
  'webhook-memory': () => webhook(undefined),
  'webhook-redis': () => webhook(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15'),
  // A webhook-only replica (WORKER_ENABLED=false): the intake path alone, as its own replicas run it.
  'webhook-redis-intake': () => webhook(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15', false),
}

const build = builders[kind]
if (build === undefined) throw new Error(`unknown target ${kind}`)
const app = await build()
// BENCH_ELD=1: the target's own event-loop delay, printed at exit (is a stall ours or the load generator's?).
const loopDelay = process.env['BENCH_ELD'] !== undefined ? monitorEventLoopDelay({ resolution: 1 }) : undefined
loopDelay?.enable()
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`READY ${typeof address === 'object' && address !== null ? address.port : 0}\n`)
process.on('SIGTERM', () => {
  if (loopDelay !== undefined) {
    process.stderr.write(`${kind} event-loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms max ${(loopDelay.max / 1e6).toFixed(1)} ms\n`)
  }
  if (process.env['BENCH_CPU'] !== undefined) {
    const cpu = process.cpuUsage()
    process.stderr.write(`${kind} cpu user ${(cpu.user / 1e6).toFixed(2)} s system ${(cpu.system / 1e6).toFixed(2)} s\n`)
  }
  // Nobody runs what an intake-only target queued: its keys go with it.
  const cleanup = kind === 'webhook-redis-intake' && app.redis !== undefined ? cleanPrefix(app.redis, `bench:${process.pid}:`) : Promise.resolve(0)
  cleanup.then(() => app.close()).then(() => process.exit(0), () => process.exit(1))
})

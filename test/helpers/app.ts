import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp, loggerOptions, type AppDeps } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { ConversationJob } from '../../src/conversation/inbound.js'
import type { Clock } from '../../src/lib/clock.js'
import type { BatchHandler } from '../../src/stores/queue.js'
import { VECTORS, VECTOR_TIMESTAMP } from './fixtures.js'

export type EnvOverrides = Record<string, string | undefined>

/** A clock the test moves by hand. */
export interface TestClock extends Clock {
  set (ms: number): void
  advance (ms: number): void
  /** now() in unix seconds, as X-Chatwoot-Timestamp carries it. */
  seconds (): number
}

/** Starts at the signature vector's timestamp unless told otherwise. */
export function createTestClock (startMs = VECTOR_TIMESTAMP * 1000): TestClock {
  let now = startMs
  return {
    now: () => now,
    set: (ms) => { now = ms },
    advance: (ms) => { now += ms },
    seconds: () => Math.floor(now / 1000),
  }
}

/**
 * A clock that runs with real time from `startMs` on, and jumps when told: for the durable queue,
 * whose debounce waits until the clock passes a due time, and for timers hours ahead.
 */
export function createShiftedClock (startMs: number): TestClock {
  let offset = startMs - Date.now()
  return {
    now: () => Date.now() + offset,
    set: (ms) => { offset = ms - Date.now() },
    advance: (ms) => { offset += ms },
    seconds: () => Math.floor((Date.now() + offset) / 1000),
  }
}

export interface TestDeps extends Omit<AppDeps, 'handler' | 'logger'> {
  /** Called after the job batch was recorded in `jobs`. */
  readonly handler?: BatchHandler<ConversationJob>
  /** Leave deps.handler unset so the app's own SDR worker runs (jobs stays empty). */
  readonly defaultHandler?: boolean
  /** Capture every log line (parsed JSON) into `logs`, with the app's own redaction options. */
  readonly captureLogs?: boolean
}

export interface LogLine {
  readonly level: number
  readonly msg?: string
  readonly [key: string]: unknown
}

export interface TestApp {
  readonly app: FastifyInstance
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** Every job the handler received, in order. */
  readonly jobs: ConversationJob[]
  /** Every batch the handler received. */
  readonly batches: Array<{ lane: string, jobs: readonly ConversationJob[] }>
  /** Raw log lines, when captureLogs is on. */
  readonly logs: string[]
  /** The same lines parsed. */
  parsedLogs (): LogLine[]
  close (): Promise<void>
}

/**
 * What every test app gets unless overridden: test mode, the vector's secret, and no debounce, so
 * an accepted job reaches the handler at once (the debounce itself is tested on the queue).
 */
export const BASE_ENV: EnvOverrides = {
  APP_ENV: 'test',
  CHATWOOT_WEBHOOK_SECRET: VECTORS.secret,
  BOT_DEBOUNCE_MS: '0',
  BOT_MAX_WAIT_MS: '0',
  // A long reply still goes out in parts, one right after the other (no pacing pauses).
  BOT_REPLY_PAUSES: 'false',
}

/**
 * Builds the real app (buildApp + loadConfig) and listens on a free loopback port. The handler
 * seam records what was enqueued; a silent logger unless captureLogs is set.
 */
export async function startTestApp (env: EnvOverrides = {}, deps: TestDeps = {}): Promise<TestApp> {
  const { handler: inner, defaultHandler = false, captureLogs = false, ...rest } = deps
  const config = loadConfig({ ...BASE_ENV, ...(captureLogs ? { LOG_LEVEL: 'trace' } : {}), ...env })
  const logs: string[] = []
  const logger = captureLogs
    ? pino(loggerOptions(config), { write: (line: string) => { logs.push(line) } })
    : pino({ level: 'silent' })

  const jobs: ConversationJob[] = []
  const batches: Array<{ lane: string, jobs: readonly ConversationJob[] }> = []
  const handler: BatchHandler<ConversationJob> = async (lane, batch, ctx) => {
    jobs.push(...batch)
    batches.push({ lane, jobs: batch })
    if (inner !== undefined) await inner(lane, batch, ctx)
  }

  const app = await buildApp({
    config,
    deps: { ...rest, logger, ...(defaultHandler ? {} : { handler }) },
  })
  let closed = false
  try {
    await app.listen({ port: 0, host: '127.0.0.1' })
  } catch (err) {
    await app.close()
    throw err
  }
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('app is not listening on TCP')

  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    jobs,
    batches,
    logs,
    parsedLogs: () => logs.map((l) => JSON.parse(l) as LogLine),
    close: async () => {
      if (closed) return
      closed = true
      await app.close()
    },
  }
}

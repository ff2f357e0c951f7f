import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { cleanPrefix } from './redis-keys.js'

/** Database 15 by default, so tests never touch a development database. */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15'

async function probe (): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 500,
    commandTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    const pong = await client.ping()
    return pong === 'PONG' ? undefined : `PING answered ${pong}`
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  } finally {
    client.disconnect()
  }
}

const failure = await probe()

// CI promises a Redis (.ci/run starts one): there a missing Redis is a failure, never a quiet skip.
if (failure !== undefined && process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
  throw new Error(`CI is set but Redis at ${REDIS_URL} did not answer PING (${failure}): the Redis suites must run in CI`)
}

/** True when Redis answered a PING at module load (500 ms budget). */
export const redisAvailable = failure === undefined

/**
 * Call at the top of a Redis suite (next to describe.skipIf(!redisAvailable)): when Redis is
 * absent the skip is announced on the console, never silent.
 */
export function warnIfRedisMissing (suite: string): void {
  if (!redisAvailable) {
    console.warn(`[SKIPPED] ${suite}: Redis at ${REDIS_URL} did not answer PING (${failure ?? 'unknown'}). Start Redis or set REDIS_URL.`)
  }
}

/** A unique key prefix, e.g. "test:3f9a1c2b:". */
export const uniquePrefix = (): string => `test:${randomBytes(4).toString('hex')}:`

/** A plain client for a test (not the app's), erroring loudly rather than queueing while down. */
export function createTestRedis (): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1000 })
}

export { cleanPrefix, keysUnder } from './redis-keys.js'

/**
 * A suite's key prefix and a client to read it: the client opens before the suite's tests; after
 * them the prefix's keys go and the client closes. Call it before the suite's own afterAll hooks:
 * vitest runs after-hooks in reverse (its default `sequence.hooks: 'stack'`), so apps the suite
 * closes stop writing before their keys are removed.
 */
export function redisSuite (): { readonly prefix: string, readonly redis: Redis } {
  const prefix = uniquePrefix()
  let client: Redis | undefined
  beforeAll(() => { client = createTestRedis() })
  afterAll(async () => {
    if (client === undefined) return
    await cleanPrefix(client, prefix)
    client.disconnect()
  })
  return {
    prefix,
    get redis () {
      if (client === undefined) throw new Error('redisSuite: the client opens in beforeAll; read it inside a test')
      return client
    },
  }
}

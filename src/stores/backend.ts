import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Metrics } from '../lib/metrics.js'
import type { ContactStore } from './contacts.js'
import type { Outbox, OutboxItem, SendOutcome } from './outbox.js'
import type { BatchHandler, WorkQueue } from './queue.js'
import type { StateStore } from './state.js'
import type { Timers } from './timers.js'
import type { Stores } from './types.js'

// Where a replica keeps what it must remember: in this process (memory-backend.ts), or in Redis,
// shared with the other replicas (redis-backend.ts). plugins/stores.ts chooses one, once, from
// REDIS_URL; everything else asks the backend it chose and never looks at Redis or memory itself.

/** What a backend builds its stores with. */
export interface BackendContext {
  readonly config: Config
  readonly clock: Clock
  readonly metrics: Metrics
  readonly log: FastifyBaseLogger
}

/** Who runs the conversations' lanes, and what becomes of a batch that failed. */
export interface LaneRunner<J> {
  readonly handler: BatchHandler<J>
  readonly onError: (lane: string, err: unknown) => void
  /** The batch failed every attempt (the durable queue gives up): it must still reach a person. */
  readonly onExhausted: (lane: string, jobs: readonly J[]) => Promise<void>
}

export interface Backend {
  readonly kind: 'memory' | 'redis'
  /** The shared client, with Redis. */
  readonly redis: Redis | undefined
  /** What the webhook needs: dedupe, limits, admission, erasure, health. */
  readonly stores: Stores
  /** Conversation state documents. */
  readonly states: StateStore
  /** Opt-out marks and the contact → conversations index. */
  readonly contacts: ContactStore
  /** The conversations' lanes, run by `runner`. */
  queue<J> (runner: LaneRunner<J>): WorkQueue<J>
  /** Work due later in a lane (follow-ups, the handoff watchdog), put into `queue` at its time. */
  timers<J> (queue: WorkQueue<J>, onError: (lane: string, err: unknown) => void): Timers<J>
  /** The durable outbox of workflow triggers; undefined in memory, where a trigger is sent at once. */
  outbox (send: (item: OutboxItem) => Promise<SendOutcome>): Outbox | undefined
}

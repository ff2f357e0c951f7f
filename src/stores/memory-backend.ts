import { createMemoryContactStore } from './contacts.js'
import type { Backend, BackendContext } from './backend.js'
import { createMemoryStores } from './memory.js'
import { createMemoryQueue } from './queue.js'
import { createMemoryStateStore } from './state.js'
import { createMemoryTimers } from './timers.js'

/** The embedded default: everything in this process, for a single instance; a restart forgets it. */
export function createMemoryBackend (ctx: BackendContext): Backend {
  const now = (): number => ctx.clock.now()
  const { debounceMs, maxWaitMs } = ctx.config.bot
  return {
    kind: 'memory',
    redis: undefined,
    stores: createMemoryStores(ctx.clock),
    states: createMemoryStateStore(ctx.clock),
    contacts: createMemoryContactStore(now),
    queue: (runner) => createMemoryQueue({ handler: runner.handler, onError: runner.onError, debounceMs, maxWaitMs, now }),
    timers: (queue, onError) => createMemoryTimers({ queue, now, onError }),
    outbox: () => undefined,
  }
}

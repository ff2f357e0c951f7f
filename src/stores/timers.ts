import type { WorkQueue } from './queue.js'

// Work that must happen later in a conversation (a follow-up, the handoff watchdog): at its time
// the job is put into the conversation's lane like a lead message, so it runs in order with
// them, under the same lease, and the worker decides afresh whether it still applies.

export interface Timers<J> {
  /** Puts `job` into `lane` at `dueAt` (ms epoch); a timer of the same lane and name is replaced. */
  set (lane: string, name: string, dueAt: number, job: J): Promise<void>
  clear (lane: string, name: string): Promise<void>
  /** Timers waiting (all lanes). */
  count (): Promise<number>
  close (): void
}

export interface MemoryTimersOptions<J> {
  readonly queue: WorkQueue<J>
  readonly now?: () => number
  readonly pollMs?: number
  readonly onError: (lane: string, err: unknown) => void
}

/** The embedded timers: in this process only, like the memory queue they feed. */
export function createMemoryTimers<J> (opts: MemoryTimersOptions<J>): Timers<J> {
  const now = opts.now ?? Date.now
  const timers = new Map<string, { lane: string, dueAt: number, job: J }>()
  const poll = setInterval(() => {
    const t = now()
    for (const [key, timer] of timers) {
      if (timer.dueAt > t) continue
      timers.delete(key)
      opts.queue.enqueue(timer.lane, timer.job).catch((err: unknown) => opts.onError(timer.lane, err))
    }
  }, opts.pollMs ?? 250)
  poll.unref()
  const keyOf = (lane: string, name: string): string => `${lane}|${name}`
  return {
    async set (lane, name, dueAt, job) {
      timers.set(keyOf(lane, name), { lane, dueAt, job })
    },
    async clear (lane, name) {
      timers.delete(keyOf(lane, name))
    },
    async count () {
      return timers.size
    },
    close () {
      clearInterval(poll)
    },
  }
}

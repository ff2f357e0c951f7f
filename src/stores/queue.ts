/** What a batch's runner knows of its run. */
export interface BatchContext {
  /** The lease's fencing token (durable queue): state saved under an older token is refused. */
  readonly fence: number | undefined
  /** Earlier runs of this batch that failed or stalled (0 on the first run). */
  readonly attempt: number
}

/** Runs the jobs of one lane (a conversation) as a batch, one batch at a time per lane. */
export type BatchHandler<J> = (laneKey: string, jobs: readonly J[], ctx: BatchContext) => Promise<void>

export interface QueueStats {
  /** Jobs waiting for their batch (a running batch is not counted). */
  readonly depth: number
  /** Age of the oldest waiting job, ms (0 when none waits). */
  readonly oldestAgeMs: number
  /** Lanes with work queued or running. */
  readonly lanes: number
}

export interface WorkQueue<J> {
  enqueue (laneKey: string, job: J): Promise<void>
  stats (): QueueStats
  /** Runs everything queued now (skipping the debounce) and resolves true when all is done within the bound. */
  drain (timeoutMs: number): Promise<boolean>
  /**
   * Read only: whether a job `match` accepts waits in the lane, behind the batch running there
   * (a lead wrote again while the bot answers). Looks at the first few dozen waiting jobs only.
   */
  hasWaiting (laneKey: string, match: (job: J) => boolean): Promise<boolean>
}

export interface MemoryQueueOptions<J> {
  readonly handler: BatchHandler<J>
  /** Quiet time after a lane's last job before its batch runs: lets a lead finish typing. */
  readonly debounceMs: number
  /** The longest a job waits for the debounce, however chatty the lead. */
  readonly maxWaitMs: number
  readonly now?: () => number
  readonly onError: (laneKey: string, err: unknown) => void
}

interface Lane<J> {
  pending: Array<{ job: J, at: number }>
  running: Promise<void> | undefined
  timer: NodeJS.Timeout | undefined
  /** When `timer` fires (ms epoch) and the delay it was armed with: lets a burst keep or refresh it. */
  fireAt: number
  timerWait: number
}

/**
 * The embedded in-process queue: per-lane order, one batch at a time per lane, lanes in parallel.
 * Jobs live in this process only: a crash loses what is queued (the durable Redis queue is issue #4).
 */
export function createMemoryQueue<J> (opts: MemoryQueueOptions<J>): WorkQueue<J> {
  const now = opts.now ?? Date.now
  const lanes = new Map<string, Lane<J>>()
  let flushing = false
  const idleWaiters = new Set<() => void>()

  const notifyIfIdle = (): void => {
    if (lanes.size > 0) return
    for (const resolve of idleWaiters) resolve()
    idleWaiters.clear()
  }

  const run = (key: string, lane: Lane<J>): void => {
    if (lane.running !== undefined || lane.pending.length === 0) return
    clearTimeout(lane.timer)
    lane.timer = undefined
    const batch = lane.pending
    lane.pending = []
    lane.running = (async () => {
      try {
        await opts.handler(key, batch.map((b) => b.job), { fence: undefined, attempt: 0 })
      } catch (err) {
        opts.onError(key, err)
      }
    })().finally(() => {
      lane.running = undefined
      if (lane.pending.length > 0) {
        schedule(key, lane)
      } else {
        lanes.delete(key)
        notifyIfIdle()
      }
    })
  }

  const schedule = (key: string, lane: Lane<J>): void => {
    if (lane.running !== undefined) return
    const t = now()
    const firstAt = lane.pending[0]?.at ?? t
    const wait = flushing ? 0 : Math.max(0, Math.min(opts.debounceMs, firstAt + opts.maxWaitMs - t))
    if (wait === 0) {
      run(key, lane)
      return
    }
    // A chatty lane calls this per message. Once capped by maxWaitMs the deadline no longer moves, and
    // while it only pushes the debounce back, refresh() re-arms the same timer: no new timer per message.
    if (lane.timer !== undefined) {
      if (lane.fireAt === t + wait) return
      if (lane.timerWait === wait) {
        lane.timer.refresh()
        lane.fireAt = t + wait
        return
      }
      clearTimeout(lane.timer)
    }
    lane.timerWait = wait
    lane.fireAt = t + wait
    lane.timer = setTimeout(() => run(key, lane), wait)
  }

  return {
    async enqueue (key, job) {
      let lane = lanes.get(key)
      if (lane === undefined) {
        lane = { pending: [], running: undefined, timer: undefined, fireAt: 0, timerWait: 0 }
        lanes.set(key, lane)
      }
      lane.pending.push({ job, at: now() })
      schedule(key, lane)
    },
    stats () {
      let depth = 0
      let oldest = Infinity
      for (const lane of lanes.values()) {
        depth += lane.pending.length
        const first = lane.pending[0]
        if (first !== undefined && first.at < oldest) oldest = first.at
      }
      return { depth, oldestAgeMs: oldest === Infinity ? 0 : now() - oldest, lanes: lanes.size }
    },
    async hasWaiting (key, match) {
      return lanes.get(key)?.pending.some((p) => match(p.job)) ?? false
    },
    async drain (timeoutMs) {
      flushing = true
      for (const [key, lane] of lanes) run(key, lane)
      if (lanes.size === 0) return true
      let timer: NodeJS.Timeout | undefined
      const idle = new Promise<boolean>((resolve) => idleWaiters.add(() => resolve(true)))
      const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
      try {
        return await Promise.race([idle, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

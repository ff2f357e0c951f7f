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

/** What one memory queue's functions share. */
interface MemoryQueueContext<J> {
  readonly opts: MemoryQueueOptions<J>
  readonly now: () => number
  readonly lanes: Map<string, Lane<J>>
  /** Resolved when the last lane empties: what drain waits for. */
  readonly idleWaiters: Set<() => void>
  /** Draining: every batch runs at once, without its debounce. */
  flushing: boolean
}

/**
 * The embedded in-process queue: per-lane order, one batch at a time per lane, lanes in parallel.
 * Jobs live in this process only: a crash loses what is queued (the durable Redis queue is issue #4).
 */
export function createMemoryQueue<J> (opts: MemoryQueueOptions<J>): WorkQueue<J> {
  const ctx: MemoryQueueContext<J> = { opts, now: opts.now ?? Date.now, lanes: new Map(), idleWaiters: new Set(), flushing: false }
  return {
    async enqueue (key, job) {
      let lane = ctx.lanes.get(key)
      if (lane === undefined) {
        lane = { pending: [], running: undefined, timer: undefined, fireAt: 0, timerWait: 0 }
        ctx.lanes.set(key, lane)
      }
      lane.pending.push({ job, at: ctx.now() })
      schedule(ctx, key, lane)
    },
    stats: () => memoryStats(ctx.lanes.values(), ctx.now()),
    async hasWaiting (key, match) {
      return ctx.lanes.get(key)?.pending.some((p) => match(p.job)) ?? false
    },
    drain: async (timeoutMs) => await drain(ctx, timeoutMs),
  }
}

/**
 * How long a lane's batch still waits at `t`: the debounce after its last job, but never past
 * `maxWaitMs` after its first one (0: run now).
 */
export function batchWaitMs (firstAt: number, t: number, debounceMs: number, maxWaitMs: number): number {
  return Math.max(0, Math.min(debounceMs, firstAt + maxWaitMs - t))
}

/** The queue's figures from its lanes: the jobs waiting, the oldest's age, the lanes in use. */
export function memoryStats (lanes: Iterable<{ readonly pending: ReadonlyArray<{ readonly at: number }> }>, t: number): QueueStats {
  let depth = 0
  let oldest = Infinity
  let count = 0
  for (const lane of lanes) {
    count++
    depth += lane.pending.length
    const first = lane.pending[0]
    if (first !== undefined && first.at < oldest) oldest = first.at
  }
  return { depth, oldestAgeMs: oldest === Infinity ? 0 : t - oldest, lanes: count }
}

function notifyIfIdle<J> (ctx: MemoryQueueContext<J>): void {
  if (ctx.lanes.size > 0) return
  for (const resolve of ctx.idleWaiters) resolve()
  ctx.idleWaiters.clear()
}

/** Runs the lane's pending jobs as one batch, unless a batch runs there already or none waits. */
function run<J> (ctx: MemoryQueueContext<J>, key: string, lane: Lane<J>): void {
  if (lane.running !== undefined || lane.pending.length === 0) return
  clearTimeout(lane.timer)
  lane.timer = undefined
  const batch = lane.pending
  lane.pending = []
  lane.running = (async () => {
    try {
      await ctx.opts.handler(key, batch.map((b) => b.job), { fence: undefined, attempt: 0 })
    } catch (err) {
      ctx.opts.onError(key, err)
    }
  })().finally(() => {
    lane.running = undefined
    if (lane.pending.length > 0) {
      schedule(ctx, key, lane)
    } else {
      ctx.lanes.delete(key)
      notifyIfIdle(ctx)
    }
  })
}

/** Runs the lane now when its wait is over, else (re)arms its timer; a running lane is looked at when it ends. */
function schedule<J> (ctx: MemoryQueueContext<J>, key: string, lane: Lane<J>): void {
  if (lane.running !== undefined) return
  const t = ctx.now()
  const firstAt = lane.pending[0]?.at ?? t
  const wait = ctx.flushing ? 0 : batchWaitMs(firstAt, t, ctx.opts.debounceMs, ctx.opts.maxWaitMs)
  if (wait === 0) {
    run(ctx, key, lane)
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
  lane.timer = setTimeout(() => run(ctx, key, lane), wait)
}

async function drain<J> (ctx: MemoryQueueContext<J>, timeoutMs: number): Promise<boolean> {
  ctx.flushing = true
  for (const [key, lane] of ctx.lanes) run(ctx, key, lane)
  if (ctx.lanes.size === 0) return true
  let timer: NodeJS.Timeout | undefined
  const idle = new Promise<boolean>((resolve) => ctx.idleWaiters.add(() => resolve(true)))
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
  try {
    return await Promise.race([idle, timeout])
  } finally {
    clearTimeout(timer)
  }
}

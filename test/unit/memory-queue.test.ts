import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryQueue, type BatchHandler, type MemoryQueueOptions } from '../../src/stores/queue.js'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

function deferred (): Deferred {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A handler that records batches and can be held open per call. */
function recorder () {
  const batches: Array<{ lane: string, jobs: string[] }> = []
  const active = new Map<string, number>()
  let maxActivePerLane = 0
  let maxActiveTotal = 0
  const gates: Deferred[] = []
  let holding = false
  const handler: BatchHandler<string> = async (lane, jobs) => {
    batches.push({ lane, jobs: [...jobs] })
    active.set(lane, (active.get(lane) ?? 0) + 1)
    maxActivePerLane = Math.max(maxActivePerLane, active.get(lane) ?? 0)
    maxActiveTotal = Math.max(maxActiveTotal, [...active.values()].reduce((a, b) => a + b, 0))
    try {
      if (holding) {
        const gate = deferred()
        gates.push(gate)
        await gate.promise
      } else {
        await tick(2)
      }
    } finally {
      active.set(lane, (active.get(lane) ?? 1) - 1)
    }
  }
  return {
    handler,
    batches,
    gates,
    hold: () => { holding = true },
    releaseAll: () => {
      holding = false
      for (const g of gates.splice(0)) g.resolve()
    },
    get maxActivePerLane () { return maxActivePerLane },
    get maxActiveTotal () { return maxActiveTotal },
  }
}

const queueOf = (handler: BatchHandler<string>, over: Partial<MemoryQueueOptions<string>> = {}) =>
  createMemoryQueue<string>({ handler, debounceMs: 0, maxWaitMs: 0, onError: () => {}, ...over })

afterEach(() => {
  vi.useRealTimers()
})

describe('memory queue: ordering and concurrency', () => {
  it('keeps per-lane order: jobs arriving while a batch runs form the next batch, in order', async () => {
    const r = recorder()
    const q = queueOf(r.handler)
    for (const job of ['a1', 'a2', 'a3', 'a4']) await q.enqueue('A', job)
    expect(await q.drain(1000)).toBe(true)
    expect(r.batches.flatMap((b) => b.jobs)).toEqual(['a1', 'a2', 'a3', 'a4'])
    // a1 started at once; a2..a4 waited for it and ran together.
    expect(r.batches.map((b) => b.jobs)).toEqual([['a1'], ['a2', 'a3', 'a4']])
  })

  it('runs one batch at a time per lane', async () => {
    const r = recorder()
    const q = queueOf(r.handler)
    for (let i = 0; i < 30; i++) {
      await q.enqueue('A', `a${i}`)
      if (i % 7 === 0) await tick(1)
    }
    expect(await q.drain(2000)).toBe(true)
    expect(r.maxActivePerLane).toBe(1)
    expect(r.batches.length).toBeGreaterThan(1)
    expect(r.batches.flatMap((b) => b.jobs)).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`))
  })

  it('runs lanes in parallel: a stuck lane does not hold up another', async () => {
    const r = recorder()
    const q = queueOf(r.handler)
    r.hold()
    await q.enqueue('A', 'a1')
    await q.enqueue('B', 'b1')
    await tick(5)
    // Both lanes are inside the handler at the same time.
    expect(r.batches.map((b) => b.lane).sort()).toEqual(['A', 'B'])
    expect(r.maxActiveTotal).toBe(2)
    expect(q.stats().lanes).toBe(2)
    r.releaseAll()
    expect(await q.drain(1000)).toBe(true)
    expect(q.stats()).toEqual({ depth: 0, oldestAgeMs: 0, lanes: 0 })
  })

  it('reports depth, lanes and the age of the oldest waiting job', async () => {
    let now = 1_000_000
    const r = recorder()
    const q = queueOf(r.handler, { debounceMs: 60_000, maxWaitMs: 60_000, now: () => now })
    await q.enqueue('A', 'a1')
    now += 500
    await q.enqueue('A', 'a2')
    await q.enqueue('B', 'b1')
    now += 250
    expect(q.stats()).toEqual({ depth: 3, oldestAgeMs: 750, lanes: 2 })
    expect(await q.drain(1000)).toBe(true)
    expect(r.batches.map((b) => b.jobs).sort()).toEqual([['a1', 'a2'], ['b1']])
  })
})

describe('memory queue: debounce', () => {
  it('jobs that arrive within debounceMs of each other run as one batch, after the quiet time', async () => {
    vi.useFakeTimers({ now: 0 })
    const r = recorder()
    const q = queueOf(r.handler, { debounceMs: 50, maxWaitMs: 1000, now: () => Date.now() })
    await q.enqueue('A', 'a1')
    await vi.advanceTimersByTimeAsync(30)
    await q.enqueue('A', 'a2')
    await vi.advanceTimersByTimeAsync(30)
    await q.enqueue('A', 'a3')
    await vi.advanceTimersByTimeAsync(49)
    expect(r.batches).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(r.batches).toEqual([{ lane: 'A', jobs: ['a1', 'a2', 'a3'] }])
  })

  it('a job after the quiet time starts a new batch', async () => {
    vi.useFakeTimers({ now: 0 })
    const r = recorder()
    const q = queueOf(r.handler, { debounceMs: 50, maxWaitMs: 1000, now: () => Date.now() })
    await q.enqueue('A', 'a1')
    await vi.advanceTimersByTimeAsync(100)
    await q.enqueue('A', 'a2')
    await vi.advanceTimersByTimeAsync(100)
    expect(r.batches.map((b) => b.jobs)).toEqual([['a1'], ['a2']])
  })

  it('maxWaitMs bounds the wait however chatty the lead', async () => {
    vi.useFakeTimers({ now: 0 })
    const r = recorder()
    const q = queueOf(r.handler, { debounceMs: 50, maxWaitMs: 120, now: () => Date.now() })
    // A job every 40 ms would postpone a pure debounce forever.
    for (let t = 0; t < 120; t += 40) {
      await q.enqueue('A', `t${t}`)
      await vi.advanceTimersByTimeAsync(40)
      if (t + 40 < 120) expect(r.batches).toEqual([])
    }
    expect(Date.now()).toBe(120)
    expect(r.batches).toEqual([{ lane: 'A', jobs: ['t0', 't40', 't80'] }])
  })
})

describe('memory queue: drain', () => {
  it('runs pending jobs at once, skipping the debounce, and resolves true', async () => {
    const r = recorder()
    const q = queueOf(r.handler, { debounceMs: 60_000, maxWaitMs: 60_000 })
    await q.enqueue('A', 'a1')
    await q.enqueue('A', 'a2')
    await q.enqueue('B', 'b1')
    await tick(10)
    expect(r.batches).toEqual([])
    const started = Date.now()
    expect(await q.drain(1000)).toBe(true)
    expect(Date.now() - started).toBeLessThan(500)
    expect(r.batches.map((b) => b.jobs).sort()).toEqual([['a1', 'a2'], ['b1']])
  })

  it('waits for a batch already running', async () => {
    const r = recorder()
    const q = queueOf(r.handler)
    r.hold()
    await q.enqueue('A', 'a1')
    let drained: boolean | undefined
    const draining = q.drain(1000).then((d) => { drained = d })
    await tick(20)
    expect(drained).toBeUndefined()
    r.releaseAll()
    await draining
    expect(drained).toBe(true)
  })

  it('resolves true at once when there is nothing to do', async () => {
    const q = queueOf(recorder().handler)
    expect(await q.drain(10)).toBe(true)
  })

  it('resolves false when the work does not finish within the bound', async () => {
    const r = recorder()
    const q = queueOf(r.handler)
    r.hold()
    await q.enqueue('A', 'a1')
    const started = Date.now()
    expect(await q.drain(50)).toBe(false)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(q.stats().lanes).toBe(1)
    r.releaseAll()
    expect(await q.drain(1000)).toBe(true)
  })
})

describe('memory queue: errors', () => {
  it('reports a handler error through onError and the lane keeps going', async () => {
    const errors: Array<{ lane: string, err: unknown }> = []
    const seen: string[][] = []
    const boom = new Error('brain failed')
    const q = queueOf(async (_lane, jobs) => {
      seen.push([...jobs])
      await tick(1)
      if (jobs.includes('bad')) throw boom
    }, { onError: (lane, err) => errors.push({ lane, err }) })
    await q.enqueue('A', 'bad')
    await q.enqueue('A', 'after-1')
    expect(await q.drain(1000)).toBe(true)
    await q.enqueue('A', 'after-2')
    expect(await q.drain(1000)).toBe(true)
    expect(errors).toEqual([{ lane: 'A', err: boom }])
    expect(seen).toEqual([['bad'], ['after-1'], ['after-2']])
  })

  it('a handler that throws synchronously is reported too', async () => {
    const errors: string[] = []
    const q = queueOf((lane) => { throw new Error(`sync ${lane}`) }, { onError: (_lane, err) => errors.push((err as Error).message) })
    await q.enqueue('A', 'a1')
    expect(await q.drain(1000)).toBe(true)
    expect(errors).toEqual(['sync A'])
  })
})

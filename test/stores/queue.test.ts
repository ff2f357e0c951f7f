import { describe, expect, it } from 'vitest'
import { batchWaitMs, memoryStats } from '../../src/stores/queue.js'

describe('batchWaitMs', () => {
  // [firstAt, t, debounceMs, maxWaitMs, expected]
  const cases: Array<[number, number, number, number, number]> = [
    [1000, 1000, 300, 5000, 300], // a fresh lane waits the debounce
    [1000, 5500, 300, 5000, 300], // still far from the cap
    [1000, 5800, 300, 5000, 200], // the cap cuts the debounce short
    [1000, 6000, 300, 5000, 0], // the cap is reached: run now
    [1000, 9000, 300, 5000, 0], // past the cap: never negative
    [1000, 1000, 0, 5000, 0], // no debounce
  ]
  it.each(cases)('first job at %i, now %i, debounce %i, cap %i: waits %i ms', (firstAt, t, debounceMs, maxWaitMs, expected) => {
    expect(batchWaitMs(firstAt, t, debounceMs, maxWaitMs)).toBe(expected)
  })
})

describe('memoryStats', () => {
  it('is empty with no lanes', () => {
    expect(memoryStats([], 10_000)).toEqual({ depth: 0, oldestAgeMs: 0, lanes: 0 })
  })

  it('counts waiting jobs, the oldest first job, and every lane (a running one with none waiting too)', () => {
    const lanes = [
      { pending: [{ at: 7000 }, { at: 8000 }] },
      { pending: [] },
      { pending: [{ at: 4000 }] },
    ]
    expect(memoryStats(lanes, 10_000)).toEqual({ depth: 3, oldestAgeMs: 6000, lanes: 3 })
  })
})

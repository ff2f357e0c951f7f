import { describe, expect, it } from 'vitest'
import { retryBackoffMs } from '../../src/stores/redis-queue.js'

describe('retryBackoffMs', () => {
  // [attempt, random, expected ms]: doubling from 1 s, capped at 60 s, in the cap's upper half.
  const cases: Array<[number, number, number]> = [
    [0, 0, 500],
    [0, 1, 1000],
    [1, 0, 1000],
    [1, 0.5, 1500],
    [3, 1, 8000],
    [5, 0, 16_000],
    [6, 0, 30_000],
    [6, 1, 60_000],
    [20, 0.5, 45_000],
  ]
  it.each(cases)('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(retryBackoffMs(attempt, () => random)).toBe(expected)
  })

  it('rounds to whole milliseconds', () => {
    expect(retryBackoffMs(0, () => 1 / 3)).toBe(667)
  })
})

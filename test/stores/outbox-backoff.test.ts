import { describe, expect, it } from 'vitest'
import { outboxRetryDelayMs } from '../../src/stores/outbox.js'

describe('outboxRetryDelayMs', () => {
  // [attempts, baseDelayMs, random, expected ms]: doubling from the base, capped at five minutes, in the cap's upper half.
  const cases: Array<[number, number, number, number]> = [
    [1, 2000, 0, 2000],
    [1, 2000, 1, 4000],
    [2, 2000, 0.5, 6000],
    [3, 100, 1, 800],
    [7, 2000, 1, 256_000],
    [8, 2000, 0, 150_000],
    [8, 2000, 1, 300_000],
    [30, 2000, 0.5, 225_000],
  ]
  it.each(cases)('attempt %i from %i ms with random %f waits %i ms', (attempts, base, random, expected) => {
    expect(outboxRetryDelayMs(attempts, base, () => random)).toBe(expected)
  })
})

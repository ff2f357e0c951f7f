import { describe, expect, it } from 'vitest'
import { costUsd, parsePriceArg, priceOf, type PricingFile } from '../../scripts/eval/pricing.js'

// The eval's cost estimate: which price a model gets, --price, and the cached-input formula.

const pricing: PricingFile = {
  as_of: '2025-11',
  models: {
    'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
    'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
    o3: { input: 2, cached_input: 0.5, output: 8 },
  },
}

describe('priceOf', () => {
  it('a listed model, and a dated snapshot of one, get its price', () => {
    expect(priceOf(pricing, 'gpt-5')).toEqual({ input: 1.25, cached_input: 0.125, output: 10 })
    expect(priceOf(pricing, 'gpt-5-mini-2025-08-07')).toEqual({ input: 0.25, cached_input: 0.025, output: 2 })
  })

  it('another model that merely starts like a listed one gets none, rather than a wrong one', () => {
    expect(priceOf(pricing, 'o3-pro')).toBeUndefined()
    expect(priceOf(pricing, 'o3-mini')).toBeUndefined()
    expect(priceOf(pricing, 'gpt-5-pro-2025-10-06')).toBeUndefined()
    expect(priceOf(pricing, 'llama-3.1-8b')).toBeUndefined()
  })
})

describe('parsePriceArg', () => {
  it('input,output and an optional cached input price', () => {
    expect(parsePriceArg('0.25,2')).toEqual({ input: 0.25, output: 2 })
    expect(parsePriceArg('0.25, 2, 0.025')).toEqual({ input: 0.25, output: 2, cached_input: 0.025 })
  })

  it.each(['0.25', '0.25,', 'a,2', '-1,2', '1,2,3,4', '1,,2'])('refuses "%s", naming the form', (text) => {
    expect(() => parsePriceArg(text)).toThrow(/--price must be "<input>,<output>\[,<cached input>\]"/)
  })
})

describe('costUsd', () => {
  const gpt5 = { input: 1.25, cached_input: 0.125, output: 10 }

  it('bills the cached part of the prompt at cached_input, the rest at input, the completion at output', () => {
    // (1500 × 1.25 + 8500 × 0.125 + 400 × 10) / 1e6
    expect(costUsd({ prompt: 10_000, cachedPrompt: 8500, completion: 400 }, gpt5)).toBeCloseTo(0.0069375, 10)
    expect(costUsd({ prompt: 10_000, cachedPrompt: 0, completion: 400 }, gpt5)).toBeCloseTo(0.0165, 10)
  })

  it('without a cached_input price, cached input costs what input does', () => {
    expect(costUsd({ prompt: 10_000, cachedPrompt: 8500, completion: 400 }, { input: 1.25, output: 10 })).toBeCloseTo(0.0165, 10)
  })

  it('never counts more cached tokens than prompt tokens', () => {
    expect(costUsd({ prompt: 100, cachedPrompt: 500, completion: 0 }, gpt5)).toBeCloseTo(100 * 0.125 / 1e6, 12)
  })
})

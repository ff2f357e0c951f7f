import { describe, expect, it } from 'vitest'
import { priceOf as evalPriceOf, type PricingFile } from '../../scripts/eval/pricing.js'
import { priceOf, usageCost } from '../../src/conversation/costs.js'
import { loadPlaybook } from '../../src/conversation/playbook.js'

// A model's price is found under the name the table lists, whatever form OPENAI_MODEL takes: a
// provider's prefix (OpenRouter's `openai/gpt-5`) or a dated snapshot (`gpt-5-2025-08-07`). The
// service's cost (the playbook's `costs`) and the eval's (evals/pricing.json) read names alike.

const pricing: PricingFile = {
  as_of: '2025-11',
  models: {
    'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
    'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
  },
}

describe('model prices by name', () => {
  it.each([
    ['gpt-5', 'gpt-5'],
    ['openai/gpt-5', 'gpt-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['openai/gpt-5-2025-08-07', 'gpt-5'],
    ['openai/o4-mini-2025-04-16', 'o4-mini'],
  ])('the playbook prices %s as %s', async (model, listed) => {
    const playbook = await loadPlaybook()
    expect(priceOf(playbook, model)).toEqual(playbook.costs.models[listed])
    expect(priceOf(playbook, model)).not.toEqual(playbook.costs.per_million_tokens)
    const usage = { promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 0, model }
    expect(usageCost(playbook, usage)).toBe(playbook.costs.models[listed]?.input)
  })

  it.each([
    ['openai/gpt-5', 'gpt-5'],
    ['openai/gpt-5-2025-08-07', 'gpt-5'],
    ['openai/o4-mini-2025-04-16', 'o4-mini'],
  ])('the eval prices %s as %s', (model, listed) => {
    expect(evalPriceOf(pricing, model)).toEqual(pricing.models[listed])
  })

  it('another model stays unpriced (the eval) or at the default price (the playbook), never a near name\'s', async () => {
    const playbook = await loadPlaybook()
    for (const model of ['openai/gpt-5-pro', 'gpt-5-pro-2025-10-06', 'openrouter/o4-mini-high']) {
      expect(evalPriceOf(pricing, model)).toBeUndefined()
      expect(priceOf(playbook, model)).toEqual(playbook.costs.per_million_tokens)
    }
  })
})

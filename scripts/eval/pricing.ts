// Model prices for the cost estimate (evals/pricing.json): USD per million tokens. An estimate
// from a table kept by hand, not a bill; a model not listed gets no cost rather than a wrong one.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { priceNames } from '../../src/conversation/costs.js'

const priceSchema = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  /** Input served from the provider's prompt cache; absent: billed as `input` (the estimate errs high). */
  cached_input: z.number().min(0).optional(),
}).strict()
export type Price = z.infer<typeof priceSchema>

export const pricingFileSchema = z.object({
  $comment: z.string().optional(),
  /** When these list prices were published (they change: check before relying on them). */
  as_of: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  models: z.record(z.string().min(1), priceSchema),
}).strict()
export type PricingFile = z.infer<typeof pricingFileSchema>

export function loadPricing (path: string): PricingFile {
  return pricingFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
}

/**
 * The price of a model: its own name, else the listed model it names through a provider's prefix
 * (`openai/gpt-5-mini`) or a dated snapshot (`gpt-4o-mini-2024-07-18`), as the service prices it
 * (src/conversation/costs.ts). Any other suffix ("o3-pro", "gpt-5-chat-latest") may be another
 * model at another price, so it gets none.
 */
export function priceOf (pricing: PricingFile, model: string): Price | undefined {
  return priceNames(model).map((name) => pricing.models[name]).find((p) => p !== undefined)
}

/**
 * `--price <input>,<output>[,<cached input>]`, USD per million tokens.
 * @throws Error naming the expected form when a number is missing, negative or not a number.
 */
export function parsePriceArg (text: string): Price {
  const parts = text.split(',').map((p) => p.trim())
  const numbers = parts.map(Number)
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new Error(`--price must be "<input>,<output>[,<cached input>]" in USD per million tokens, got "${text}"`)
  }
  const [input = 0, output = 0, cached] = numbers
  return { input, output, ...(cached !== undefined ? { cached_input: cached } : {}) }
}

/**
 * USD of tokens at a price: the cached part of the prompt at `cached_input` (at `input` when the
 * table has none), the rest of the prompt at `input`, the completion (reasoning included) at `output`.
 */
export function costUsd (tokens: { readonly prompt: number, readonly cachedPrompt: number, readonly completion: number }, price: Price): number {
  const cached = Math.min(tokens.cachedPrompt, tokens.prompt)
  return ((tokens.prompt - cached) * price.input + cached * (price.cached_input ?? price.input) + tokens.completion * price.output) / 1e6
}

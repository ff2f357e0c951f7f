// Model prices for the cost estimate (evals/pricing.json): USD per million tokens. An estimate
// from a table kept by hand, not a bill; a model not listed gets no cost rather than a wrong one.
import { readFileSync } from 'node:fs'
import { z } from 'zod'

const priceSchema = z.object({ input: z.number().min(0), output: z.number().min(0) }).strict()
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

/** The price of a model: exact name first, then the longest listed prefix ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"). */
export function priceOf (pricing: PricingFile, model: string): Price | undefined {
  const exact = pricing.models[model]
  if (exact !== undefined) return exact
  const prefix = Object.keys(pricing.models).filter((m) => model.startsWith(m)).sort((a, b) => b.length - a.length)[0]
  return prefix !== undefined ? pricing.models[prefix] : undefined
}

import type { BrainUsage } from './brain.js'
import type { Playbook, TokenPrice } from './playbook.js'
import type { ConversationState, LlmSpend } from './types.js'

// What a conversation's model calls cost, estimated from the playbook's price table (`costs`), and
// whether its budget is spent. Pure: the worker adds each turn's usage, the state machine decides.

/** A dated snapshot (`gpt-5-mini-2025-08-07`) costs what its model does. */
const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/

/**
 * The names a model's price may be listed under, most specific first: as asked, without a
 * provider's prefix (OpenRouter's `openai/gpt-5-mini`), without a dated snapshot suffix. Any other
 * suffix (`gpt-5-pro`, `o4-mini-high`) may be another model at another price: it is not stripped.
 */
export function priceNames (model: string): string[] {
  const bare = model.slice(model.lastIndexOf('/') + 1)
  return [...new Set([model, bare, bare.replace(SNAPSHOT, '')])]
}

/** The model's own price when the playbook lists it (under any of its names), else the playbook's default price. */
export function priceOf (playbook: Playbook, model: string | undefined): TokenPrice {
  const listed = model === undefined ? undefined : priceNames(model).map((name) => playbook.costs.models[name]).find((p) => p !== undefined)
  return listed ?? playbook.costs.per_million_tokens
}

/**
 * Estimated cost of one call's tokens, in the playbook's currency. Cached input is priced at
 * `cached_input` (the full input price when the table has none: an estimate errs high).
 */
export function usageCost (playbook: Playbook, usage: BrainUsage): number {
  const price = priceOf(playbook, usage.model)
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens)
  const fresh = usage.promptTokens - cached
  return (fresh * price.input + cached * (price.cached_input ?? price.input) + usage.completionTokens * price.output) / 1_000_000
}

/** The state with one call's tokens and cost added. */
export function addSpend (state: ConversationState, usage: BrainUsage, playbook: Playbook): ConversationState {
  const before: LlmSpend = state.llm ?? { promptTokens: 0, completionTokens: 0, cost: 0, currency: playbook.costs.currency, budgetSpent: 0, reported: 0 }
  const cost = usageCost(playbook, usage)
  return {
    ...state,
    llm: {
      promptTokens: before.promptTokens + usage.promptTokens,
      completionTokens: before.completionTokens + usage.completionTokens,
      cost: before.cost + cost,
      currency: playbook.costs.currency,
      budgetSpent: before.budgetSpent + cost,
      reported: before.reported,
    },
  }
}

/** True once the conversation spent its budget (`costs.budget_per_conversation`; none: never). */
export function budgetExhausted (state: ConversationState, playbook: Playbook): boolean {
  const budget = playbook.costs.budget_per_conversation
  return budget !== undefined && (state.llm?.budgetSpent ?? 0) >= budget
}

/** The cost not yet reported to the per-conversation histogram, and the state that remembers it is. */
export function unreportedCost (state: ConversationState): { amount: number, currency: string, next: ConversationState } | undefined {
  const llm = state.llm
  if (llm === undefined || llm.cost <= llm.reported) return undefined
  return { amount: llm.cost - llm.reported, currency: llm.currency, next: { ...state, llm: { ...llm, reported: llm.cost } } }
}

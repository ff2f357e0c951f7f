// How to ask a given model, on a given provider, for a structured answer. The chat completions
// parameters differ by model and provider (docs/openai.md, "Parameters per model"): reasoning models (o-series, GPT-5)
// reject `max_tokens` and spend part of `max_completion_tokens` thinking; many compatible providers
// know only `max_tokens` and no `json_schema`. The client starts from what the name and the base URL
// say and adapts once when the provider names a parameter it rejects.

export type TokenParam = 'max_completion_tokens' | 'max_tokens'
export type ResponseFormatMode = 'json_schema' | 'json_object' | 'none'
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const
export type ReasoningEffort = typeof REASONING_EFFORTS[number]

/** How the client asks one model; changes only when the provider rejects a parameter. */
export interface ModelSettings {
  readonly tokenParam: TokenParam
  readonly reasoningEffort: ReasoningEffort | undefined
  readonly responseFormat: ResponseFormatMode
}

/** Room for the model's thinking on top of the answer, by effort: past it the answer is cut ("length"). */
const REASONING_ALLOWANCE: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 2048,
  medium: 4096,
  high: 8192,
  xhigh: 16384,
}

/** `openai/gpt-5-mini` on OpenRouter, `gpt-5-mini-2025-08-07` on OpenAI: the name without its provider prefix. */
function baseName (model: string): string {
  return model.slice(model.lastIndexOf('/') + 1).toLowerCase()
}

/** o1, o3, o4-mini, gpt-5, gpt-5-mini, gpt-5.1…; `gpt-5-chat-latest` is a chat model that does not reason. */
export function isReasoningModel (model: string): boolean {
  const name = baseName(model)
  return /^(o\d|gpt-5)/.test(name) && !name.includes('-chat')
}

/** OpenAI itself (and Azure OpenAI) takes `max_completion_tokens`; compatible providers are asked with `max_tokens` unless the model reasons. */
export function defaultTokenParam (baseUrl: string | undefined, model: string): TokenParam {
  if (isReasoningModel(model)) return 'max_completion_tokens'
  if (baseUrl === undefined) return 'max_completion_tokens'
  const host = new URL(baseUrl).hostname
  return host === 'api.openai.com' || host.endsWith('.openai.azure.com') ? 'max_completion_tokens' : 'max_tokens'
}

/**
 * The GPT-5 models of August 2025 think least at `minimal`, which later ones (5.1 on) and the o-series
 * do not take; `low` is the lowest every reasoning model takes. A model that does not reason gets none.
 */
export function defaultReasoningEffort (model: string): ReasoningEffort | undefined {
  if (!isReasoningModel(model)) return undefined
  return /^gpt-5(-mini|-nano)?(-\d{4}-\d{2}-\d{2})?$/.test(baseName(model)) ? 'minimal' : 'low'
}

/** The token limit sent: the answer's own limit plus room for reasoning. */
export function tokenBudget (maxTokens: number, effort: ReasoningEffort | undefined): number {
  return maxTokens + (effort === undefined ? 0 : REASONING_ALLOWANCE[effort])
}

/** What a provider's 400 says about a parameter: `param` when it names one, else its message. */
export interface Rejection { readonly param: string | undefined, readonly message: string }

/** The settings without the rejected parameter, or undefined when the rejection is not about one we can change. */
export function adaptTo (settings: ModelSettings, rejection: Rejection): { settings: ModelSettings, param: string, from: string, to: string } | undefined {
  const names = (name: string): boolean => rejection.param === name || rejection.param?.startsWith(`${name}.`) === true ||
    (rejection.param === undefined && rejection.message.includes(name))
  if (names('response_format') || (rejection.param === undefined && rejection.message.includes('json_schema'))) {
    const next: ResponseFormatMode | undefined = settings.responseFormat === 'json_schema' ? 'json_object' : settings.responseFormat === 'json_object' ? 'none' : undefined
    return next === undefined ? undefined : { settings: { ...settings, responseFormat: next }, param: 'response_format', from: settings.responseFormat, to: next }
  }
  if (settings.tokenParam === 'max_tokens' && names('max_tokens')) {
    return { settings: { ...settings, tokenParam: 'max_completion_tokens' }, param: 'max_tokens', from: 'max_tokens', to: 'max_completion_tokens' }
  }
  if (settings.tokenParam === 'max_completion_tokens' && names('max_completion_tokens')) {
    return { settings: { ...settings, tokenParam: 'max_tokens' }, param: 'max_completion_tokens', from: 'max_completion_tokens', to: 'max_tokens' }
  }
  if (settings.reasoningEffort !== undefined && (names('reasoning_effort') || names('reasoning'))) {
    return { settings: { ...settings, reasoningEffort: undefined }, param: 'reasoning_effort', from: settings.reasoningEffort, to: 'none sent' }
  }
  return undefined
}

// How to ask a given model, on a given provider, for a structured answer. The chat completions
// parameters differ by model and provider (docs/openai.md, "Parameters per model"): reasoning models (o-series, GPT-5)
// reject `max_tokens` and spend part of `max_completion_tokens` thinking; many compatible providers
// know only `max_tokens` and no `json_schema`. The client starts from what the name and the base URL
// say and adapts when the provider says a parameter or its value is not supported: one step at a
// time, never back to a value already rejected.

export type TokenParam = 'max_completion_tokens' | 'max_tokens'
export type ResponseFormatMode = 'json_schema' | 'json_object' | 'none'
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const
export type ReasoningEffort = typeof REASONING_EFFORTS[number]

/** How the client asks one model; changes only when the provider rejects a parameter. */
export interface ModelSettings {
  readonly tokenParam: TokenParam
  readonly reasoningEffort: ReasoningEffort | undefined
  readonly responseFormat: ResponseFormatMode
  /**
   * The model thinks whatever is sent: a reasoning model by its name, or any model given an effort
   * (a custom deployment of qwen3, deepseek-r1…). It keeps room to think once the effort is dropped.
   */
  readonly reasons: boolean
  /** `param` or `param=value` pairs the provider rejected: never sent again. */
  readonly rejected: readonly string[]
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
/** Asked for no effort, a reasoning model thinks at its default: `medium` on OpenAI's. */
const UNASKED_EFFORT: ReasoningEffort = 'medium'

/** `openai/gpt-5-mini` on OpenRouter, `gpt-5-mini-2025-08-07` on OpenAI: the name without its provider prefix. */
function baseName (model: string): string {
  return model.slice(model.lastIndexOf('/') + 1).toLowerCase()
}

/**
 * o1, o3, o4-mini, gpt-5, gpt-5-mini, gpt-5.1…, gpt-oss-20b/120b; `gpt-5-chat-latest` is a chat model
 * that does not reason. Other open reasoning models (deepseek-r1, qwen3…) get their room to think
 * from a configured OPENAI_REASONING_EFFORT (docs/openai.md).
 */
export function isReasoningModel (model: string): boolean {
  const name = baseName(model)
  return /^(o\d|gpt-5|gpt-oss)/.test(name) && !name.includes('-chat')
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

/** What the client starts from: the configured values, else what the model's name and the base URL say. */
export function initialSettings (o: {
  model: string
  baseUrl?: string | undefined
  tokenParam?: TokenParam | undefined
  reasoningEffort?: ReasoningEffort | undefined
  responseFormat?: ResponseFormatMode | undefined
}): ModelSettings {
  const reasoningEffort = o.reasoningEffort ?? defaultReasoningEffort(o.model)
  return {
    tokenParam: o.tokenParam ?? defaultTokenParam(o.baseUrl, o.model),
    reasoningEffort,
    responseFormat: o.responseFormat ?? 'json_schema',
    reasons: isReasoningModel(o.model) || (reasoningEffort !== undefined && reasoningEffort !== 'none'),
    rejected: [],
  }
}

/** The token limit sent: the answer's own limit plus room for reasoning (the provider's default effort once ours is dropped). */
export function tokenBudget (maxTokens: number, settings: Pick<ModelSettings, 'reasoningEffort' | 'reasons'>): number {
  const effort = settings.reasoningEffort ?? (settings.reasons ? UNASKED_EFFORT : undefined)
  return maxTokens + (effort === undefined ? 0 : REASONING_ALLOWANCE[effort])
}

/** What a provider's 400 or 422 says: the parameter it names, its code, its words. */
export interface Rejection { readonly param: string | undefined, readonly code?: string | undefined, readonly message: string }

export interface Adaptation { readonly settings: ModelSettings, readonly param: string, readonly from: string, readonly to: string }

/** Codes and wording by which providers say a parameter, or its value, is not taken. Anything else is not ours to adapt. */
const UNSUPPORTED_CODES = new Set(['unsupported_parameter', 'unsupported_value', 'unknown_parameter', 'extra_forbidden'])
const UNSUPPORTED_WORDING = /unsupported|not supported|does not support|unrecognized request argument|unknown (?:parameter|field|argument)|extra inputs are not permitted|unexpected keyword argument|not one of the allowed values|supported values are/i
/** The value, not the parameter, is what was refused. */
const VALUE_WORDING = /unsupported value|does not support '|supported values are|not one of the allowed values|invalid value/i

const saysUnsupported = (r: Rejection): boolean => (r.code !== undefined && UNSUPPORTED_CODES.has(r.code)) || UNSUPPORTED_WORDING.test(r.message)
const aboutValue = (r: Rejection): boolean => r.code === 'unsupported_value' || r.code === 'invalid_value' || VALUE_WORDING.test(r.message)

/** The names a parameter goes by in a provider's `param` or message, and the setting each is. */
const PARAM_NAMES: ReadonlyArray<readonly [string, AdaptableParam]> = [
  ['response_format', 'response_format'],
  ['json_schema', 'response_format'],
  ['max_completion_tokens', 'max_completion_tokens'],
  ['max_tokens', 'max_tokens'],
  ['reasoning_effort', 'reasoning_effort'],
  ['reasoning', 'reasoning_effort'],
]
type AdaptableParam = 'response_format' | 'max_completion_tokens' | 'max_tokens' | 'reasoning_effort'

/**
 * The parameter rejected: the one the provider names (`response_format.type` is response_format),
 * else the one its message mentions first ("Unsupported parameter: 'max_tokens' … Use
 * 'max_completion_tokens' instead" is about max_tokens).
 */
function rejectedParam (r: Rejection): AdaptableParam | undefined {
  if (r.param !== undefined) {
    return PARAM_NAMES.find(([name]) => r.param === name || r.param?.startsWith(`${name}.`) === true)?.[1]
  }
  let first: { at: number, param: AdaptableParam } | undefined
  for (const [name, param] of PARAM_NAMES) {
    const at = r.message.search(new RegExp(`(?<![\\w])${name}(?![\\w])`))
    if (at >= 0 && (first === undefined || at < first.at)) first = { at, param }
  }
  return first?.param
}

const withRejected = (s: ModelSettings, ...rejected: string[]): readonly string[] => [...s.rejected, ...rejected]

function nextFormat (s: ModelSettings): Adaptation | undefined {
  const rejected = withRejected(s, `response_format=${s.responseFormat}`)
  const order: ResponseFormatMode[] = ['json_schema', 'json_object', 'none']
  const next = order.slice(order.indexOf(s.responseFormat) + 1).find((m) => !rejected.includes(`response_format=${m}`))
  return next === undefined ? undefined : { settings: { ...s, responseFormat: next, rejected }, param: 'response_format', from: s.responseFormat, to: next }
}

function otherTokenParam (s: ModelSettings): Adaptation | undefined {
  const to: TokenParam = s.tokenParam === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens'
  // A provider that rejected both has something else wrong: the error shows, rather than a flip back and forth.
  if (s.rejected.includes(to)) return undefined
  return { settings: { ...s, tokenParam: to, rejected: withRejected(s, s.tokenParam) }, param: s.tokenParam, from: s.tokenParam, to }
}

/** A refused effort steps down to `low` (what every reasoning model takes), then is no longer sent. */
function nextEffort (s: ModelSettings, effort: ReasoningEffort, valueRefused: boolean): Adaptation {
  const rejected = withRejected(s, `reasoning_effort=${effort}`)
  if (valueRefused && effort !== 'low' && !rejected.includes('reasoning_effort=low')) {
    return { settings: { ...s, reasoningEffort: 'low', rejected }, param: 'reasoning_effort', from: effort, to: 'low' }
  }
  return { settings: { ...s, reasoningEffort: undefined, rejected: [...rejected, 'reasoning_effort'] }, param: 'reasoning_effort', from: effort, to: 'none sent' }
}

/**
 * The settings without what the provider said it does not take, from the settings the rejected
 * request was sent with; undefined when the rejection is not an unsupported parameter we can change
 * (a context overflow naming both token limits in passing is not).
 */
export function adaptTo (sent: ModelSettings, rejection: Rejection): Adaptation | undefined {
  if (!saysUnsupported(rejection)) return undefined
  const param = rejectedParam(rejection)
  if (param === 'response_format') return nextFormat(sent)
  if (param === sent.tokenParam) return otherTokenParam(sent)
  if (param === 'reasoning_effort' && sent.reasoningEffort !== undefined) return nextEffort(sent, sent.reasoningEffort, aboutValue(rejection))
  return undefined
}

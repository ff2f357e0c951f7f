import type { z } from 'zod'

// What the bot needs from a language model, independent of the provider: one structured answer per
// call, its billed usage, and errors that say what went wrong without carrying what the lead wrote.

export interface LlmMessage { role: 'user' | 'assistant' | 'system', content: string }

export interface LlmRequest<T> {
  /** Static instructions: identical across turns, so the provider's prefix cache can reuse them. */
  system: string
  /** The conversation, then what changes per turn (a final system message). */
  messages: LlmMessage[]
  /** The answer's shape: sent as a strict JSON schema where the provider takes one, and the judge of the answer. */
  schema: z.ZodType<T>
  schemaName: string
  /** Normalises the parsed JSON before the schema judges it (a choice's title to its value, say). */
  prepare?: ((json: unknown) => unknown) | undefined
  signal?: AbortSignal | undefined
}

/** Tokens one call was billed for. `promptTokens` includes `cachedPromptTokens`; `completionTokens` includes `reasoningTokens`. */
export interface LlmUsage {
  promptTokens: number
  completionTokens: number
  cachedPromptTokens: number
  reasoningTokens: number
  /** The model asked for (a stable name, where the answer may name a dated snapshot). */
  model: string
  /** The provider sent no usage: counted from the text's length (about four characters a token). */
  estimated: boolean
}

export interface LlmResult<T> {
  value: T
  usage: LlmUsage
  latencyMs: number
}

export interface LlmClient {
  /** One completion whose answer matches `schema`, within the client's deadline. Throws `LlmError`. */
  complete<T>(req: LlmRequest<T>): Promise<LlmResult<T>>
}

/**
 * timeout: the deadline passed; http: an error status or a broken connection; invalid_output: not JSON,
 * not the schema, or cut at the token limit; refusal: the model refused or its filter stopped it;
 * aborted: the caller's signal.
 */
export type LlmErrorKind = 'timeout' | 'http' | 'invalid_output' | 'refusal' | 'aborted'

export interface LlmErrorDetails {
  status?: number | undefined
  /** The provider's error code (`model_not_found`, `insufficient_quota`…) or our reason (`length`, `not_json`…). */
  code?: string | undefined
  /** The request parameter the provider named (`max_tokens`, `response_format`…). */
  param?: string | undefined
  /** The provider's error type (`invalid_request_error`…). */
  type?: string | undefined
  /** The provider's request id (`x-request-id`), for its support. */
  requestId?: string | undefined
  /** What a failed call was billed anyway (a refusal, a cut or malformed answer). */
  usage?: LlmUsage | undefined
}

/**
 * 4xx codes about one request's content, not the configuration: a conversation past the context
 * window, a prompt or answer flagged by a filter (OpenAI, Azure), JSON mode failing (Groq).
 */
const PER_REQUEST_CODES: ReadonlySet<string> = new Set(['context_length_exceeded', 'invalid_prompt', 'content_filter', 'content_policy_violation', 'json_validate_failed'])

/** A failed completion. Carries no prompt or answer text, so it is safe to log as it is. */
export class LlmError extends Error {
  readonly kind: LlmErrorKind
  readonly status: number | undefined
  readonly code: string | undefined
  readonly param: string | undefined
  readonly type: string | undefined
  readonly requestId: string | undefined
  readonly usage: LlmUsage | undefined
  constructor (kind: LlmErrorKind, message: string, details: LlmErrorDetails = {}) {
    super(message)
    this.name = 'LlmError'
    this.kind = kind
    this.status = details.status
    this.code = details.code
    this.param = details.param
    this.type = details.type
    this.requestId = details.requestId
    this.usage = details.usage
  }

  /**
   * The provider refused the request itself (a wrong key, model or parameter, no quota left):
   * retrying will not help; a person must look. A 4xx about this one request's content (too long,
   * flagged, JSON the model could not produce) is not: the next turn may well pass.
   */
  get misconfigured (): boolean {
    if (this.code === 'insufficient_quota') return true
    if (this.code !== undefined && PER_REQUEST_CODES.has(this.code)) return false
    return this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 409 && this.status !== 429
  }
}

/** Something an operator should know once: the client changed how it asks a model, or guessed a usage. */
export type LlmNotice =
  | { kind: 'adapted', model: string, param: string, from: string, to: string }
  | { kind: 'usage_missing', model: string }

import OpenAI from 'openai'
import { zodResponseFormat } from 'openai/helpers/zod'
import { z } from 'zod'
import { startDeadline, type OnCall } from './http.js'
import { memoByObject } from '../lib/memo.js'

export type LlmErrorKind = 'timeout' | 'http' | 'invalid_output' | 'refusal' | 'aborted'

/** A failed completion. Carries no prompt or answer text, so it is safe to log. */
export class LlmError extends Error {
  /**
   * timeout: the deadline passed; http: an error status or a broken connection; invalid_output:
   * not JSON or not the schema; refusal: the model refused or was filtered; aborted: the caller's signal.
   */
  readonly kind: LlmErrorKind
  readonly status: number | undefined
  constructor (kind: LlmErrorKind, message: string, status?: number) {
    super(message)
    this.name = 'LlmError'
    this.kind = kind
    this.status = status
  }
}

export interface LlmMessage { role: 'user' | 'assistant', content: string }

export interface LlmRequest<T> {
  system: string
  messages: LlmMessage[]
  /** The answer's shape, sent as a strict JSON schema and checked again on the way back. */
  schema: z.ZodType<T>
  schemaName: string
  signal?: AbortSignal
}

export interface LlmResult<T> {
  value: T
  /** `model` is the one asked for (a stable name, where the answer may name a dated snapshot). */
  usage: { promptTokens: number, completionTokens: number, model: string }
  latencyMs: number
}

/** Structured completions from an OpenAI-compatible chat completions API. */
export interface LlmClient {
  /**
   * One completion whose answer must be JSON matching `schema`. The whole call, the SDK's one
   * retry included, ends within `timeoutMs`. Throws `LlmError`.
   */
  complete<T>(req: LlmRequest<T>): Promise<LlmResult<T>>
}

export interface OpenAiClientOptions {
  apiKey: string
  /** An OpenAI-compatible endpoint, e.g. `http://127.0.0.1:1234/v1`; defaults to OpenAI's. */
  baseUrl?: string | undefined
  model: string
  timeoutMs: number
  maxTokens: number
  onCall?: OnCall | undefined
}

const completionSchema = z.looseObject({
  choices: z.array(z.looseObject({
    finish_reason: z.string().nullish(),
    message: z.looseObject({
      content: z.string().nullish(),
      refusal: z.string().nullish(),
    }),
  })),
  usage: z.looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
  }).nullish(),
})

const OPERATION = 'chat_completion'

type ResponseFormat = ReturnType<typeof zodResponseFormat>
const formatsOf = memoByObject((_schema: z.ZodType) => new Map<string, ResponseFormat>())

/** The strict JSON schema sent for `schema`, derived once: the derivation is a few ms of CPU. */
function responseFormat (schema: z.ZodType, name: string): ResponseFormat {
  const byName = formatsOf(schema)
  let format = byName.get(name)
  if (format === undefined) {
    format = zodResponseFormat(schema, name)
    byName.set(name, format)
  }
  return format
}

export function createOpenAiClient (options: OpenAiClientOptions): LlmClient {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
    // Explicit nulls keep the SDK from reading OPENAI_* variables behind the config's back.
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: options.timeoutMs,
    maxRetries: 1,
    // Its debug log would print prompts (PII).
    logLevel: 'off',
  })

  const report = (outcome: 'ok' | 'error' | 'client_error', durationMs: number, status?: number): void => {
    try {
      options.onCall?.({ target: 'openai', operation: OPERATION, outcome, durationMs, ...(status !== undefined ? { status } : {}) })
    } catch {
      // A broken observer must not break the call.
    }
  }

  return {
    async complete<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
      const started = performance.now()
      const elapsed = (): number => Math.round(performance.now() - started)
      const deadline = startDeadline(options.timeoutMs, req.signal)
      const signal = deadline.signal
      const fail = (kind: LlmErrorKind, message: string, status?: number): LlmError => {
        report(status !== undefined && status >= 400 && status < 500 && status !== 429 ? 'client_error' : 'error', elapsed(), status)
        return new LlmError(kind, message, status)
      }

      let raw: unknown
      try {
        raw = await client.chat.completions.create({
          model: options.model,
          messages: [{ role: 'system', content: req.system }, ...req.messages],
          response_format: responseFormat(req.schema, req.schemaName),
          // max_tokens, not max_completion_tokens: compatible providers (Ollama, vLLM, Groq…) accept it.
          max_tokens: options.maxTokens,
        }, { signal })
      } catch (err) {
        if (req.signal?.aborted === true) throw fail('aborted', 'openai completion aborted by the caller')
        if (deadline.passed() || err instanceof OpenAI.APIConnectionTimeoutError) {
          throw fail('timeout', `openai completion timed out after ${options.timeoutMs} ms`)
        }
        if (err instanceof OpenAI.APIError) {
          const status = typeof err.status === 'number' ? err.status : undefined
          throw fail('http', `openai completion failed with ${status !== undefined ? `status ${status}` : 'a connection error'}`, status)
        }
        throw err
      } finally {
        deadline.clear()
      }

      const parsed = completionSchema.safeParse(raw)
      if (!parsed.success) throw fail('invalid_output', 'openai completion has an unexpected shape', 200)
      const choice = parsed.data.choices[0]
      if (choice === undefined) throw fail('invalid_output', 'openai completion has no choices', 200)
      if ((choice.message.refusal ?? '') !== '' || choice.finish_reason === 'content_filter') {
        throw fail('refusal', 'openai model refused to answer', 200)
      }
      const content = choice.message.content ?? ''
      let json: unknown
      try {
        json = JSON.parse(content)
      } catch {
        const why = choice.finish_reason === 'length' ? 'answer cut at max tokens' : 'answer is not JSON'
        throw fail('invalid_output', `openai ${why}`, 200)
      }
      const value = req.schema.safeParse(json)
      if (!value.success) {
        const where = value.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.code}`).join(', ')
        throw fail('invalid_output', `openai answer does not match ${req.schemaName} (${where})`, 200)
      }
      const latencyMs = elapsed()
      report('ok', latencyMs, 200)
      return {
        value: value.data,
        usage: {
          promptTokens: parsed.data.usage?.prompt_tokens ?? 0,
          completionTokens: parsed.data.usage?.completion_tokens ?? 0,
          model: options.model,
        },
        latencyMs,
      }
    },
  }
}

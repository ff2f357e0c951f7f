import OpenAI, { APIError } from 'openai'
import { zodResponseFormat } from 'openai/helpers/zod'
import type { z } from 'zod'
import { parseRetryAfter, startDeadline, type Deadline, type OnCall, type OutboundOutcome } from './http.js'
import { LlmError, type LlmClient, type LlmNotice, type LlmRequest, type LlmResult, type LlmUsage } from './llm.js'
import { readAnswer, usageOf } from './openai-answer.js'
import { adaptTo, defaultReasoningEffort, defaultTokenParam, tokenBudget, type ModelSettings, type ReasoningEffort, type ResponseFormatMode, type TokenParam } from './openai-params.js'
import { memoByObject } from '../lib/memo.js'

export { LlmError, type LlmClient, type LlmErrorKind, type LlmMessage, type LlmRequest, type LlmResult, type LlmUsage } from './llm.js'

export interface OpenAiClientOptions {
  apiKey: string
  /** An OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`; defaults to OpenAI's. */
  baseUrl?: string | undefined
  model: string
  /** The whole call, its one retry included, ends within this. */
  timeoutMs: number
  /** The answer's own token limit; a reasoning model gets room to think on top (openai-params.ts). */
  maxTokens: number
  /** Which token limit the provider takes; default: from the model and the base URL. */
  tokenParam?: TokenParam | undefined
  /** For reasoning models; default: the lowest every such model takes. */
  reasoningEffort?: ReasoningEffort | undefined
  responseFormat?: ResponseFormatMode | undefined
  onCall?: OnCall | undefined
  /** Told once when the client changes how it asks the model, or meets a provider that reports no usage. */
  onNotice?: ((notice: LlmNotice) => void) | undefined
}

/** Health of the model path as the last call saw it: what the readiness reports. */
export interface LlmHealth {
  status: 'unknown' | 'ok' | 'failing'
  model: string
  /** The provider's code for the failure (`invalid_api_key`, `model_not_found`…), when failing. */
  code?: string | undefined
}

export interface OpenAiClient extends LlmClient {
  health (): LlmHealth
}

const OPERATION = 'chat_completion'
/** A retry is worth it only when at least this much of the deadline is left after its wait. */
const MIN_ATTEMPT_MS = 1000
/** Wait before retrying a 5xx or a broken connection the provider gave no hint for. */
const DEFAULT_RETRY_WAIT_MS = 250
/** Parameters a provider may reject one after another (format, token limit, effort): never a loop. */
const MAX_ADAPTATIONS = 3

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

/** Without `json_schema`, the shape goes into the instructions (the word "JSON" is what `json_object` requires). */
function systemFor (req: LlmRequest<unknown>, mode: ResponseFormatMode): string {
  if (mode === 'json_schema') return req.system
  const schema = JSON.stringify(responseFormat(req.schema, req.schemaName).json_schema.schema)
  return `${req.system}\n\nAnswer with one JSON object and nothing else (no code fence), matching this JSON schema:\n${schema}`
}

function bodyFor (req: LlmRequest<unknown>, model: string, settings: ModelSettings, maxTokens: number): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const body: OpenAI.ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: [{ role: 'system', content: systemFor(req, settings.responseFormat) }, ...req.messages],
    [settings.tokenParam]: tokenBudget(maxTokens, settings.reasoningEffort),
  }
  if (settings.reasoningEffort !== undefined) body.reasoning_effort = settings.reasoningEffort
  if (settings.responseFormat === 'json_schema') body.response_format = responseFormat(req.schema, req.schemaName)
  if (settings.responseFormat === 'json_object') body.response_format = { type: 'json_object' }
  return body
}

const promptChars = (body: OpenAI.ChatCompletionCreateParamsNonStreaming): number =>
  body.messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0)

/** The provider's words, bounded and on one line: they name the model or parameter, never the prompt. */
function providerMessage (err: APIError): string {
  // Control characters (a log line's ESC or newline) become spaces.
  return [...err.message].map((c) => c < ' ' || c === '\u007f' ? ' ' : c).join('').slice(0, 300)
}

function retryWaitMs (err: APIError): number | undefined {
  const headers = err.headers
  const ms = headers?.get('retry-after-ms')
  if (ms != null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms))
  return parseRetryAfter(headers?.get('retry-after') ?? undefined)
}

/** A retry may help: a rate limit (not an empty quota), a timeout or conflict, a server error, a broken connection. */
function transient (err: APIError): boolean {
  if (err.status === undefined) return true
  if (err.status === 429) return err.code !== 'insufficient_quota' && err.type !== 'insufficient_quota'
  return err.status === 408 || err.status === 409 || err.status >= 500
}

const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

export function createOpenAiClient (options: OpenAiClientOptions): OpenAiClient {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
    // Explicit nulls keep the SDK from reading OPENAI_* variables behind the config's back.
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: options.timeoutMs,
    // The client owns retries: the SDK's sleep on Retry-After is uncapped and ignores our deadline.
    maxRetries: 0,
    // Its debug log would print prompts (PII).
    logLevel: 'off',
  })
  const { model } = options
  // Learned once per process: a provider that rejected a parameter rejects it on every call.
  let settings: ModelSettings = {
    tokenParam: options.tokenParam ?? defaultTokenParam(options.baseUrl, model),
    reasoningEffort: options.reasoningEffort ?? defaultReasoningEffort(model),
    responseFormat: options.responseFormat ?? 'json_schema',
  }
  let health: LlmHealth = { status: 'unknown', model }
  let usageMissingTold = false

  const notify = (notice: LlmNotice): void => {
    try {
      options.onNotice?.(notice)
    } catch {
      // A broken observer must not break the call.
    }
  }
  const report = (outcome: OutboundOutcome, durationMs: number, status?: number): void => {
    try {
      options.onCall?.({ target: 'openai', operation: OPERATION, outcome, durationMs, ...(status !== undefined ? { status } : {}) })
    } catch {
      // A broken observer must not break the call.
    }
  }
  const billed = (raw: unknown, body: OpenAI.ChatCompletionCreateParamsNonStreaming): LlmUsage => {
    const usage = usageOf(raw, model, promptChars(body))
    if (usage.estimated && !usageMissingTold) {
      usageMissingTold = true
      notify({ kind: 'usage_missing', model })
    }
    return usage
  }

  /** One request: the raw completion and its request id, or the SDK's error. */
  const send = async (body: OpenAI.ChatCompletionCreateParamsNonStreaming, deadline: Deadline, remainingMs: number) => {
    const { data, request_id: requestId } = await client.chat.completions.create(body, { signal: deadline.signal, timeout: remainingMs }).withResponse()
    return { raw: data as unknown, requestId: requestId ?? undefined }
  }

  return {
    health: () => ({ ...health }),

    async complete<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
      const started = performance.now()
      const elapsed = (): number => Math.round(performance.now() - started)
      const remaining = (): number => options.timeoutMs - (performance.now() - started)
      const deadline = startDeadline(options.timeoutMs, req.signal)
      const fail = (err: LlmError): LlmError => {
        report(err.misconfigured ? 'client_error' : 'error', elapsed(), err.status)
        if (err.misconfigured) health = { status: 'failing', model, code: err.code ?? (err.status !== undefined ? String(err.status) : undefined) }
        return err
      }
      let retried = false
      let adaptations = 0
      try {
        for (;;) {
          const body = bodyFor(req as LlmRequest<unknown>, model, settings, options.maxTokens)
          let answer: { raw: unknown, requestId: string | undefined }
          try {
            answer = await send(body, deadline, Math.max(1, Math.floor(remaining())))
          } catch (err) {
            if (req.signal?.aborted === true) throw fail(new LlmError('aborted', 'openai completion aborted by the caller'))
            if (deadline.passed() || err instanceof OpenAI.APIConnectionTimeoutError) {
              throw fail(new LlmError('timeout', `openai completion timed out after ${options.timeoutMs} ms`, { code: 'timeout' }))
            }
            if (!(err instanceof OpenAI.APIError)) throw err
            const status = typeof err.status === 'number' ? err.status : undefined
            const rejection = status === 400 || status === 422 ? adaptTo(settings, { param: err.param ?? undefined, message: err.message }) : undefined
            if (rejection !== undefined && adaptations < MAX_ADAPTATIONS) {
              adaptations++
              // Not a retry: the same request in the form this provider takes. Each change happens once per process.
              settings = rejection.settings
              notify({ kind: 'adapted', model, param: rejection.param, from: rejection.from, to: rejection.to })
              continue
            }
            const wait = retryWaitMs(err) ?? DEFAULT_RETRY_WAIT_MS
            if (!retried && transient(err) && wait + MIN_ATTEMPT_MS <= remaining()) {
              retried = true
              report('retry', elapsed(), status)
              await sleep(wait, deadline.signal)
              continue
            }
            throw fail(new LlmError('http', `openai completion failed with ${status !== undefined ? `status ${status}` : 'a connection error'}: ${providerMessage(err)}`, {
              status,
              code: err.code ?? undefined,
              param: err.param ?? undefined,
              type: err.type,
              requestId: err.requestID ?? undefined,
            }))
          }
          const usage = billed(answer.raw, body)
          let value: T
          try {
            value = readAnswer(answer.raw, req, usage, answer.requestId)
          } catch (err) {
            throw fail(err as LlmError)
          }
          const latencyMs = elapsed()
          report('ok', latencyMs, 200)
          health = { status: 'ok', model }
          return { value, usage, latencyMs }
        }
      } finally {
        deadline.clear()
      }
    },
  }
}

import OpenAI, { APIError } from 'openai'
import { zodResponseFormat } from 'openai/helpers/zod'
import type { z } from 'zod'
import { parseRetryAfter, startDeadline, type Deadline, type OnCall, type OutboundOutcome } from './http.js'
import { LlmError, type LlmClient, type LlmNotice, type LlmRequest, type LlmResult, type LlmUsage } from './llm.js'
import { errorBodyOf, providerMessage, readAnswer, usageOf } from './openai-answer.js'
import { adaptTo, initialSettings, tokenBudget, type Adaptation, type ModelSettings, type ReasoningEffort, type ResponseFormatMode, type TokenParam } from './openai-params.js'
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
/**
 * Parameters a provider may reject one after another (format twice, token limit, effort twice).
 * A rejected value is never sent again, so this only bounds a call's extra requests.
 */
const MAX_ADAPTATIONS = 5

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
    [settings.tokenParam]: tokenBudget(maxTokens, settings),
  }
  if (settings.reasoningEffort !== undefined) body.reasoning_effort = settings.reasoningEffort
  if (settings.responseFormat === 'json_schema') body.response_format = responseFormat(req.schema, req.schemaName)
  if (settings.responseFormat === 'json_object') body.response_format = { type: 'json_object' }
  return body
}

const promptChars = (body: OpenAI.ChatCompletionCreateParamsNonStreaming): number =>
  body.messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0)

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

/**
 * `fetch` that rewraps an error body of another shape (old vLLM's, FastAPI's 422) as OpenAI's
 * `{ error: {...} }`: the SDK reads only that, and would otherwise report "400 status code (no body)".
 */
async function providerFetch (url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init)
  if (res.status < 400) return res
  const text = await res.text()
  const body = errorBodyOf(text)
  const headers = new Headers(res.headers)
  // The body is rewritten and already decoded.
  headers.delete('content-length')
  headers.delete('content-encoding')
  if (body !== undefined) headers.set('content-type', 'application/json')
  return new Response(body !== undefined ? JSON.stringify(body) : text, { status: res.status, statusText: res.statusText, headers })
}

function sdkFor (options: OpenAiClientOptions): OpenAI {
  return new OpenAI({
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
    fetch: providerFetch,
  })
}

/** What one client shares across its calls. */
interface Shared {
  readonly sdk: OpenAI
  readonly options: OpenAiClientOptions
  /** Learned per process: a provider that rejected a parameter rejects it on every call. */
  settings: ModelSettings
  health: LlmHealth
  usageMissingTold: boolean
}

/** One call: its deadline, the settings its requests are sent with, what it has tried. */
interface Call {
  readonly started: number
  readonly deadline: Deadline
  readonly signal: AbortSignal | undefined
  settings: ModelSettings
  retried: boolean
  adaptations: number
}

const elapsed = (call: Call): number => Math.round(performance.now() - call.started)
const remaining = (s: Shared, call: Call): number => s.options.timeoutMs - (performance.now() - call.started)

function notify (s: Shared, notice: LlmNotice): void {
  try {
    s.options.onNotice?.(notice)
  } catch {
    // A broken observer must not break the call.
  }
}

function report (s: Shared, outcome: OutboundOutcome, durationMs: number, status?: number): void {
  try {
    s.options.onCall?.({ target: 'openai', operation: OPERATION, outcome, durationMs, ...(status !== undefined ? { status } : {}) })
  } catch {
    // A broken observer must not break the call.
  }
}

/** Counts the failure and, when it is the configuration's, marks the model failing. */
function fail (s: Shared, call: Call, err: LlmError): LlmError {
  report(s, err.misconfigured ? 'client_error' : 'error', elapsed(call), err.status)
  if (err.misconfigured) s.health = { status: 'failing', model: s.options.model, code: err.code ?? (err.status !== undefined ? String(err.status) : undefined) }
  return err
}

function billed (s: Shared, raw: unknown, body: OpenAI.ChatCompletionCreateParamsNonStreaming): LlmUsage {
  const usage = usageOf(raw, s.options.model, promptChars(body))
  if (usage.estimated && !s.usageMissingTold) {
    s.usageMissingTold = true
    notify(s, { kind: 'usage_missing', model: s.options.model })
  }
  return usage
}

/**
 * The call goes on with the adapted settings. The shared ones are replaced only when they are still
 * those the rejected request was sent with: a concurrent call may have adapted them already (then
 * this one's change is the same, or is learned again by the next call that meets it).
 */
function adopt (s: Shared, call: Call, adaptation: Adaptation): void {
  const sent = call.settings
  call.adaptations++
  call.settings = adaptation.settings
  if (s.settings !== sent) return
  s.settings = adaptation.settings
  notify(s, { kind: 'adapted', model: s.options.model, param: adaptation.param, from: adaptation.from, to: adaptation.to })
}

function httpFailure (err: APIError, status: number | undefined): LlmError {
  return new LlmError('http', `openai completion failed with ${status !== undefined ? `status ${status}` : 'a connection error'}: ${providerMessage(err.message)}`, {
    status,
    code: typeof err.code === 'number' ? String(err.code) : err.code ?? undefined,
    param: err.param ?? undefined,
    type: err.type,
    requestId: err.requestID ?? undefined,
  })
}

/**
 * A failure that is not the API's answer: a 2xx whose JSON the SDK could not parse (a body cut
 * short by a proxy), or the SDK failing on its own. Its message may quote the answer, so it stays out.
 */
function unexpectedFailure (err: unknown): LlmError {
  if (err instanceof SyntaxError) return new LlmError('invalid_output', 'openai response is not JSON', { status: 200, code: 'bad_response' })
  return new LlmError('http', `openai completion failed (${err instanceof Error ? err.name : typeof err})`, { code: 'client_failure' })
}

/** After a failed request: resolves when the call should send again (adapted, or after a retry's wait), else throws its LlmError. */
async function recover (s: Shared, call: Call, err: unknown): Promise<void> {
  if (call.signal?.aborted === true) throw fail(s, call, new LlmError('aborted', 'openai completion aborted by the caller'))
  if (call.deadline.passed() || err instanceof OpenAI.APIConnectionTimeoutError) {
    throw fail(s, call, new LlmError('timeout', `openai completion timed out after ${s.options.timeoutMs} ms`, { code: 'timeout' }))
  }
  if (!(err instanceof OpenAI.APIError)) throw fail(s, call, unexpectedFailure(err))
  const status = typeof err.status === 'number' ? err.status : undefined
  const code = typeof err.code === 'number' ? String(err.code) : err.code ?? undefined
  const adaptation = status === 400 || status === 422 ? adaptTo(call.settings, { param: err.param ?? undefined, code, message: err.message }) : undefined
  if (adaptation !== undefined && call.adaptations < MAX_ADAPTATIONS) {
    // Not a retry: the same request in the form this provider takes.
    adopt(s, call, adaptation)
    return
  }
  const wait = retryWaitMs(err) ?? DEFAULT_RETRY_WAIT_MS
  if (!call.retried && transient(err) && wait + MIN_ATTEMPT_MS <= remaining(s, call)) {
    call.retried = true
    report(s, 'retry', elapsed(call), status)
    await sleep(wait, call.deadline.signal)
    return
  }
  throw fail(s, call, httpFailure(err, status))
}

/** One request: the raw completion and its request id, or the SDK's error. */
async function send (s: Shared, call: Call, body: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<{ raw: unknown, requestId: string | undefined }> {
  const timeout = Math.max(1, Math.floor(remaining(s, call)))
  const { data, request_id: requestId } = await s.sdk.chat.completions.create(body, { signal: call.deadline.signal, timeout }).withResponse()
  return { raw: data as unknown, requestId: requestId ?? undefined }
}

async function complete<T> (s: Shared, req: LlmRequest<T>): Promise<LlmResult<T>> {
  const call: Call = { started: performance.now(), deadline: startDeadline(s.options.timeoutMs, req.signal), signal: req.signal, settings: s.settings, retried: false, adaptations: 0 }
  try {
    for (;;) {
      const body = bodyFor(req as LlmRequest<unknown>, s.options.model, call.settings, s.options.maxTokens)
      let answer: { raw: unknown, requestId: string | undefined }
      try {
        answer = await send(s, call, body)
      } catch (err) {
        await recover(s, call, err)
        continue
      }
      const usage = billed(s, answer.raw, body)
      let value: T
      try {
        value = readAnswer(answer.raw, req, usage, answer.requestId)
      } catch (err) {
        throw fail(s, call, err as LlmError)
      }
      const latencyMs = elapsed(call)
      report(s, 'ok', latencyMs, 200)
      s.health = { status: 'ok', model: s.options.model }
      return { value, usage, latencyMs }
    }
  } finally {
    call.deadline.clear()
  }
}

export function createOpenAiClient (options: OpenAiClientOptions): OpenAiClient {
  const shared: Shared = {
    sdk: sdkFor(options),
    options,
    settings: initialSettings(options),
    health: { status: 'unknown', model: options.model },
    usageMissingTold: false,
  }
  return {
    health: () => ({ ...shared.health }),
    complete: async <T>(req: LlmRequest<T>): Promise<LlmResult<T>> => await complete(shared, req),
  }
}

import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { FaultQueue, sendJson, startStandIn, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for OpenAI's `POST /v1/chat/completions` (also `/chat/completions`) and
// `GET /v1/models/:id`. The answer's content is whatever `respond(body)` returns: an object is sent
// as its JSON, a string as it is, so a test scripts the brain's answer. Around that answer it behaves
// like the real API per model, so a client that is wrong about the API fails here and not in
// production: reasoning models (o1, o3, gpt-5…) refuse `max_tokens` and a temperature other than 1 and
// spend hidden reasoning tokens inside `max_completion_tokens`; usage carries cached and reasoning
// tokens; errors have OpenAI's `{ error: { message, type, param, code } }` shape (or any body a test
// gives, as old vLLM or FastAPI send); reasoning efforts can be narrowed; every response has
// an `x-request-id`.

export interface ChatRequestBody {
  model?: string
  messages?: Array<{ role: string, content: unknown }>
  response_format?: { type: string, json_schema?: { name?: string, strict?: boolean, schema?: unknown } }
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  reasoning_effort?: string
  [key: string]: unknown
}

export type Respond = (body: ChatRequestBody) => unknown

/**
 * How the server treats `response_format`. openai: as OpenAI (json_object needs the word "json" in
 * the messages); no-json-schema: rejects json_schema, as many compatible servers do; ignores-format:
 * takes any format and wraps JSON answers in ```json fences, as some local models do.
 */
export type Provider = 'openai' | 'no-json-schema' | 'ignores-format'

/** The `usage` of a completion, with every field OpenAI sends. */
export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details: { cached_tokens: number, audio_tokens: number }
  completion_tokens_details: { reasoning_tokens: number, audio_tokens: number, accepted_prediction_tokens: number, rejected_prediction_tokens: number }
}

/** One answer of the completions endpoint (errors included; hung requests never answer). */
export interface Served {
  /** The `x-request-id` header sent. */
  requestId: string
  status: number
  /** The model asked for ('' when the body named none). */
  model: string
  /** Only on 200s that carried usage. */
  usage?: Usage
}

export interface FailOptions {
  /** Sends `retry-after-ms` (the SDK's hint). */
  retryAfterMs?: number
  /** Sends `retry-after` in seconds. */
  retryAfterS?: number
  /** Error body fields; defaults depend on the status (a 429 is a rate limit, a 5xx a server error…). */
  code?: string | null
  type?: string
  param?: string | null
  message?: string
  /** The whole error body, sent as it is instead of OpenAI's shape (old vLLM's `{object, message}`, FastAPI's `{detail}`). */
  body?: unknown
}

export interface FakeOpenAi extends StandIn {
  /** Base URL for the SDK (`…/v1`). */
  baseUrl: string
  /** Requests to the completions endpoint, with their bodies. */
  completions (): Array<RecordedRequest & { body: ChatRequestBody }>
  setRespond (respond: Respond): void
  /** The next n completions answer `status` (default 500) with an OpenAI error body. */
  failNext (n: number, status?: number, opts?: FailOptions): void
  /** The next n completions never answer (until close). */
  hangNext (n: number): void
  /** The next n completions carry content that is not JSON. */
  invalidJsonNext (n: number): void
  /** The next n completions are refusals: finish 'stop', content null, `message.refusal` set, billed. */
  refuseNext (n: number): void
  /** The next n completions stop at the token limit: finish 'length', content cut to half. */
  lengthNext (n: number): void
  /** The next n completions are stopped by the content filter: finish 'content_filter', content null. */
  contentFilterNext (n: number): void
  /** The next n completions are 200s without `usage`, as some compatible providers send. */
  noUsageNext (n: number): void
  /** The next n completions wrap their answer in ```json fences. */
  fenceNext (n: number): void
  /** The next n completions answer after `ms`. */
  slowNext (n: number, ms: number): void
  /** The next n completions are 200s whose JSON body is cut short, as a proxy that drops the connection sends. */
  brokenBodyNext (n: number): void
  /** The reasoning efforts the server takes (others get OpenAI's unsupported_value); [] rejects the parameter itself. */
  setReasoningEfforts (efforts: string[] | undefined): void
  /** Reasoning tokens every reasoning-model completion spends; undefined goes back to the effort's. */
  setReasoningTokens (n: number | undefined): void
  setProvider (provider: Provider): void
  /** Every answer of the completions endpoint, in order. */
  served (): Served[]
  /** The usage of every 200 that carried one: what the account was billed for. */
  billed (): Usage[]
}

export interface FakeOpenAiOptions {
  /** Expected bearer key (default `sk-test`); anything else gets 401. */
  apiKey?: string
  respond?: Respond
  /** The models that exist; any other gets 404. Unset: every model exists. */
  models?: string[]
  /** Prompt size from which the prefix cache counts (default 1024 tokens, OpenAI's). */
  cacheMinTokens?: number
  provider?: Provider
  /** The reasoning efforts the server takes; unset: every effort OpenAI knows. */
  reasoningEfforts?: string[]
}

type Fault =
  | ({ kind: 'fail', status: number } & FailOptions)
  | { kind: 'hang' } | { kind: 'invalid' } | { kind: 'refuse' } | { kind: 'length' }
  | { kind: 'content_filter' } | { kind: 'no_usage' } | { kind: 'fence' } | { kind: 'slow', ms: number } | { kind: 'broken_body' }

type FinishReason = 'stop' | 'length' | 'content_filter'

interface ApiError {
  status: number
  error: { message: string, type: string, param: string | null, code: string | null }
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))
const isChatBody = (v: unknown): v is ChatRequestBody => typeof v === 'object' && v !== null && !Array.isArray(v)
const isCompletion = (path: string): boolean => path === '/v1/chat/completions' || path === '/chat/completions'
const modelIdOf = (path: string): string | undefined => /^(?:\/v1)?\/models\/(.+)$/.exec(path)?.[1]

const REFUSAL = "I'm sorry, I can't help with that."
const NOT_JSON = '{"reply": "Olá, tudo bem'
// Fixed, so a test can compare it; the real one is the model's release date.
const MODEL_CREATED = 1_721_172_741
const CACHE_GRANULARITY = 128
const EFFORT_TOKENS: Record<string, number> = { none: 0, minimal: 0, low: 256, medium: 1024, high: 4096 }

/** o1, o3, o4-mini, gpt-5, gpt-oss… spend hidden reasoning tokens; gpt-5-chat-latest is a chat model. */
export const isReasoningModel = (model: string): boolean => /^(o\d|gpt-5|gpt-oss)/.test(model) && !model.includes('-chat')

const apiError = (status: number, message: string, fields: { type?: string, param?: string | null, code?: string | null } = {}): ApiError =>
  ({ status, error: { message, type: fields.type ?? 'invalid_request_error', param: fields.param ?? null, code: fields.code ?? null } })

const modelNotFound = (model: string): ApiError =>
  apiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, { code: 'model_not_found' })

function authError (authorization: string | undefined, apiKey: string): ApiError | undefined {
  if (authorization === `Bearer ${apiKey}`) return undefined
  if (authorization === undefined) {
    return apiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
  }
  // Never echoes the key: tests check that secrets stay out of logs.
  return apiError(401, 'Incorrect API key provided', { code: 'invalid_api_key' })
}

/** What a failNext sends when the test gave no fields: what OpenAI sends for that status. */
function failure (fault: { status: number } & FailOptions, model: string): ApiError {
  const fallback = fault.status === 429
    ? { type: 'requests', code: 'rate_limit_exceeded', message: `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.` }
    : fault.status >= 500
      ? { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' }
      : { type: 'invalid_request_error', code: null, message: 'Invalid request.' }
  return apiError(fault.status, fault.message ?? fallback.message, { type: fault.type ?? fallback.type, code: fault.code === undefined ? fallback.code : fault.code, param: fault.param ?? null })
}

function retryHeaders (fault: FailOptions): Record<string, string> {
  return {
    ...(fault.retryAfterMs !== undefined ? { 'retry-after-ms': String(fault.retryAfterMs) } : {}),
    ...(fault.retryAfterS !== undefined ? { 'retry-after': String(fault.retryAfterS) } : {}),
  }
}

/** An effort this server does not take: the parameter itself (Azure's wording, no param named), or its value (OpenAI's). */
function effortError (effort: string, efforts: readonly string[]): ApiError | undefined {
  if (efforts.length === 0) return apiError(400, 'Unrecognized request argument supplied: reasoning_effort')
  if (efforts.includes(effort)) return undefined
  return apiError(400, `Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: ${efforts.map((e) => `'${e}'`).join(', ')}.`, { param: 'reasoning_effort', code: 'unsupported_value' })
}

/** The parameters a reasoning model rejects, and the one a chat model does not know. */
function tokenParameterError (body: ChatRequestBody, model: string, efforts: readonly string[] | undefined): ApiError | undefined {
  if (!isReasoningModel(model)) {
    return body.reasoning_effort !== undefined
      ? apiError(400, "Unsupported parameter: 'reasoning_effort' is not supported with this model.", { param: 'reasoning_effort', code: 'unsupported_parameter' })
      : undefined
  }
  if (body.max_tokens !== undefined) {
    return apiError(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", { param: 'max_tokens', code: 'unsupported_parameter' })
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    return apiError(400, `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`, { param: 'temperature', code: 'unsupported_value' })
  }
  if (body.reasoning_effort !== undefined && efforts !== undefined) return effortError(body.reasoning_effort, efforts)
  if (body.reasoning_effort !== undefined && !(body.reasoning_effort in EFFORT_TOKENS)) {
    return apiError(400, `Invalid value: '${body.reasoning_effort}'. Supported values are: ${Object.keys(EFFORT_TOKENS).map((e) => `'${e}'`).join(', ')}.`, { param: 'reasoning_effort', code: 'invalid_value' })
  }
  return undefined
}

function responseFormatError (body: ChatRequestBody, provider: Provider): ApiError | undefined {
  const type = body.response_format?.type
  if (provider === 'no-json-schema' && type === 'json_schema') {
    return apiError(400, "'response_format.type' : value is not one of the allowed values ['text','json_object']", { param: 'response_format' })
  }
  if (provider === 'openai' && type === 'json_object' && !/json/i.test(JSON.stringify(body.messages ?? []))) {
    return apiError(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", { param: 'messages' })
  }
  return undefined
}

/** Why the API would not run this request at all, in the order it checks. */
function requestError (body: ChatRequestBody, models: Set<string> | undefined, provider: Provider, efforts: readonly string[] | undefined): ApiError | undefined {
  const model = body.model
  if (typeof model !== 'string' || model === '') return apiError(400, 'you must provide a model parameter')
  if (models !== undefined && !models.has(model)) return modelNotFound(model)
  if (!Array.isArray(body.messages)) return apiError(400, "Missing required parameter: 'messages'.", { param: 'messages', code: 'missing_required_parameter' })
  return tokenParameterError(body, model, efforts) ?? responseFormatError(body, provider)
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
const fenced = (text: string): string => '```json\n' + text + '\n```'

interface Answer { content: string | null, refusal: string | null, finish: FinishReason, /** what the model generated, billed */ generated: string }

/** The model's answer before any token limit, shaped by this request's fault and the provider. */
function answerOf (body: ChatRequestBody, fault: Fault | undefined, respond: Respond, provider: Provider): Answer {
  if (fault?.kind === 'refuse') return { content: null, refusal: REFUSAL, finish: 'stop', generated: REFUSAL }
  if (fault?.kind === 'invalid') return { content: NOT_JSON, refusal: null, finish: 'stop', generated: NOT_JSON }
  const answer = respond(body)
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer)
  if (fault?.kind === 'content_filter') return { content: null, refusal: null, finish: 'content_filter', generated: text }
  if (fault?.kind === 'length') {
    const cut = text.slice(0, Math.floor(text.length / 2))
    return { content: cut, refusal: null, finish: 'length', generated: cut }
  }
  const fence = fault?.kind === 'fence' || (provider === 'ignores-format' && isJson(text))
  const content = fence ? fenced(text) : text
  return { content, refusal: null, finish: 'stop', generated: content }
}

/**
 * Fits the answer into the completion budget, which reasoning tokens are spent from first: when they
 * use it all the visible answer is empty; when the answer does not fit it is cut. Either way the
 * finish is 'length' and completion_tokens is the whole budget.
 */
function withinBudget (answer: Answer, reasoning: number, limit: number | undefined): { answer: Answer, completionTokens: number, reasoningTokens: number } {
  const needed = reasoning + tokens(answer.generated)
  if (limit === undefined || needed <= limit || answer.finish !== 'stop' || answer.content === null) {
    return { answer, completionTokens: needed, reasoningTokens: reasoning }
  }
  const room = Math.max(0, limit - reasoning)
  const content = answer.content.slice(0, room * 4)
  return { answer: { ...answer, content, finish: 'length', generated: content }, completionTokens: limit, reasoningTokens: Math.min(reasoning, limit) }
}

const commonPrefixLength = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  return i
}

/**
 * OpenAI's prompt cache: the longest prefix this prompt shares with an earlier one to the same model,
 * in whole blocks of 128 tokens, once the prompt reaches the minimum. On the serialized messages the
 * character prefix is the same as comparing message by message, then within the first that differs.
 */
function cachedTokensOf (prompt: string, earlier: readonly string[], minTokens: number): number {
  if (tokens(prompt) < minTokens) return 0
  const shared = Math.max(0, ...earlier.map((e) => commonPrefixLength(prompt, e)))
  const cached = Math.floor(Math.floor(shared / 4) / CACHE_GRANULARITY) * CACHE_GRANULARITY
  return cached >= minTokens ? cached : 0
}

function usageOf (promptTokens: number, cachedTokens: number, completionTokens: number, reasoningTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
}

const requestId = (): string => `req_${randomBytes(12).toString('hex')}`
const completionId = (): string => `chatcmpl-${randomBytes(12).toString('base64url')}`

export async function startFakeOpenAi (options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const apiKey = options.apiKey ?? 'sk-test'
  const models = options.models !== undefined ? new Set(options.models) : undefined
  const cacheMinTokens = options.cacheMinTokens ?? 1024
  let respond: Respond = options.respond ?? (() => ({ reply: 'ok' }))
  let provider: Provider = options.provider ?? 'openai'
  let reasoningOverride: number | undefined
  let efforts: string[] | undefined = options.reasoningEfforts
  const faults = new FaultQueue<Fault>()
  const served: Served[] = []
  const promptsByModel = new Map<string, string[]>()

  const reasoningTokensFor = (body: ChatRequestBody, model: string): number =>
    !isReasoningModel(model) ? 0 : reasoningOverride ?? EFFORT_TOKENS[body.reasoning_effort ?? 'medium'] ?? 0

  const sendError = (res: ServerResponse, e: ApiError, headers: Record<string, string> = {}): string => {
    const id = requestId()
    sendJson(res, e.status, { error: e.error }, { 'x-request-id': id, ...headers })
    return id
  }
  const serveError = (res: ServerResponse, model: string, e: ApiError, headers?: Record<string, string>): void => {
    served.push({ requestId: sendError(res, e, headers), status: e.status, model })
  }

  /** A 200 whose JSON stops mid-way: content-type and length say JSON, the text is not. */
  const sendBrokenBody = (res: ServerResponse, model: string): void => {
    const id = requestId()
    const text = `{"id":"${completionId()}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\\"reply\\": \\"Ol`
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': id })
    res.end(text)
    served.push({ requestId: id, status: 200, model })
  }

  /** A 200 completion: the answer, fitted into the token budget, with its usage. */
  const complete = (body: ChatRequestBody, model: string, fault: Fault | undefined): { payload: unknown, usage: Usage | undefined } => {
    const prompt = JSON.stringify(body.messages ?? [])
    const earlier = promptsByModel.get(model) ?? []
    const cachedTokens = cachedTokensOf(prompt, earlier, cacheMinTokens)
    earlier.push(prompt)
    promptsByModel.set(model, earlier)
    const limit = body.max_completion_tokens ?? body.max_tokens
    const { answer, completionTokens, reasoningTokens } = withinBudget(answerOf(body, fault, respond, provider), reasoningTokensFor(body, model), limit)
    const usage = fault?.kind === 'no_usage' ? undefined : usageOf(tokens(prompt), cachedTokens, completionTokens, reasoningTokens)
    const payload = {
      id: completionId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.content, refusal: answer.refusal, annotations: [] }, logprobs: null, finish_reason: answer.finish }],
      ...(usage !== undefined ? { usage } : {}),
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    }
    return { payload, usage }
  }

  const handleCompletion = (req: RecordedRequest, res: ServerResponse, started: number): void => {
    const model = isChatBody(req.body) && typeof req.body.model === 'string' ? req.body.model : ''
    const denied = authError(req.headers.authorization, apiKey)
    if (denied !== undefined) return serveError(res, model, denied)
    if (!isChatBody(req.body)) {
      return serveError(res, model, apiError(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"))
    }
    const body = req.body
    const invalid = requestError(body, models, provider, efforts)
    if (invalid !== undefined) return serveError(res, model, invalid)
    // Faults are taken by requests the API would run, so a rejected one does not use them up.
    const fault = faults.take(req)
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'fail' && fault.body !== undefined) {
      const id = requestId()
      sendJson(res, fault.status, fault.body, { 'x-request-id': id, ...retryHeaders(fault) })
      served.push({ requestId: id, status: fault.status, model })
      return
    }
    if (fault?.kind === 'fail') return serveError(res, model, failure(fault, model), retryHeaders(fault))
    if (fault?.kind === 'broken_body') return sendBrokenBody(res, model)
    const { payload, usage } = complete(body, model, fault)
    const answer = (): void => {
      const id = requestId()
      sendJson(res, 200, payload, { 'x-request-id': id, 'openai-processing-ms': String(Date.now() - started) })
      served.push({ requestId: id, status: 200, model, ...(usage !== undefined ? { usage } : {}) })
    }
    if (fault?.kind === 'slow') standIn.later(fault.ms, answer)
    else answer()
  }

  const handleModel = (req: RecordedRequest, res: ServerResponse, id: string): void => {
    const model = decodeURIComponent(id)
    const error = authError(req.headers.authorization, apiKey) ?? (models !== undefined && !models.has(model) ? modelNotFound(model) : undefined)
    if (error !== undefined) {
      sendError(res, error)
      return
    }
    sendJson(res, 200, { id: model, object: 'model', created: MODEL_CREATED, owned_by: 'openai' }, { 'x-request-id': requestId() })
  }

  const standIn: StandIn = await startStandIn((req, res) => {
    const started = Date.now()
    if (req.method === 'POST' && isCompletion(req.path)) return handleCompletion(req, res, started)
    const modelId = modelIdOf(req.path)
    if (req.method === 'GET' && modelId !== undefined) return handleModel(req, res, modelId)
    sendError(res, apiError(404, `Invalid URL (${req.method} ${req.path})`))
  })

  return {
    ...standIn,
    baseUrl: `${standIn.url}/v1`,
    completions () {
      return standIn.requests.filter((r): r is RecordedRequest & { body: ChatRequestBody } => r.method === 'POST' && isCompletion(r.path) && isChatBody(r.body))
    },
    setRespond (fn) {
      respond = fn
    },
    failNext (n, status = 500, opts = {}) {
      faults.arm(n, { kind: 'fail', status, ...opts })
    },
    hangNext (n) {
      faults.arm(n, { kind: 'hang' })
    },
    invalidJsonNext (n) {
      faults.arm(n, { kind: 'invalid' })
    },
    refuseNext (n) {
      faults.arm(n, { kind: 'refuse' })
    },
    lengthNext (n) {
      faults.arm(n, { kind: 'length' })
    },
    contentFilterNext (n) {
      faults.arm(n, { kind: 'content_filter' })
    },
    noUsageNext (n) {
      faults.arm(n, { kind: 'no_usage' })
    },
    fenceNext (n) {
      faults.arm(n, { kind: 'fence' })
    },
    slowNext (n, ms) {
      faults.arm(n, { kind: 'slow', ms })
    },
    brokenBodyNext (n) {
      faults.arm(n, { kind: 'broken_body' })
    },
    setReasoningEfforts (e) {
      efforts = e
    },
    setReasoningTokens (n) {
      reasoningOverride = n
    },
    setProvider (p) {
      provider = p
    },
    served () {
      return [...served]
    },
    billed () {
      return served.flatMap((s) => (s.status === 200 && s.usage !== undefined ? [s.usage] : []))
    },
  }
}

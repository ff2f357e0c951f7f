import { FaultQueue, sendJson, startStandIn, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for OpenAI's `POST /v1/chat/completions` (also `/chat/completions`).
// The answer's content is whatever `respond(body)` returns: an object is sent as its JSON,
// a string as it is, so a test scripts the brain's answer.

export interface ChatRequestBody {
  model?: string
  messages?: Array<{ role: string, content: unknown }>
  response_format?: { type: string, json_schema?: { name?: string, strict?: boolean, schema?: unknown } }
  max_tokens?: number
  max_completion_tokens?: number
  [key: string]: unknown
}

export type Respond = (body: ChatRequestBody) => unknown

export interface FakeOpenAi extends StandIn {
  /** Base URL for the SDK (`…/v1`). */
  baseUrl: string
  /** Requests to the completions endpoint, with their bodies. */
  completions (): Array<RecordedRequest & { body: ChatRequestBody }>
  setRespond (respond: Respond): void
  /** The next n completions answer `status`; `retryAfterMs` sets the SDK's `retry-after-ms` hint. */
  failNext (n: number, status?: number, opts?: { retryAfterMs?: number }): void
  /** The next n completions never answer (until close). */
  hangNext (n: number): void
  /** The next n completions carry content that is not JSON. */
  invalidJsonNext (n: number): void
  /** The next n completions are refusals. */
  refuseNext (n: number): void
}

export interface FakeOpenAiOptions {
  /** Expected bearer key (default `sk-test`); anything else gets 401. */
  apiKey?: string
  respond?: Respond
}

type Fault = { kind: 'fail', status: number, retryAfterMs: number | undefined } | { kind: 'hang' } | { kind: 'invalid' } | { kind: 'refuse' }

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))
const isChatBody = (v: unknown): v is ChatRequestBody => typeof v === 'object' && v !== null && !Array.isArray(v)

export async function startFakeOpenAi (options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const apiKey = options.apiKey ?? 'sk-test'
  let respond: Respond = options.respond ?? (() => ({ reply: 'ok' }))
  let nextId = 1
  const faults = new FaultQueue<Fault>()
  const isCompletion = (path: string): boolean => path === '/v1/chat/completions' || path === '/chat/completions'

  const standIn = await startStandIn((req, res) => {
    if (req.method !== 'POST' || !isCompletion(req.path)) return sendJson(res, 404, { error: { message: 'Not found', type: 'invalid_request_error' } })
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } })
    }
    if (!isChatBody(req.body)) return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } })
    const body = req.body
    const fault = faults.take(req)
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'fail') {
      const headers: Record<string, string> = fault.retryAfterMs !== undefined ? { 'retry-after-ms': String(fault.retryAfterMs) } : {}
      return sendJson(res, fault.status, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } }, headers)
    }
    let content: string | null
    let refusal: string | null = null
    if (fault?.kind === 'refuse') {
      content = null
      refusal = "I'm sorry, I can't help with that."
    } else if (fault?.kind === 'invalid') {
      content = '{"reply": "Olá, tudo bem'
    } else {
      const answer = respond(body)
      content = typeof answer === 'string' ? answer : JSON.stringify(answer)
    }
    const promptText = JSON.stringify(body.messages ?? [])
    const promptTokens = tokens(promptText)
    const completionTokens = tokens(content ?? refusal ?? '')
    sendJson(res, 200, {
      id: `chatcmpl-fake-${nextId++}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'unknown',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    })
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
      faults.arm(n, { kind: 'fail', status, retryAfterMs: opts.retryAfterMs })
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
  }
}

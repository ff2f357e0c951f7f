import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { OutboundCall } from '../../src/clients/http.js'
import type { LlmNotice } from '../../src/clients/llm.js'
import { createOpenAiClient, LlmError, type OpenAiClient, type OpenAiClientOptions } from '../../src/clients/openai.js'
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from '../helpers/fake-openai.js'

// The client against a loopback stand-in that answers like OpenAI's chat completions API per model
// (test/helpers/fake-openai.ts): what it sends, how it adapts, retries and fails, what it bills.

const analysis = z.object({
  reply: z.string(),
  intent: z.enum(['greeting', 'pricing', 'other']),
  budget: z.number().nullable(),
})

const request = {
  system: 'Você é um SDR.',
  messages: [{ role: 'user' as const, content: 'Oi, quanto custa?' }],
  schema: analysis,
  schemaName: 'sdr_analysis',
}
const ANSWER = { reply: 'Olá! Depende do volume.', intent: 'pricing', budget: null }

describe('openai client', () => {
  let fake: FakeOpenAi
  let calls: OutboundCall[]
  let notices: LlmNotice[]

  const start = async (opts: FakeOpenAiOptions = {}): Promise<void> => {
    await fake.close()
    fake = await startFakeOpenAi({ respond: () => ANSWER, ...opts })
  }
  const client = (overrides: Partial<OpenAiClientOptions> = {}): OpenAiClient => createOpenAiClient({
    apiKey: 'sk-test',
    baseUrl: fake.baseUrl,
    model: 'gpt-4o-mini',
    timeoutMs: 2000,
    maxTokens: 400,
    onCall: (c) => calls.push(c),
    onNotice: (n) => notices.push(n),
    ...overrides,
  })
  const failure = async (c: OpenAiClient, req: typeof request = request): Promise<LlmError> => {
    const err = await c.complete(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmError)
    return err as LlmError
  }

  beforeEach(async () => {
    fake = await startFakeOpenAi({ respond: () => ANSWER })
    calls = []
    notices = []
  })
  afterEach(async () => {
    await fake.close()
  })

  describe('what it sends', () => {
    it('parses a valid structured answer and reports usage and the call', async () => {
      const result = await client().complete(request)
      expect(result.value).toEqual(ANSWER)
      const billed = fake.billed()[0]
      expect(result.usage).toEqual({
        promptTokens: billed?.prompt_tokens,
        completionTokens: billed?.completion_tokens,
        cachedPromptTokens: 0,
        reasoningTokens: 0,
        model: 'gpt-4o-mini',
        estimated: false,
      })
      expect(calls).toEqual([expect.objectContaining({ target: 'openai', operation: 'chat_completion', outcome: 'ok' })])
    })

    it('asks a compatible provider with max_tokens, a strict json_schema, the system prompt first and the messages as given', async () => {
      const messages = [...request.messages, { role: 'system' as const, content: 'Known: {}' }]
      await client().complete({ ...request, messages })
      const [req] = fake.completions()
      expect(req?.headers.authorization).toBe('Bearer sk-test')
      expect(req?.body.model).toBe('gpt-4o-mini')
      expect(req?.body.max_tokens).toBe(400)
      expect(req?.body.max_completion_tokens).toBeUndefined()
      expect(req?.body.reasoning_effort).toBeUndefined()
      expect(req?.body.temperature).toBeUndefined()
      expect(req?.body.messages).toEqual([{ role: 'system', content: 'Você é um SDR.' }, ...messages])
      expect(req?.body.response_format?.type).toBe('json_schema')
      expect(req?.body.response_format?.json_schema).toMatchObject({ name: 'sdr_analysis', strict: true })
      expect(req?.body.response_format?.json_schema?.schema).toMatchObject({ type: 'object', required: ['reply', 'intent', 'budget'] })
    })

    it('asks OpenAI itself with max_completion_tokens', async () => {
      // The official host is not reachable here: the token parameter is what the base URL decides.
      await client({ tokenParam: 'max_completion_tokens' }).complete(request)
      expect(fake.completions()[0]?.body.max_completion_tokens).toBe(400)
      expect(fake.completions()[0]?.body.max_tokens).toBeUndefined()
    })

    it('answers through gpt-5-mini: max_completion_tokens with room to think, minimal effort, no max_tokens', async () => {
      const result = await client({ model: 'gpt-5-mini' }).complete(request)
      expect(result.value).toEqual(ANSWER)
      const body = fake.completions()[0]?.body
      expect(body?.max_tokens).toBeUndefined()
      expect(body?.max_completion_tokens).toBe(400 + 512)
      expect(body?.reasoning_effort).toBe('minimal')
      expect(fake.completions()).toHaveLength(1)
      expect(result.usage.reasoningTokens).toBe(fake.billed()[0]?.completion_tokens_details.reasoning_tokens)
    })

    it('answers through an o-series model at low effort, and honours a configured effort', async () => {
      const result = await client({ model: 'o4-mini' }).complete(request)
      expect(result.value).toEqual(ANSWER)
      expect(fake.completions()[0]?.body).toMatchObject({ reasoning_effort: 'low', max_completion_tokens: 400 + 2048 })
      await client({ model: 'o4-mini', reasoningEffort: 'medium' }).complete(request)
      expect(fake.completions()[1]?.body).toMatchObject({ reasoning_effort: 'medium', max_completion_tokens: 400 + 4096 })
    })

    it('normalises the answer with prepare before the schema judges it', async () => {
      fake.setRespond(() => ({ ...ANSWER, intent: 'PRICING' }))
      const prepare = (json: unknown): unknown => ({ ...(json as object), intent: 'pricing' })
      expect((await client().complete({ ...request, prepare })).value.intent).toBe('pricing')
      expect((await failure(client())).code).toBe('schema')
    })

    it('works without the /v1 prefix on compatible endpoints', async () => {
      const result = await client({ baseUrl: fake.url }).complete(request)
      expect(result.value.reply).toBe('Olá! Depende do volume.')
      expect(fake.requests[0]?.path).toBe('/chat/completions')
    })
  })

  describe('adapting to the provider', () => {
    it('switches to max_completion_tokens once when the model rejects max_tokens, and remembers it', async () => {
      const c = client({ model: 'gpt-5-mini', tokenParam: 'max_tokens' })
      expect((await c.complete(request)).value).toEqual(ANSWER)
      expect(fake.completions().map((r) => r.body.max_tokens !== undefined ? 'max_tokens' : 'max_completion_tokens')).toEqual(['max_tokens', 'max_completion_tokens'])
      expect(notices).toEqual([{ kind: 'adapted', model: 'gpt-5-mini', param: 'max_tokens', from: 'max_tokens', to: 'max_completion_tokens' }])
      await c.complete(request)
      expect(fake.completions()).toHaveLength(3)
      expect(fake.completions()[2]?.body.max_completion_tokens).toBe(912)
    })

    it('falls back to json_object on a provider without json_schema, describes the shape in the prompt, and remembers it', async () => {
      await start({ provider: 'no-json-schema' })
      const c = client()
      expect((await c.complete(request)).value).toEqual(ANSWER)
      const [first, second] = fake.completions()
      expect(first?.body.response_format?.type).toBe('json_schema')
      expect(second?.body.response_format).toEqual({ type: 'json_object' })
      const system = String(second?.body.messages?.[0]?.content)
      expect(system).toContain('Você é um SDR.')
      expect(system).toMatch(/JSON schema:\n\{.*"intent"/)
      expect(notices).toEqual([expect.objectContaining({ kind: 'adapted', param: 'response_format', from: 'json_schema', to: 'json_object' })])
      await c.complete(request)
      expect(fake.completions()).toHaveLength(3)
      expect(fake.completions()[2]?.body.response_format).toEqual({ type: 'json_object' })
    })

    it('sends no response_format with OPENAI_RESPONSE_FORMAT=none, and still reads the JSON', async () => {
      expect((await client({ responseFormat: 'none' }).complete(request)).value).toEqual(ANSWER)
      expect(fake.completions()[0]?.body.response_format).toBeUndefined()
    })

    it('reads JSON a provider wrapped in a code fence', async () => {
      await start({ provider: 'ignores-format' })
      expect((await client().complete(request)).value).toEqual(ANSWER)
      fake.fenceNext(1)
      expect((await client().complete(request)).value).toEqual(ANSWER)
    })
  })

  describe('failures an operator can diagnose', () => {
    it('an unknown model: one request, an error with code, type and request id, counted as a client error, health failing', async () => {
      await start({ models: ['gpt-5-mini'] })
      const c = client({ model: 'gpt-9-turbo' })
      const err = await failure(c)
      expect(err).toMatchObject({ kind: 'http', status: 404, code: 'model_not_found', type: 'invalid_request_error', misconfigured: true })
      expect(err.requestId).toBe(fake.served()[0]?.requestId)
      expect(err.requestId).toMatch(/^req_/)
      expect(err.message).toContain('gpt-9-turbo')
      expect(fake.completions()).toHaveLength(1)
      expect(calls).toEqual([expect.objectContaining({ outcome: 'client_error', status: 404 })])
      expect(c.health()).toEqual({ status: 'failing', model: 'gpt-9-turbo', code: 'model_not_found' })
    })

    it('a 400 naming a parameter we cannot change carries its code and param, and is not retried', async () => {
      fake.failNext(1, 400, { code: 'invalid_value', param: 'messages[1].content', message: "Invalid 'messages[1].content': string too long." })
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'http', status: 400, code: 'invalid_value', param: 'messages[1].content', misconfigured: true })
      expect(fake.completions()).toHaveLength(1)
    })

    it('a wrong key is not retried', async () => {
      const err = await failure(client({ apiKey: 'sk-wrong' }))
      expect(err).toMatchObject({ kind: 'http', status: 401, code: 'invalid_api_key' })
      expect(err.message).not.toContain('sk-wrong')
      expect(fake.requests).toHaveLength(1)
      expect(calls[0]?.outcome).toBe('client_error')
    })

    it('health is unknown before any call and ok after a good one', async () => {
      const c = client()
      expect(c.health()).toEqual({ status: 'unknown', model: 'gpt-4o-mini' })
      await c.complete(request)
      expect(c.health()).toEqual({ status: 'ok', model: 'gpt-4o-mini' })
    })
  })

  describe('deadlines that hold', () => {
    it('a Retry-After longer than the deadline is not waited for: it fails at once', async () => {
      fake.failNext(1, 429, { retryAfterS: 8 })
      const started = performance.now()
      const err = await failure(client({ timeoutMs: 2000 }))
      expect(performance.now() - started).toBeLessThan(2100)
      expect(err).toMatchObject({ kind: 'http', status: 429, code: 'rate_limit_exceeded', misconfigured: false })
      expect(fake.completions()).toHaveLength(1)
    })

    it('retries once when the wait fits in the deadline', async () => {
      fake.failNext(1, 429, { retryAfterMs: 100 })
      expect((await client().complete(request)).value).toEqual(ANSWER)
      expect(fake.completions()).toHaveLength(2)
      expect(calls.map((c) => c.outcome)).toEqual(['retry', 'ok'])
    })

    it('never retries an exhausted quota', async () => {
      fake.failNext(2, 429, { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.' })
      const err = await failure(client())
      expect(err).toMatchObject({ status: 429, code: 'insufficient_quota', misconfigured: true })
      expect(fake.completions()).toHaveLength(1)
    })

    it('retries a 500 at most once', async () => {
      fake.failNext(3, 500, { retryAfterMs: 10 })
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'http', status: 500, misconfigured: false })
      expect(fake.completions()).toHaveLength(2)
      expect(calls.map((c) => c.outcome)).toEqual(['retry', 'error'])
    })

    it('times out within timeoutMs when the server hangs', async () => {
      fake.hangNext(2)
      const started = performance.now()
      const err = await failure(client({ timeoutMs: 300 }))
      const elapsed = performance.now() - started
      expect(err.kind).toBe('timeout')
      expect(elapsed).toBeGreaterThanOrEqual(250)
      expect(elapsed).toBeLessThan(800)
    })

    it('reports the caller\'s abort as aborted', async () => {
      fake.hangNext(1)
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      expect((await failure(client(), { ...request, signal: controller.signal } as typeof request)).kind).toBe('aborted')
    })
  })

  describe('answers it cannot use, and what they were billed', () => {
    it('an answer cut at the token limit: invalid_output "length", usage kept', async () => {
      fake.lengthNext(1)
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'invalid_output', code: 'length', status: 200 })
      expect(err.usage?.completionTokens).toBe(fake.billed()[0]?.completion_tokens)
      expect(err.requestId).toBe(fake.served()[0]?.requestId)
    })

    it('a reasoning model that thinks past its budget says so', async () => {
      fake.setReasoningTokens(5000)
      const err = await failure(client({ model: 'gpt-5-mini' }))
      expect(err).toMatchObject({ kind: 'invalid_output', code: 'length' })
      // As the API does, the thinking stops at the limit: every billed token was reasoning.
      expect(err.message).toContain('after 912 reasoning tokens')
      expect(err.usage).toMatchObject({ completionTokens: 912, reasoningTokens: 912 })
    })

    it('content that is not JSON', async () => {
      fake.invalidJsonNext(1)
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'invalid_output', code: 'not_json' })
      expect(err.message).not.toContain('Olá')
      expect(err.usage?.promptTokens).toBe(fake.billed()[0]?.prompt_tokens)
    })

    it('JSON that does not match the schema', async () => {
      fake.setRespond(() => ({ reply: 'Oi', intent: 'smalltalk' }))
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'invalid_output', code: 'schema' })
      expect(err.message).toContain('sdr_analysis')
      expect(calls[0]?.outcome).toBe('error')
    })

    it('a refusal and a content filter stop', async () => {
      fake.refuseNext(1)
      expect(await failure(client())).toMatchObject({ kind: 'refusal', code: 'refusal', usage: expect.objectContaining({ estimated: false }) })
      fake.contentFilterNext(1)
      expect(await failure(client())).toMatchObject({ kind: 'refusal', code: 'content_filter' })
      expect(fake.billed()).toHaveLength(2)
    })

    it('counts cached input from prompt_tokens_details', async () => {
      await start({ cacheMinTokens: 8 })
      const long = { ...request, system: `Você é um SDR. ${'Regras estáveis. '.repeat(80)}` }
      const c = client()
      await c.complete(long)
      const second = await c.complete({ ...long, messages: [...long.messages, { role: 'assistant', content: 'Depende.' }] })
      expect(second.usage.cachedPromptTokens).toBeGreaterThan(0)
      expect(second.usage.cachedPromptTokens).toBe(fake.billed()[1]?.prompt_tokens_details.cached_tokens)
    })

    it('a provider without usage: estimated from the text length, told once', async () => {
      fake.noUsageNext(2)
      const c = client()
      const first = await c.complete(request)
      await c.complete(request)
      expect(first.usage.estimated).toBe(true)
      expect(first.usage.promptTokens).toBeGreaterThan(3)
      expect(first.usage.completionTokens).toBe(Math.ceil(JSON.stringify(ANSWER).length / 4))
      expect(notices).toEqual([{ kind: 'usage_missing', model: 'gpt-4o-mini' }])
    })
  })
})

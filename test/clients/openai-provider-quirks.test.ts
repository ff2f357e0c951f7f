import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { OutboundCall } from '../../src/clients/http.js'
import type { LlmNotice } from '../../src/clients/llm.js'
import { createOpenAiClient, LlmError, type OpenAiClient, type OpenAiClientOptions } from '../../src/clients/openai.js'
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from '../helpers/fake-openai.js'

// What compatible providers and reasoning models do that OpenAI's own chat models do not: efforts
// they reject, parameters named in passing, error bodies of other shapes, the lead's words echoed in
// an error, concurrent calls adapting at once. Against the loopback stand-in (test/helpers/fake-openai.ts).

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

describe('openai client with provider quirks', () => {
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
  const failure = async (c: OpenAiClient): Promise<LlmError> => {
    const err = await c.complete(request).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmError)
    return err as LlmError
  }
  const efforts = (): unknown[] => fake.completions().map((r) => r.body.reasoning_effort ?? 'none sent')

  beforeEach(async () => {
    fake = await startFakeOpenAi({ respond: () => ANSWER })
    calls = []
    notices = []
  })
  afterEach(async () => {
    await fake.close()
  })

  describe('reasoning effort and room to think', () => {
    it('steps a rejected effort down to low before dropping it, and keeps the room to think', async () => {
      // As GPT-5.1 on: `minimal` is not taken, `low` is.
      await start({ reasoningEfforts: ['low', 'medium', 'high'] })
      const c = client({ model: 'gpt-5-mini' })
      expect((await c.complete(request)).value).toEqual(ANSWER)
      expect(efforts()).toEqual(['minimal', 'low'])
      expect(fake.completions()[1]?.body.max_completion_tokens).toBe(400 + 2048)
      expect(notices).toEqual([{ kind: 'adapted', model: 'gpt-5-mini', param: 'reasoning_effort', from: 'minimal', to: 'low' }])
      await c.complete(request)
      expect(efforts()).toEqual(['minimal', 'low', 'low'])
    })

    it('a provider that rejects reasoning_effort itself: dropped, and the model still gets the medium room to think', async () => {
      await start({ reasoningEfforts: [] })
      const result = await client({ model: 'gpt-5-mini' }).complete(request)
      expect(result.value).toEqual(ANSWER)
      expect(efforts()).toEqual(['minimal', 'none sent'])
      // Unasked, the model thinks at its default (medium for OpenAI's): 400 tokens alone would be spent thinking.
      expect(fake.completions()[1]?.body.max_completion_tokens).toBe(400 + 4096)
      expect(result.usage.reasoningTokens).toBeGreaterThan(400)
    })

    it('a low effort rejected by value is dropped, never sent again', async () => {
      await start({ reasoningEfforts: ['medium', 'high'] })
      const c = client({ model: 'o4-mini' })
      expect((await c.complete(request)).value).toEqual(ANSWER)
      await c.complete(request)
      expect(efforts()).toEqual(['low', 'none sent', 'none sent'])
      expect(fake.completions()[2]?.body.max_completion_tokens).toBe(400 + 4096)
    })

    it('gpt-oss on a compatible provider is a reasoning model: low effort, room to think, max_completion_tokens', async () => {
      const result = await client({ model: 'gpt-oss-120b' }).complete(request)
      expect(result.value).toEqual(ANSWER)
      const [body] = fake.completions().map((r) => r.body)
      expect(body).toMatchObject({ reasoning_effort: 'low', max_completion_tokens: 400 + 2048 })
      expect(body?.max_tokens).toBeUndefined()
      expect(fake.completions()).toHaveLength(1)
    })

    it('a configured effort gives a custom reasoning deployment room to think', async () => {
      expect((await client({ model: 'qwen3-32b', reasoningEffort: 'medium', tokenParam: 'max_tokens' }).complete(request)).value).toEqual(ANSWER)
      // The stand-in does not know qwen3 as a reasoning model and rejects the effort: the room stays.
      expect(fake.completions()[0]?.body).toMatchObject({ reasoning_effort: 'medium', max_tokens: 400 + 4096 })
      expect(fake.completions()[1]?.body).toMatchObject({ max_tokens: 400 + 4096 })
      expect(fake.completions()[1]?.body.reasoning_effort).toBeUndefined()
    })
  })

  describe('adapting only to an unsupported parameter, once', () => {
    it('concurrent calls rejected for the same parameter adapt it once, from what each sent', async () => {
      await start({ provider: 'no-json-schema' })
      const c = client()
      const results = await Promise.all([c.complete(request), c.complete(request)])
      expect(results.map((r) => r.value)).toEqual([ANSWER, ANSWER])
      expect(fake.completions().map((r) => r.body.response_format?.type)).toEqual(['json_schema', 'json_schema', 'json_object', 'json_object'])
      expect(notices).toEqual([expect.objectContaining({ param: 'response_format', from: 'json_schema', to: 'json_object' })])
      await c.complete(request)
      expect(fake.completions()[4]?.body.response_format).toEqual({ type: 'json_object' })
    })

    it('a context overflow that names both token parameters in passing is not an adaptation', async () => {
      fake.failNext(1, 400, {
        code: null,
        message: "'max_tokens' or 'max_completion_tokens' is too large: 400. This model's maximum context length is 256 tokens and your request has 100 input tokens (400 > 256 - 100).",
      })
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'http', status: 400 })
      expect(err.message).toContain('maximum context length')
      expect(fake.completions()).toHaveLength(1)
      expect(notices).toEqual([])
    })

    it('never goes back to a token parameter the provider rejected', async () => {
      fake.failNext(1, 400, { message: 'Unrecognized request argument supplied: max_tokens' })
      fake.failNext(1, 400, { message: 'Unrecognized request argument supplied: max_completion_tokens' })
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'http', status: 400 })
      expect(fake.completions().map((r) => r.body.max_tokens !== undefined ? 'max_tokens' : 'max_completion_tokens')).toEqual(['max_tokens', 'max_completion_tokens'])
      expect(notices).toHaveLength(1)
    })
  })

  describe('error bodies of other shapes', () => {
    it('old vLLM\'s {object: "error", message, code}: the message, type and code (a number, as a string) survive', async () => {
      fake.failNext(1, 404, { body: { object: 'error', message: 'The model `qwen-7b` does not exist.', type: 'NotFoundError', param: null, code: 404 } })
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'http', status: 404, code: '404', type: 'NotFoundError', misconfigured: true })
      expect(err.message).toContain('The model `qwen-7b` does not exist.')
      expect(err.requestId).toBe(fake.served()[0]?.requestId)
    })

    it('FastAPI\'s 422 {detail: [...]} for an extra parameter: read, and adapted to', async () => {
      fake.failNext(1, 422, { body: { detail: [{ type: 'extra_forbidden', loc: ['body', 'reasoning_effort'], msg: 'Extra inputs are not permitted', input: 'minimal' }] } })
      const result = await client({ model: 'gpt-5-mini' }).complete(request)
      expect(result.value).toEqual(ANSWER)
      expect(efforts()).toEqual(['minimal', 'none sent'])
      expect(notices).toEqual([{ kind: 'adapted', model: 'gpt-5-mini', param: 'reasoning_effort', from: 'minimal', to: 'none sent' }])
    })

    it('a 422 {detail} about the messages keeps where and why, never the lead\'s words', async () => {
      fake.failNext(1, 422, { body: { detail: [{ type: 'string_too_long', loc: ['body', 'messages', 1, 'content'], msg: 'String should have at most 8 characters', input: 'Oi, quanto custa?', ctx: { max_length: 8 } }] } })
      const err = await failure(client())
      expect(err).toMatchObject({ status: 422, code: 'string_too_long', param: 'messages.1.content' })
      expect(err.message).toContain('String should have at most 8 characters')
      expect(err.message).not.toContain('quanto custa')
    })

    it('a provider message that echoes the input is redacted and bounded', async () => {
      fake.failNext(1, 400, { message: "[{'type': 'string_type', 'loc': ('body', 'messages', 1, 'content'), 'msg': 'Input should be a valid string', 'input': 'Oi, quanto custa?'}] input_value='Oi, quanto custa?'" })
      const err = await failure(client())
      expect(err.message).toContain('Input should be a valid string')
      expect(err.message).not.toContain('quanto custa')
      fake.failNext(1, 400, { message: `Bad request: ${'x'.repeat(5000)}` })
      expect((await failure(client())).message.length).toBeLessThan(400)
    })

    it('a 200 whose body is not JSON is an invalid_output LlmError', async () => {
      fake.brokenBodyNext(1)
      const err = await failure(client())
      expect(err).toMatchObject({ kind: 'invalid_output', status: 200, code: 'bad_response' })
      expect(err.message).not.toContain('Ol')
      expect(calls.map((c) => c.outcome)).toEqual(['error'])
    })
  })

  describe('failures of one request are not configuration', () => {
    it.each([
      ['context_length_exceeded', "This model's maximum context length is 128000 tokens."],
      ['invalid_prompt', 'Invalid prompt: your prompt was flagged as potentially violating our usage policy.'],
      ['content_filter', 'The response was filtered due to the prompt triggering content management policy.'],
      ['json_validate_failed', 'Failed to generate JSON. Please adjust your prompt.'],
    ])('a 400 %s is not misconfigured: health stays as it was, counted as an error', async (code, message) => {
      fake.failNext(1, 400, { code, message })
      const c = client()
      const err = await failure(c)
      expect(err).toMatchObject({ status: 400, code, misconfigured: false })
      expect(calls.map((x) => x.outcome)).toEqual(['error'])
      expect(c.health().status).toBe('unknown')
    })
  })

  describe('answers of reasoning models served as text', () => {
    it('a <think> block before the JSON is skipped', async () => {
      fake.setRespond(() => `<think>The lead asks {"price": "?"}; answer with the intent.</think>\n${JSON.stringify(ANSWER)}`)
      expect((await client({ responseFormat: 'none' }).complete(request)).value).toEqual(ANSWER)
    })
  })
})

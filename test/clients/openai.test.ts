import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { OutboundCall } from '../../src/clients/http.js'
import { createOpenAiClient, LlmError, type LlmClient, type OpenAiClientOptions } from '../../src/clients/openai.js'
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js'

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

describe('openai client', () => {
  let fake: FakeOpenAi
  let calls: OutboundCall[]

  const client = (overrides: Partial<OpenAiClientOptions> = {}): LlmClient => createOpenAiClient({
    apiKey: 'sk-test',
    baseUrl: fake.baseUrl,
    model: 'gpt-4o-mini',
    timeoutMs: 2000,
    maxTokens: 400,
    onCall: (c) => calls.push(c),
    ...overrides,
  })

  beforeEach(async () => {
    fake = await startFakeOpenAi({ respond: () => ({ reply: 'Olá! Depende do volume.', intent: 'pricing', budget: null }) })
    calls = []
  })
  afterEach(async () => {
    await fake.close()
  })

  it('parses a valid structured answer and reports usage', async () => {
    const result = await client().complete(request)
    expect(result.value).toEqual({ reply: 'Olá! Depende do volume.', intent: 'pricing', budget: null })
    expect(result.usage.promptTokens).toBeGreaterThan(0)
    expect(result.usage.completionTokens).toBeGreaterThan(0)
    expect(result.latencyMs).toBeGreaterThanOrEqual(0)
    expect(calls).toEqual([expect.objectContaining({ target: 'openai', operation: 'chat_completion', outcome: 'ok' })])
  })

  it('asks for our model, a strict json_schema, max tokens, with the system prompt first', async () => {
    await client().complete(request)
    const [req] = fake.completions()
    expect(req?.headers.authorization).toBe('Bearer sk-test')
    expect(req?.body.model).toBe('gpt-4o-mini')
    expect(req?.body.max_tokens).toBe(400)
    expect(req?.body.messages).toEqual([
      { role: 'system', content: 'Você é um SDR.' },
      { role: 'user', content: 'Oi, quanto custa?' },
    ])
    expect(req?.body.response_format?.type).toBe('json_schema')
    expect(req?.body.response_format?.json_schema).toMatchObject({ name: 'sdr_analysis', strict: true })
    expect(req?.body.response_format?.json_schema?.schema).toMatchObject({ type: 'object', required: ['reply', 'intent', 'budget'] })
  })

  it('recovers from one 500 through the SDK retry', async () => {
    fake.failNext(1, 500, { retryAfterMs: 10 })
    const result = await client().complete(request)
    expect(result.value.intent).toBe('pricing')
    expect(fake.completions()).toHaveLength(2)
  })

  it('throws LlmError http after the SDK retry on persistent 500', async () => {
    fake.failNext(2, 500, { retryAfterMs: 10 })
    const err = await client().complete(request).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmError)
    expect(err).toMatchObject({ kind: 'http', status: 500 })
    expect(fake.completions()).toHaveLength(2)
    expect(calls).toEqual([expect.objectContaining({ outcome: 'error', status: 500 })])
  })

  it('does not retry a 401', async () => {
    const err = await client({ apiKey: 'sk-wrong' }).complete(request).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LlmError', kind: 'http', status: 401 })
    expect(fake.requests).toHaveLength(1)
    expect(calls[0]?.outcome).toBe('client_error')
  })

  it('times out within timeoutMs when the server hangs', async () => {
    fake.hangNext(2)
    const started = performance.now()
    const err = await client({ timeoutMs: 300 }).complete(request).catch((e: unknown) => e)
    const elapsed = performance.now() - started
    expect(err).toMatchObject({ name: 'LlmError', kind: 'timeout' })
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(800)
  })

  it('reports the caller\'s abort as aborted', async () => {
    fake.hangNext(1)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const err = await client().complete({ ...request, signal: controller.signal }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LlmError', kind: 'aborted' })
  })

  it('rejects content that is not JSON', async () => {
    fake.invalidJsonNext(1)
    const err = await client().complete(request).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LlmError', kind: 'invalid_output' })
    expect((err as Error).message).not.toContain('Olá')
  })

  it('rejects JSON that does not match the schema', async () => {
    fake.setRespond(() => ({ reply: 'Oi', intent: 'smalltalk' }))
    const err = await client().complete(request).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LlmError', kind: 'invalid_output' })
    expect((err as Error).message).toContain('sdr_analysis')
    expect(calls[0]?.outcome).toBe('error')
  })

  it('maps a refusal', async () => {
    fake.refuseNext(1)
    const err = await client().complete(request).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LlmError', kind: 'refusal' })
  })

  it('works without the /v1 prefix on compatible endpoints', async () => {
    const result = await client({ baseUrl: fake.url }).complete(request)
    expect(result.value.reply).toBe('Olá! Depende do volume.')
    expect(fake.requests[0]?.path).toBe('/chat/completions')
  })
})

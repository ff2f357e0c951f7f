import type { FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { createMetrics } from '../../src/lib/metrics.js'
import { createModelPath } from '../../src/model-path.js'
import { BASE_ENV } from '../helpers/app.js'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import { startFakeOpenAi, type FakeOpenAi, type Usage } from '../helpers/fake-openai.js'
import { settle, startPipeline, type Pipeline, type PipelineOptions } from '../helpers/pipeline.js'
import { until } from '../helpers/wait.js'

// Issue #19 through the whole service: the built app, signed webhooks, the loopback Chatwoot and an
// OpenAI stand-in that answers like the API per model (test/helpers/fake-openai.ts).

const EMPTY_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }
const ANSWER = { reply: '', fields: EMPTY_FIELDS, intent: 'gives_info', language: 'pt-BR', confidence: 0.9 }

let p: Pipeline | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
})

let nextConversation = 8600
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

const start = async (opts: PipelineOptions = {}): Promise<Pipeline> => {
  p = await startPipeline({ openai: () => ANSWER, captureLogs: true, ...opts, env: { OPENAI_TIMEOUT_MS: '2000', ...opts.env } })
  return p
}

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

/** One lead message answered; the time it took from the delivery to the bot's reply. */
async function turn (pipeline: Pipeline, ref: FakeRef, text: string): Promise<number> {
  const before = pipeline.replies(ref).length
  const started = performance.now()
  await pipeline.say(ref, text)
  await pipeline.waitForReplies(ref, before + 1, 10_000)
  const ms = performance.now() - started
  await settle(pipeline)
  return ms
}

const readiness = async (pipeline: Pipeline): Promise<{ components: { llm?: { status: string, model: string, code?: string } } }> =>
  await (await request(`${pipeline.app.url}/api/v1/readiness`)).body.json() as { components: { llm?: { status: string, model: string, code?: string } } }

describe('the model path through the service', () => {
  it.each([
    ['gpt-5-mini', 'minimal'],
    ['o4-mini', 'low'],
  ])('%s answers through the model, not the fallback', async (model, effort) => {
    const pipeline = await start({ env: { OPENAI_MODEL: model } })
    await turn(pipeline, newRef(), 'Olá, quero automatizar o atendimento da minha loja')
    const metrics = await pipeline.metrics()
    expect(sample(metrics, 'sdr_brain_calls_total{adapter="openai",outcome="ok"}')).toBe(1)
    expect(sample(metrics, 'sdr_brain_calls_total{adapter="scripted",outcome="fallback"}')).toBe(0)
    const [call] = pipeline.openai!.completions()
    expect(call?.body).toMatchObject({ model, reasoning_effort: effort })
    expect(call?.body.max_tokens).toBeUndefined()
    expect(call?.body.max_completion_tokens).toBeGreaterThan(500)
    expect((await readiness(pipeline)).components.llm).toEqual({ status: 'ok', model })
  })

  it('an unknown model: one error line with the provider\'s code and request id, counted by code, failing in the readiness', async () => {
    const pipeline = await start({ env: { OPENAI_MODEL: 'gpt-9-turbo' }, openaiOptions: { models: ['gpt-5-mini'] } })
    const ref = newRef()
    await turn(pipeline, ref, 'Olá, quero automatizar o atendimento')
    // The lead is answered all the same, by the scripted brain.
    expect(pipeline.replies(ref).length).toBeGreaterThanOrEqual(1)
    const errors = pipeline.app.parsedLogs().filter((l) => l.level === 50)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      model: 'gpt-9-turbo',
      llm: { kind: 'http', status: 404, code: 'model_not_found', param: null, type: 'invalid_request_error', requestId: pipeline.openai!.served()[0]?.requestId },
    })
    expect(String(errors[0]?.['msg'])).toContain('OpenAI refused the request')
    const metrics = await pipeline.metrics()
    expect(sample(metrics, 'sdr_llm_errors_total{kind="http",code="model_not_found"}')).toBe(1)
    expect(sample(metrics, 'sdr_outbound_requests_total{target="openai",operation="chat_completion",outcome="client_error"}')).toBe(1)
    expect((await readiness(pipeline)).components.llm).toEqual({ status: 'failing', model: 'gpt-9-turbo', code: 'model_not_found' })
  })

  it('a 400 naming a parameter: one error line carrying code and param, not retried', async () => {
    const pipeline = await start()
    pipeline.openai!.failNext(1, 400, { code: 'invalid_value', param: 'messages[2].content', message: "Invalid 'messages[2].content': string too long." })
    await turn(pipeline, newRef(), 'Olá, quero automatizar o atendimento')
    const errors = pipeline.app.parsedLogs().filter((l) => l.level === 50)
    expect(errors.map((e) => e['llm'])).toEqual([expect.objectContaining({ status: 400, code: 'invalid_value', param: 'messages[2].content' })])
    expect(pipeline.openai!.completions()).toHaveLength(1)
  })

  it('the opt-in start-up check shows a wrong key before any lead writes', async () => {
    const pipeline = await start({ env: { OPENAI_STARTUP_CHECK: 'true', OPENAI_API_KEY: 'sk-wrong' } })
    const failed = (l: { msg?: unknown }): boolean => String(l.msg).startsWith('OpenAI failed the start-up check')
    await until(() => pipeline.app.parsedLogs().some(failed), 5000)
    const line = pipeline.app.parsedLogs().find(failed)
    expect(line).toMatchObject({ level: 50, llm: { status: 401, code: 'invalid_api_key' } })
    expect(JSON.stringify(pipeline.app.parsedLogs())).not.toContain('sk-wrong')
    expect((await readiness(pipeline)).components.llm).toMatchObject({ status: 'failing', code: 'invalid_api_key' })
  })

  it('a Retry-After of 8 s with a 2 s deadline: the lead is answered within the deadline', async () => {
    const pipeline = await start()
    pipeline.openai!.failNext(1, 429, { retryAfterS: 8 })
    const ms = await turn(pipeline, newRef(), 'Olá, quero automatizar o atendimento')
    expect(ms).toBeLessThan(2600)
    expect(pipeline.openai!.completions()).toHaveLength(1)
    const metrics = await pipeline.metrics()
    expect(sample(metrics, 'sdr_brain_calls_total{adapter="scripted",outcome="fallback"}')).toBe(1)
    expect(sample(metrics, 'sdr_llm_errors_total{kind="http",code="rate_limit_exceeded"}')).toBe(1)
  })

  it('a 5xx without a code is counted by its status', async () => {
    const pipeline = await start()
    // Twice: the first is retried (250 ms fits in the 2 s deadline), the second is not.
    pipeline.openai!.failNext(2, 503, { code: null })
    await turn(pipeline, newRef(), 'Olá, quero automatizar o atendimento')
    expect(sample(await pipeline.metrics(), 'sdr_llm_errors_total{kind="http",code="status_503"}')).toBe(1)
    expect(pipeline.openai!.completions()).toHaveLength(2)
    // Not a configuration failure: a warning, no error line.
    expect(pipeline.app.parsedLogs().filter((l) => l.level === 50)).toHaveLength(0)
  })

  it('a provider without json_schema is answered through json_object, told once in the log', async () => {
    const pipeline = await start({ openaiOptions: { provider: 'no-json-schema' } })
    const ref = newRef()
    await turn(pipeline, ref, 'Olá, quero automatizar o atendimento')
    await turn(pipeline, ref, 'Somos uma loja de roupas')
    expect(pipeline.openai!.completions().map((c) => c.body.response_format?.type)).toEqual(['json_schema', 'json_object', 'json_object'])
    expect(sample(await pipeline.metrics(), 'sdr_brain_calls_total{adapter="openai",outcome="ok"}')).toBe(2)
    expect(pipeline.app.parsedLogs().filter((l) => String(l.msg).startsWith('The model rejected response_format'))).toHaveLength(1)
  })

  it('a provider that wraps the JSON in a code fence is read', async () => {
    const pipeline = await start({ openaiOptions: { provider: 'ignores-format' } })
    await turn(pipeline, newRef(), 'Olá, quero automatizar o atendimento')
    expect(sample(await pipeline.metrics(), 'sdr_brain_calls_total{adapter="openai",outcome="ok"}')).toBe(1)
  })

  it('the cost metric is the sum of every billed usage: failed answers and cached input included', async () => {
    // The default playbook's price of gpt-5-mini (USD per million): input 0.25, cached 0.025, output 2.
    const pipeline = await start()
    const ref = newRef()
    await turn(pipeline, ref, 'Olá, quero automatizar o atendimento')
    pipeline.openai!.refuseNext(1)
    await turn(pipeline, ref, 'Somos uma loja de roupas')
    pipeline.openai!.lengthNext(1)
    await turn(pipeline, ref, 'Vendemos pelo WhatsApp')
    await turn(pipeline, ref, 'Temos umas 300 conversas por dia')

    const billed: Usage[] = pipeline.openai!.billed()
    expect(billed).toHaveLength(4)
    const cached = billed.reduce((n, u) => n + u.prompt_tokens_details.cached_tokens, 0)
    expect(cached).toBeGreaterThan(0)
    const expected = billed.reduce((sum, u) => {
      const c = u.prompt_tokens_details.cached_tokens
      return sum + ((u.prompt_tokens - c) * 0.25 + c * 0.025 + u.completion_tokens * 2) / 1e6
    }, 0)
    const metrics = await pipeline.metrics()
    expect(sample(metrics, 'sdr_llm_cost_total{model="gpt-5-mini",currency="USD"}')).toBeCloseTo(expected, 12)
    expect(sample(metrics, 'sdr_llm_tokens_total{kind="prompt"}')).toBe(billed.reduce((n, u) => n + u.prompt_tokens, 0))
    expect(sample(metrics, 'sdr_llm_tokens_total{kind="completion"}')).toBe(billed.reduce((n, u) => n + u.completion_tokens, 0))
    expect(sample(metrics, 'sdr_llm_tokens_total{kind="cached_prompt"}')).toBe(cached)
    expect(sample(metrics, 'sdr_llm_errors_total{kind="refusal",code="refusal"}')).toBe(1)
    expect(sample(metrics, 'sdr_llm_errors_total{kind="invalid_output",code="length"}')).toBe(1)
  })
})

describe('the start-up check\'s own cost', () => {
  let fake: FakeOpenAi | undefined
  afterEach(async () => {
    await fake?.close()
    fake = undefined
  })

  it.each([
    ['answered', (_f: FakeOpenAi) => undefined],
    ['refused (billed all the same)', (f: FakeOpenAi) => f.refuseNext(1)],
  ])('its tokens and cost are counted when it is %s', async (_name, fault) => {
    fake = await startFakeOpenAi({ respond: () => ({ ok: true }) })
    fault(fake)
    const config = loadConfig({ ...BASE_ENV, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl, OPENAI_STARTUP_CHECK: 'true' })
    const metrics = createMetrics()
    const playbook = await loadPlaybook()
    const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger
    const path = createModelPath(config, log, () => undefined, { metrics, playbook: () => playbook })
    await path?.ready
    const read = async (): Promise<string> => await metrics.registry.metrics()
    await until(async () => sample(await read(), 'sdr_llm_tokens_total{kind="completion"}') > 0, 5000)

    const [billed] = fake.billed()
    expect(fake.billed()).toHaveLength(1)
    const text = await read()
    expect(sample(text, 'sdr_llm_tokens_total{kind="prompt"}')).toBe(billed?.prompt_tokens)
    expect(sample(text, 'sdr_llm_tokens_total{kind="completion"}')).toBe(billed?.completion_tokens)
    expect(sample(text, 'sdr_llm_tokens_total{kind="reasoning"}')).toBe(billed?.completion_tokens_details.reasoning_tokens)
    // gpt-5-mini at the default playbook's price (USD per million): input 0.25, output 2.
    const expected = ((billed?.prompt_tokens ?? 0) * 0.25 + (billed?.completion_tokens ?? 0) * 2) / 1e6
    expect(sample(text, 'sdr_llm_cost_total{model="gpt-5-mini",currency="USD"}')).toBeCloseTo(expected, 12)
  })
})

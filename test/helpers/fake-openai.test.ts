import { afterEach, describe, expect, it } from 'vitest'
import { isReasoningModel, startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions, type Usage } from './fake-openai.js'

// The OpenAI stand-in over real HTTP, with plain fetch: the clients' tests trust it to behave like
// the API, so here it is held to what the API does.

let fake: FakeOpenAi | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function start (options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  fake = await startFakeOpenAi(options)
  return fake
}

interface Reply { status: number, headers: Headers, json: any }

async function call (f: FakeOpenAi, path: string, init: { method?: string, body?: unknown, key?: string, signal?: AbortSignal } = {}): Promise<Reply> {
  const res = await fetch(`${f.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { authorization: `Bearer ${init.key ?? 'sk-test'}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal !== undefined ? { signal: init.signal } : {}),
  })
  return { status: res.status, headers: res.headers, json: await res.json() }
}

const chat = (f: FakeOpenAi, body: Record<string, unknown>, key?: string): Promise<Reply> =>
  call(f, '/v1/chat/completions', { body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'oi' }], ...body }, ...(key !== undefined ? { key } : {}) })

const REQUEST_ID = /^req_[0-9a-f]{24}$/
const first = (r: Reply): { message: { content: string | null, refusal: string | null }, finish_reason: string } => r.json.choices[0]

describe('fake OpenAI: the basics', () => {
  it('answers a completion with the scripted content, an x-request-id, the processing time and full usage', async () => {
    const f = await start({ respond: () => ({ reply: 'olá' }) })
    const r = await chat(f, {})
    expect(r.status).toBe(200)
    expect(r.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(Number(r.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0)
    expect(r.json).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' })
    expect(first(r)).toMatchObject({ message: { role: 'assistant', content: '{"reply":"olá"}', refusal: null }, finish_reason: 'stop' })
    const prompt = Math.ceil(JSON.stringify([{ role: 'user', content: 'oi' }]).length / 4)
    const completion = Math.ceil('{"reply":"olá"}'.length / 4)
    expect(r.json.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    })
    expect(f.served()).toEqual([{ requestId: r.headers.get('x-request-id'), status: 200, model: 'gpt-4o-mini', usage: r.json.usage }])
    expect(f.completions()).toHaveLength(1)
  })

  it('answers 401 in OpenAI\'s error shape, with a request id, for a wrong key, and records it', async () => {
    const f = await start()
    const r = await chat(f, {}, 'sk-wrong')
    expect(r.status).toBe(401)
    expect(r.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(r.json).toEqual({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    expect(f.served()).toEqual([{ requestId: r.headers.get('x-request-id'), status: 401, model: 'gpt-4o-mini' }])
    expect(f.billed()).toEqual([])
  })

  it('answers an unknown path with Invalid URL', async () => {
    const f = await start()
    const r = await call(f, '/v1/embeddings', { body: {} })
    expect(r.status).toBe(404)
    expect(r.json).toEqual({ error: { message: 'Invalid URL (POST /v1/embeddings)', type: 'invalid_request_error', param: null, code: null } })
  })
})

describe('fake OpenAI: reasoning models', () => {
  it('tells reasoning models from chat models by name', () => {
    expect(['o1', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.1', 'gpt-oss-20b'].filter(isReasoningModel)).toHaveLength(7)
    expect(['gpt-4o-mini', 'gpt-4.1', 'gpt-5-chat-latest', 'omni-moderation-latest'].some(isReasoningModel)).toBe(false)
  })

  it('rejects max_tokens, and a temperature other than 1, as the API does', async () => {
    const f = await start()
    const maxTokens = await chat(f, { model: 'gpt-5-mini', max_tokens: 100 })
    expect(maxTokens.status).toBe(400)
    expect(maxTokens.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(maxTokens.json).toEqual({ error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } })
    const temperature = await chat(f, { model: 'o3-mini', temperature: 0.2 })
    expect(temperature.status).toBe(400)
    expect(temperature.json).toEqual({ error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' } })
    expect((await chat(f, { model: 'o3-mini', temperature: 1, max_completion_tokens: 5000 })).status).toBe(200)
    expect((await chat(f, { model: 'gpt-5-chat-latest', temperature: 0.2, max_tokens: 100 })).status).toBe(200)
    expect(f.served().map((s) => s.status)).toEqual([400, 400, 200, 200])
  })

  it('reasoningEfforts: another value is unsupported_value, none at all rejects the parameter as Azure words it', async () => {
    const f = await start({ reasoningEfforts: ['low', 'medium', 'high'] })
    const minimal = await chat(f, { model: 'gpt-5.1', reasoning_effort: 'minimal', max_completion_tokens: 5000 })
    expect(minimal.status).toBe(400)
    expect(minimal.json.error).toEqual({ message: "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', 'high'.", type: 'invalid_request_error', param: 'reasoning_effort', code: 'unsupported_value' })
    expect((await chat(f, { model: 'gpt-5.1', reasoning_effort: 'low', max_completion_tokens: 5000 })).status).toBe(200)
    f.setReasoningEfforts([])
    const any = await chat(f, { model: 'gpt-5.1', reasoning_effort: 'low', max_completion_tokens: 5000 })
    expect(any.json.error).toEqual({ message: 'Unrecognized request argument supplied: reasoning_effort', type: 'invalid_request_error', param: null, code: null })
    expect((await chat(f, { model: 'gpt-5.1', max_completion_tokens: 5000 })).status).toBe(200)
  })

  it('rejects reasoning_effort on a chat model', async () => {
    const f = await start()
    const r = await chat(f, { reasoning_effort: 'low' })
    expect(r.status).toBe(400)
    expect(r.json.error).toEqual({ message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", type: 'invalid_request_error', param: 'reasoning_effort', code: 'unsupported_parameter' })
  })

  it('spends reasoning tokens by effort, counted inside completion_tokens', async () => {
    const f = await start({ respond: () => 'ok' })
    const spent = async (effort?: string): Promise<Usage> => (await chat(f, { model: 'gpt-5-mini', ...(effort !== undefined ? { reasoning_effort: effort } : {}) })).json.usage
    const medium = await spent()
    expect(medium.completion_tokens_details.reasoning_tokens).toBe(1024)
    expect(medium.completion_tokens).toBe(1024 + 1)
    expect((await spent('minimal')).completion_tokens_details.reasoning_tokens).toBe(0)
    expect((await spent('low')).completion_tokens_details.reasoning_tokens).toBe(256)
    expect((await spent('high')).completion_tokens).toBe(4096 + 1)
    f.setReasoningTokens(10)
    expect((await spent('high')).completion_tokens_details.reasoning_tokens).toBe(10)
    f.setReasoningTokens(undefined)
    expect((await spent('high')).completion_tokens_details.reasoning_tokens).toBe(4096)
  })

  it('answers empty with finish length when reasoning uses the whole budget, and cuts the answer when only it does not fit', async () => {
    const answer = 'x'.repeat(400) // 100 tokens
    const f = await start({ respond: () => answer })
    const starved = await chat(f, { model: 'o4-mini', reasoning_effort: 'low', max_completion_tokens: 200 })
    expect(starved.status).toBe(200)
    expect(first(starved)).toMatchObject({ message: { content: '' }, finish_reason: 'length' })
    expect(starved.json.usage.completion_tokens).toBe(200)
    expect(starved.json.usage.completion_tokens_details.reasoning_tokens).toBe(200)

    const cut = await chat(f, { model: 'o4-mini', reasoning_effort: 'low', max_completion_tokens: 266 })
    expect(first(cut)).toMatchObject({ message: { content: 'x'.repeat(40) }, finish_reason: 'length' })
    expect(cut.json.usage.completion_tokens).toBe(266)
    expect(cut.json.usage.completion_tokens_details.reasoning_tokens).toBe(256)

    const fits = await chat(f, { model: 'o4-mini', reasoning_effort: 'low', max_completion_tokens: 356 })
    expect(first(fits)).toMatchObject({ message: { content: answer }, finish_reason: 'stop' })
    expect(fits.json.usage.completion_tokens).toBe(356)
    expect(f.billed().map((u) => u.completion_tokens)).toEqual([200, 266, 356])
  })

  it('rejects an effort the API does not know', async () => {
    const f = await start()
    const r = await chat(f, { model: 'o3', reasoning_effort: 'extreme' })
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ param: 'reasoning_effort', code: 'invalid_value' })
  })
})

describe('fake OpenAI: chat models and the token limit', () => {
  it.each(['max_tokens', 'max_completion_tokens'])('cuts an answer longer than %s with finish length', async (param) => {
    const f = await start({ respond: () => 'y'.repeat(100) })
    const r = await chat(f, { [param]: 5 })
    expect(r.status).toBe(200)
    expect(first(r)).toMatchObject({ message: { content: 'y'.repeat(20) }, finish_reason: 'length' })
    expect(r.json.usage.completion_tokens).toBe(5)
    expect((await chat(f, { [param]: 25 })).json.choices[0].finish_reason).toBe('stop')
  })
})

describe('fake OpenAI: models', () => {
  const notFound = (model: string): unknown => ({ error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } })

  it('answers 404 model_not_found for a model outside `models`', async () => {
    const f = await start({ models: ['gpt-4o-mini'] })
    const r = await chat(f, { model: 'gpt-4o-mni' })
    expect(r.status).toBe(404)
    expect(r.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(r.json).toEqual(notFound('gpt-4o-mni'))
    expect((await chat(f, {})).status).toBe(200)
    expect(f.served().map((s) => [s.status, s.model])).toEqual([[404, 'gpt-4o-mni'], [200, 'gpt-4o-mini']])
  })

  it('knows every model when `models` is unset, and wants a model named', async () => {
    const f = await start()
    expect((await chat(f, { model: 'whatever-7b' })).status).toBe(200)
    const none = await chat(f, { model: undefined })
    expect(none.status).toBe(400)
    expect(none.json).toEqual({ error: { message: 'you must provide a model parameter', type: 'invalid_request_error', param: null, code: null } })
  })

  it('serves GET /v1/models/:id and /models/:id, 404 for unknown, 401 for a wrong key', async () => {
    const f = await start({ models: ['gpt-4o-mini', 'gpt-5-mini'] })
    const known = await call(f, '/v1/models/gpt-5-mini', { method: 'GET' })
    expect(known.status).toBe(200)
    expect(known.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(known.json).toEqual({ id: 'gpt-5-mini', object: 'model', created: expect.any(Number), owned_by: 'openai' })
    expect((await call(f, '/models/gpt-4o-mini', { method: 'GET' })).json.id).toBe('gpt-4o-mini')
    const unknown = await call(f, '/v1/models/gpt-6', { method: 'GET' })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toEqual(notFound('gpt-6'))
    const denied = await call(f, '/v1/models/gpt-5-mini', { method: 'GET', key: 'sk-nope' })
    expect(denied.status).toBe(401)
    expect(denied.json.error).toEqual({ message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' })
  })
})

describe('fake OpenAI: prompt caching', () => {
  const system = (text: string): { role: string, content: string } => ({ role: 'system', content: text })
  const longSystem = 'You are MrDom, an SDR. '.repeat(200) // 4600 characters, ~1150 tokens
  const cached = (r: Reply): number => r.json.usage.prompt_tokens_details.cached_tokens

  it('reports the shared prefix of a later prompt as cached, in blocks of 128 from 1024 tokens', async () => {
    const f = await start()
    const one = await chat(f, { messages: [system(longSystem), { role: 'user', content: 'oi' }] })
    expect(cached(one)).toBe(0)
    const two = await chat(f, { messages: [system(longSystem), { role: 'user', content: 'quero um orçamento' }] })
    expect(two.json.usage.prompt_tokens).toBeGreaterThan(1150)
    expect(cached(two)).toBe(1152)
    expect(cached(two) % 128).toBe(0)
  })

  it('caches nothing when the prefix differs, for another model, or under the minimum', async () => {
    const f = await start()
    await chat(f, { messages: [system(longSystem), { role: 'user', content: 'oi' }] })
    expect(cached(await chat(f, { messages: [system('Changed. ' + longSystem), { role: 'user', content: 'oi' }] }))).toBe(0)
    expect(cached(await chat(f, { model: 'gpt-4.1-mini', messages: [system(longSystem), { role: 'user', content: 'oi' }] }))).toBe(0)
    const short = 'Short system prompt. '.repeat(20)
    await chat(f, { messages: [system(short)] })
    expect(cached(await chat(f, { messages: [system(short)] }))).toBe(0)
  })

  it('takes a smaller minimum from cacheMinTokens, and compares within the first message that differs', async () => {
    const f = await start({ cacheMinTokens: 128 })
    const base = 'a'.repeat(1200) // 300 tokens
    await chat(f, { messages: [system(base + 'first')] })
    expect(cached(await chat(f, { messages: [system(base + 'second')] }))).toBe(256)
    expect(cached(await chat(f, { messages: [system('b' + base)] }))).toBe(0)
  })
})

describe('fake OpenAI: faults', () => {
  it('failNext sends OpenAI\'s error body for the status, and the given fields and retry headers', async () => {
    const f = await start()
    f.failNext(1)
    f.failNext(1, 429, { retryAfterS: 7, code: 'insufficient_quota', type: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.' })
    f.failNext(1, 429, { retryAfterMs: 200 })
    const server = await chat(f, {})
    expect(server.status).toBe(500)
    expect(server.headers.get('x-request-id')).toMatch(REQUEST_ID)
    expect(server.json).toEqual({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } })
    const quota = await chat(f, {})
    expect(quota.status).toBe(429)
    expect(quota.headers.get('retry-after')).toBe('7')
    expect(quota.json).toEqual({ error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } })
    const limited = await chat(f, {})
    expect(limited.headers.get('retry-after-ms')).toBe('200')
    expect(limited.headers.get('retry-after')).toBeNull()
    expect(limited.json.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null })
    expect((await chat(f, {})).status).toBe(200)
  })

  it('failNext with a body sends it as it is: old vLLM\'s and FastAPI\'s error shapes', async () => {
    const f = await start()
    const vllm = { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 }
    f.failNext(1, 404, { body: vllm })
    const r = await chat(f, {})
    expect(r.status).toBe(404)
    expect(r.json).toEqual(vllm)
    expect(r.headers.get('x-request-id')).toBe(f.served()[0]?.requestId)
  })

  it('brokenBodyNext answers a 200 whose JSON is cut short', async () => {
    const f = await start()
    f.brokenBodyNext(1)
    const res = await fetch(`${f.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-test' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    await expect(res.json()).rejects.toThrow(SyntaxError)
    expect(f.billed()).toEqual([])
  })

  it('a rejected request does not use up an armed fault', async () => {
    const f = await start()
    f.failNext(1, 503)
    expect((await chat(f, { model: 'o3', max_tokens: 10 })).status).toBe(400)
    expect((await chat(f, {})).status).toBe(503)
  })

  it('refusals, length cuts, content filters and invalid JSON are 200s, and billed', async () => {
    const f = await start({ respond: () => ({ reply: 'uma resposta comprida o bastante' }) })
    f.refuseNext(1)
    f.lengthNext(1)
    f.contentFilterNext(1)
    f.invalidJsonNext(1)
    const refusal = await chat(f, {})
    expect(first(refusal)).toMatchObject({ message: { content: null, refusal: "I'm sorry, I can't help with that." }, finish_reason: 'stop' })
    const length = await chat(f, {})
    expect(first(length)).toMatchObject({ message: { content: '{"reply":"uma resposta' }, finish_reason: 'length' })
    const filtered = await chat(f, {})
    expect(first(filtered)).toMatchObject({ message: { content: null, refusal: null }, finish_reason: 'content_filter' })
    const invalid = await chat(f, {})
    expect(() => JSON.parse(first(invalid).message.content ?? '')).toThrow()
    const replies = [refusal, length, filtered, invalid]
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(f.billed()).toEqual(replies.map((r) => r.json.usage))
    expect(f.billed().every((u) => u.completion_tokens > 0)).toBe(true)
  })

  it('noUsageNext answers without usage, which is then not billed', async () => {
    const f = await start()
    f.noUsageNext(1)
    const bare = await chat(f, {})
    expect(bare.status).toBe(200)
    expect(bare.json).not.toHaveProperty('usage')
    const full = await chat(f, {})
    expect(f.served().map((s) => s.usage)).toEqual([undefined, full.json.usage])
    expect(f.billed()).toEqual([full.json.usage])
  })

  it('fenceNext wraps the JSON answer in a ```json fence', async () => {
    const f = await start({ respond: () => ({ reply: 'oi' }) })
    f.fenceNext(1)
    expect(first(await chat(f, {})).message.content).toBe('```json\n{"reply":"oi"}\n```')
    expect(first(await chat(f, {})).message.content).toBe('{"reply":"oi"}')
  })

  it('slowNext answers after the delay, and says so in openai-processing-ms', async () => {
    const f = await start()
    f.slowNext(1, 150)
    const started = performance.now()
    const slow = await chat(f, {})
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(Number(slow.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(140)
    const quick = performance.now()
    await chat(f, {})
    expect(performance.now() - quick).toBeLessThan(140)
  })

  it('hangNext never answers, and is not recorded as served', async () => {
    const f = await start()
    f.hangNext(1)
    const hung = call(f, '/v1/chat/completions', { body: { model: 'gpt-4o-mini', messages: [] }, signal: AbortSignal.timeout(100) })
    await expect(hung).rejects.toThrow()
    expect(f.served()).toEqual([])
    expect(f.completions()).toHaveLength(1)
  })
})

describe('fake OpenAI: provider profiles', () => {
  const schemaFormat = { type: 'json_schema', json_schema: { name: 'turn', strict: true, schema: { type: 'object' } } }

  it('openai: json_object needs the word json in the messages; json_schema is fine', async () => {
    const f = await start()
    const without = await chat(f, { response_format: { type: 'json_object' } })
    expect(without.status).toBe(400)
    expect(without.json).toEqual({ error: { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", type: 'invalid_request_error', param: 'messages', code: null } })
    expect((await chat(f, { response_format: { type: 'json_object' }, messages: [{ role: 'system', content: 'Answer in JSON.' }] })).status).toBe(200)
    expect((await chat(f, { response_format: schemaFormat })).status).toBe(200)
  })

  it('no-json-schema: rejects json_schema and takes json_object', async () => {
    const f = await start({ provider: 'no-json-schema' })
    const r = await chat(f, { response_format: schemaFormat })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ error: { message: "'response_format.type' : value is not one of the allowed values ['text','json_object']", type: 'invalid_request_error', param: 'response_format', code: null } })
    expect((await chat(f, { response_format: { type: 'json_object' } })).status).toBe(200)
  })

  it('ignores-format (set at run time): takes any format and fences JSON answers', async () => {
    const f = await start({ respond: () => ({ reply: 'oi' }) })
    f.setProvider('ignores-format')
    const r = await chat(f, { response_format: schemaFormat })
    expect(r.status).toBe(200)
    expect(first(r).message.content).toBe('```json\n{"reply":"oi"}\n```')
    f.setRespond(() => 'plain words')
    expect(first(await chat(f, { response_format: { type: 'json_object' } })).message.content).toBe('plain words')
  })
})

describe('fake OpenAI: billing', () => {
  it('billed() sums to the usage every 200 carried, errors excluded', async () => {
    const f = await start({ respond: () => ({ reply: 'oi' }) })
    f.failNext(1, 500)
    f.refuseNext(1)
    const replies = [await chat(f, {}), await chat(f, {}), await chat(f, { model: 'gpt-5-nano' }), await chat(f, { max_tokens: 1 })]
    const sum = (usages: Usage[]): number => usages.reduce((n, u) => n + u.total_tokens, 0)
    expect(replies.map((r) => r.status)).toEqual([500, 200, 200, 200])
    expect(sum(f.billed())).toBe(sum(replies.slice(1).map((r) => r.json.usage)))
    expect(f.billed()).toHaveLength(3)
    expect(f.served()).toHaveLength(4)
    expect(new Set(f.served().map((s) => s.requestId)).size).toBe(4)
  })
})

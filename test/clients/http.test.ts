import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { backoffDelay, mayHaveReachedServer, parseRetryAfter, requestJson, type OutboundCall } from '../../src/clients/http.js'
import { sendJson, startStandIn, type StandIn } from '../helpers/fake-http.js'

describe('http helpers', () => {
  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(['1.5'])).toBe(1500)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(undefined)).toBeUndefined()
  })

  it('backs off exponentially with jitter, capped', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 }
    expect(backoffDelay(1, policy, () => 0)).toBe(50)
    expect(backoffDelay(1, policy, () => 1)).toBe(100)
    expect(backoffDelay(2, policy, () => 1)).toBe(200)
    expect(backoffDelay(3, policy, () => 1)).toBe(300)
    expect(backoffDelay(9, policy, () => 0)).toBe(150)
  })

  it('knows which failures never reached the server', () => {
    expect(mayHaveReachedServer({ attempt: 1, reason: 'status', status: 429 })).toBe(false)
    expect(mayHaveReachedServer({ attempt: 1, reason: 'network', code: 'ECONNREFUSED' })).toBe(false)
    expect(mayHaveReachedServer({ attempt: 1, reason: 'network', code: 'ECONNRESET' })).toBe(true)
    expect(mayHaveReachedServer({ attempt: 1, reason: 'timeout' })).toBe(true)
    expect(mayHaveReachedServer({ attempt: 1, reason: 'status', status: 502 })).toBe(true)
  })
})

describe('requestJson', () => {
  let server: StandIn
  let answers: Array<{ status: number, body: unknown }>
  let calls: OutboundCall[]
  const base = () => ({
    target: 'chatwoot' as const,
    operation: 'probe',
    method: 'POST' as const,
    url: `${server.url}/probe`,
    timeoutMs: 500,
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    sleep: async () => {},
    onCall: (c: OutboundCall) => calls.push(c),
  })

  beforeEach(async () => {
    answers = []
    calls = []
    server = await startStandIn((_req, res) => {
      const next = answers.shift() ?? { status: 200, body: { ok: true } }
      sendJson(res, next.status, next.body)
    })
  })
  afterEach(async () => {
    await server.close()
  })

  it('validates the answer with the schema', async () => {
    const value = await requestJson({ ...base(), body: { a: 1 }, schema: z.object({ ok: z.boolean() }) })
    expect(value).toEqual({ ok: true })
    expect(server.requests[0]?.body).toEqual({ a: 1 })
  })

  it('drains the body and resolves undefined without a schema', async () => {
    await expect(requestJson({ ...base(), schema: undefined })).resolves.toBeUndefined()
  })

  it('ends retries as a success when beforeRetry says stop', async () => {
    answers.push({ status: 500, body: {} })
    const seen: unknown[] = []
    const value = await requestJson({
      ...base(),
      schema: z.object({ ok: z.boolean() }),
      beforeRetry: async (ctx) => { seen.push(ctx); return 'stop' },
    })
    expect(value).toBeUndefined()
    expect(seen).toEqual([{ attempt: 1, status: 500, reason: 'status', code: undefined }])
    expect(server.requests).toHaveLength(1)
  })

  it('survives an observer that throws', async () => {
    const value = await requestJson({ ...base(), onCall: () => { throw new Error('boom') }, schema: z.object({ ok: z.boolean() }) })
    expect(value).toEqual({ ok: true })
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type OutboundCall, UpstreamError } from '../../src/clients/http.js'
import { createN8nClient, N8N_PAYLOAD_VERSION, resolveWebhookUrl, type N8nClient, type N8nClientOptions } from '../../src/clients/n8n.js'
import { startFakeN8n, type FakeN8n } from '../helpers/fake-n8n.js'

describe('n8n client', () => {
  let fake: FakeN8n
  let calls: OutboundCall[]
  let delays: number[]

  const client = (overrides: Partial<N8nClientOptions> = {}): N8nClient => createN8nClient({
    baseUrl: fake.url,
    apiKey: 'n8n-key',
    webhooks: { leadQualified: '/webhook/lead-qualified' },
    timeoutMs: 1000,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 },
    onCall: (c) => calls.push(c),
    sleep: async (ms) => { delays.push(ms) },
    ...overrides,
  })

  beforeEach(async () => {
    fake = await startFakeN8n()
    calls = []
    delays = []
  })
  afterEach(async () => {
    await fake.close()
  })

  it('resolves full URLs and paths under the base URL', async () => {
    const c = client({
      baseUrl: `${fake.url}/n8n/`,
      webhooks: { leadQualified: `${fake.url}/webhook/full`, handoff: 'webhook/handoff', leadDisqualified: '/webhook/dq' },
    })
    expect(await c.trigger('lead_qualified', {}, 'k1')).toBe('sent')
    expect(await c.trigger('handoff', {}, 'k2')).toBe('sent')
    expect(await c.trigger('lead_disqualified', {}, 'k3')).toBe('sent')
    expect(fake.requests.map((r) => r.path)).toEqual(['/webhook/full', '/n8n/webhook/handoff', '/n8n/webhook/dq'])
  })

  it('does not call a workflow that is not configured', async () => {
    const c = client({ baseUrl: undefined, webhooks: { leadQualified: '/webhook/needs-a-base', handoff: '' } })
    expect(await c.trigger('lead_qualified', {}, 'k')).toBe('not_configured')
    expect(await c.trigger('handoff', {}, 'k')).toBe('not_configured')
    expect(await c.trigger('meeting_requested', {}, 'k')).toBe('not_configured')
    expect(fake.requests).toHaveLength(0)
    expect(calls).toHaveLength(0)
    expect(resolveWebhookUrl('HTTPS://n8n.example.com/webhook/x', undefined)).toBe('HTTPS://n8n.example.com/webhook/x')
  })

  it('sends the API key, the idempotency key and the versioned body', async () => {
    await client().trigger('lead_qualified', { account_id: 3, conversation_id: 1487, workflow: 'spoofed' }, 'msg-90211:lead_qualified')
    const [req] = fake.received('/webhook/lead-qualified')
    expect(req?.headers['x-n8n-api-key']).toBe('n8n-key')
    expect(req?.headers['idempotency-key']).toBe('msg-90211:lead_qualified')
    expect(req?.headers['content-type']).toBe('application/json')
    expect(req?.body).toEqual({
      account_id: 3,
      conversation_id: 1487,
      workflow: 'lead_qualified',
      idempotency_key: 'msg-90211:lead_qualified',
      payload_version: N8N_PAYLOAD_VERSION,
    })
    expect(calls).toEqual([expect.objectContaining({ target: 'n8n', operation: 'lead_qualified', outcome: 'ok', status: 200 })])
  })

  it('sends no API key header when none is configured', async () => {
    await client({ apiKey: undefined }).trigger('lead_qualified', {}, 'k')
    expect(fake.requests[0]?.headers['x-n8n-api-key']).toBeUndefined()
  })

  it('retries 5xx with the same idempotency key', async () => {
    fake.failNext(2, 503)
    expect(await client().trigger('lead_qualified', { a: 1 }, 'same-key')).toBe('sent')
    expect(fake.requests.map((r) => r.headers['idempotency-key'])).toEqual(['same-key', 'same-key', 'same-key'])
    expect(calls.map((c) => c.outcome)).toEqual(['retry', 'retry', 'ok'])
    expect(delays).toHaveLength(2)
  })

  it('does not retry a 4xx', async () => {
    fake.failNext(1, 404)
    const err = await client().trigger('lead_qualified', {}, 'k').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'UpstreamError', target: 'n8n', status: 404, retryable: false, attempts: 1 })
    expect(calls.map((c) => c.outcome)).toEqual(['client_error'])
  })

  it('retries a timeout', async () => {
    fake.delayNext(1, 500)
    expect(await client({ timeoutMs: 100 }).trigger('lead_qualified', {}, 'k')).toBe('sent')
    expect(calls.map((c) => c.outcome)).toEqual(['retry', 'ok'])
  })

  it('throws UpstreamError after the retries when n8n is down', async () => {
    const c = client()
    await fake.close()
    const err = await c.trigger('lead_qualified', { email: 'lead@example.com' }, 'k').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err).toMatchObject({ target: 'n8n', operation: 'lead_qualified', reason: 'network', retryable: true, attempts: 3 })
    expect((err as Error).message).not.toContain('lead@example.com')
    expect((err as Error).message).not.toContain('127.0.0.1')
    expect(calls.map((c) => c.outcome)).toEqual(['retry', 'retry', 'error'])
  })
})

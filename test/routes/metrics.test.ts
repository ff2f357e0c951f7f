import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestClock, startTestApp, type EnvOverrides, type TestApp } from '../helpers/app.js'
import { VECTORS, fixtureBytes, messageVariant } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, send } from '../helpers/http.js'
import { chatwootHeaders } from '../helpers/sign.js'

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Parses the Prometheus text format into samples (label order does not matter). */
function parseMetrics (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`unparseable metrics line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return samples
}

/** The samples named `name` whose labels include all of `labels`. */
const find = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))

const valueOf = (samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined => {
  const found = find(samples, name, labels)
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

const PATH_TOKEN = 'tok_Zq8LmW3nB7vX2cR9tY5uP1aS4dF6gH0j'
const opened: TestApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})

async function start (env: EnvOverrides = {}): Promise<TestApp> {
  const t = await startTestApp(env, { clock: createTestClock(Date.now()) })
  opened.push(t)
  return t
}

const sign = (body: Buffer, opts: { deliveryId?: string, secret?: string } = {}) =>
  chatwootHeaders(body, { secret: opts.secret ?? VECTORS.secret, timestamp: Math.floor(Date.now() / 1000), ...(opts.deliveryId !== undefined ? { deliveryId: opts.deliveryId } : {}) })

describe('/metrics after webhook traffic', () => {
  let samples: Sample[] = []
  let text = ''
  let t: TestApp | undefined

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_PATH_TOKEN: PATH_TOKEN }, { clock: createTestClock(Date.now()) })
    const incoming = fixtureBytes('message_created.incoming.whatsapp')
    const outgoing = fixtureBytes('message_created.outgoing.agent_bot_self')
    const headers = sign(incoming, { deliveryId: 'm-1' })
    const outcomes = [
      (await postWebhook(t.url, incoming, headers)).json,
      (await postWebhook(t.url, incoming, headers)).json,
      (await postWebhook(t.url, outgoing, sign(outgoing))).json,
      (await postWebhook(t.url, incoming, sign(incoming, { secret: 'wrong' }))).status,
      (await postWebhook(t.url, incoming, sign(incoming, { secret: 'wrong' }))).status,
      (await postWebhook(t.url, messageVariant((m) => { m.id = 1 }), { 'content-type': 'application/json' }, `${WEBHOOK_PATH}/${PATH_TOKEN}`)).json,
      (await send(t.url, { path: '/no/such/route/secret-looking-123' })).status,
    ]
    expect(outcomes).toEqual([
      { status: 'accepted' },
      { status: 'duplicate' },
      { status: 'ignored', reason: 'not_incoming' },
      401,
      401,
      { status: 'accepted' },
      404,
    ])
    const r = await send(t.url, { path: '/metrics' })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    text = r.text
    samples = parseMetrics(text)
  })
  afterAll(async () => { await t?.close() })

  it('records the traffic with the seed\'s metric names and bounded labels', () => {
    // The seed's SLA query: le="0.3", method, path (the route template), status, in whatever order prom-client prints them.
    const webhook200 = { method: 'POST', path: WEBHOOK_PATH, status: '200' }
    expect(valueOf(samples, 'http_request_duration_seconds_bucket', { ...webhook200, le: '0.3' })).toBeGreaterThanOrEqual(1)
    expect(valueOf(samples, 'http_request_duration_seconds_count', webhook200)).toBe(3)
    expect(valueOf(samples, 'http_request_duration_seconds_count', { method: 'POST', path: WEBHOOK_PATH, status: '401' })).toBe(2)
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{(?=[^}]*le="0\.3")(?=[^}]*method="POST")(?=[^}]*path="\/api\/v1\/webhooks\/agentbot")(?=[^}]*status="200")[^}]*\} \d+$/m)

    expect(valueOf(samples, 'http_response_size_bytes_sum', { path: WEBHOOK_PATH, method: 'POST' })).toBeGreaterThan(0)
    expect(valueOf(samples, 'http_response_size_bytes_count', { path: WEBHOOK_PATH, method: 'POST' })).toBe(5)

    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'message_created', outcome: 'accepted' })).toBe(2)
    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'message_created', outcome: 'duplicate' })).toBe(1)
    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'message_created', outcome: 'ignored' })).toBe(1)
    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'unverified', outcome: 'invalid_signature' })).toBe(2)
    expect(valueOf(samples, 'sdr_webhook_ignored_total', { reason: 'not_incoming' })).toBe(1)
  })

  it('labels paths by route template: the path token and unknown URLs never appear', () => {
    expect(text).not.toContain(PATH_TOKEN)
    expect(text).not.toContain('secret-looking-123')
    expect(find(samples, 'http_request_duration_seconds_count', { path: `${WEBHOOK_PATH}/:token`, status: '200' })).toHaveLength(1)
    expect(find(samples, 'http_request_duration_seconds_count', { path: 'unmatched', status: '404' })).toHaveLength(1)
    const paths = new Set(find(samples, 'http_request_duration_seconds_count').map((s) => s.labels['path']))
    expect(paths).toEqual(new Set([WEBHOOK_PATH, `${WEBHOOK_PATH}/:token`, 'unmatched']))
  })

  it('includes the default process metrics and the queue gauges', () => {
    expect(find(samples, 'process_cpu_user_seconds_total')).toHaveLength(1)
    expect(find(samples, 'nodejs_heap_size_used_bytes')).toHaveLength(1)
    expect(valueOf(samples, 'sdr_queue_depth', {})).toBe(0)
  })
})

describe('/metrics', () => {
  it('the exact sample line for one accepted message', async () => {
    const t = await start()
    const body = fixtureBytes('message_created.incoming.whatsapp')
    expect((await postWebhook(t.url, body, sign(body))).json).toEqual({ status: 'accepted' })
    const r = await send(t.url, { path: '/metrics' })
    expect(r.text).toMatch(/^sdr_webhook_events_total\{event="message_created",outcome="accepted"\} 1$/m)
  })

  it('rate-limited and malformed deliveries are counted', async () => {
    const t = await start({ RATE_LIMIT_REQUESTS: '1' })
    const body = fixtureBytes('message_created.incoming.whatsapp')
    await postWebhook(t.url, body, { 'content-type': 'application/json' })
    await postWebhook(t.url, body, { 'content-type': 'application/json' })
    const broken = Buffer.from('{"event":')
    await postWebhook(t.url, broken, sign(broken))
    const samples = parseMetrics((await send(t.url, { path: '/metrics' })).text)
    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'unverified', outcome: 'rate_limited' })).toBe(1)
    expect(valueOf(samples, 'sdr_webhook_events_total', { event: 'unknown', outcome: 'invalid_payload' })).toBe(1)
    expect(valueOf(samples, 'http_request_duration_seconds_count', { path: WEBHOOK_PATH, status: '429' })).toBe(1)
  })

  it('each app has its own registry: a second app starts from zero', async () => {
    const a = await start()
    const body = fixtureBytes('message_created.incoming.whatsapp')
    await postWebhook(a.url, body, sign(body))
    const b = await start()
    const samples = parseMetrics((await send(b.url, { path: '/metrics' })).text)
    expect(find(samples, 'sdr_webhook_events_total')).toEqual([])
  })

  it('PROMETHEUS_ENABLED=false → /metrics is 404', async () => {
    const t = await start({ PROMETHEUS_ENABLED: 'false' })
    const r = await send(t.url, { path: '/metrics' })
    expect(r.status).toBe(404)
    expect(r.json).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' })
  })
})

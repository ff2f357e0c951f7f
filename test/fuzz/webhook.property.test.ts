// Property-based tests of POST /api/v1/webhooks/agentbot through a real listening app: whatever
// arrives (random bodies, headers, content types, encodings, framings, lengths from 0 bytes to over
// WEBHOOK_BODY_LIMIT_BYTES, deep nesting, huge strings, invalid UTF-8, duplicate keys, numbers where
// strings belong, prototype-pollution keys), signed or not, the app
//   - never answers 5xx and never crashes (it answers /api/v1/health after every request),
//   - answers 200 only to a correctly signed delivery, and refuses an unsigned one before parsing it,
//   - leaves Object.prototype unpolluted,
//   - keeps its memory bounded.
//
// `npm test` runs a fixed seed and a bounded number of runs. `npm run fuzz` runs many more with a
// random seed it prints (FUZZ_RUNS, FUZZ_SEED; FUZZ_PATH replays a counterexample's shrink path).
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signChatwoot, signSeed } from '../../src/lib/hmac.js'
import { startTestApp, type TestApp } from '../helpers/app.js'
import { VECTORS, fixtureJson, type FixtureName } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, send } from '../helpers/http.js'

const envInt = (name: string): number | undefined => {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${raw}`)
  return n
}

/** Fixed in `npm test` so a failure reproduces; `npm run fuzz` passes a random one and prints it. */
const SEED = envInt('FUZZ_SEED') ?? 20_260_601
const RUNS = envInt('FUZZ_RUNS') ?? 500
const PATH = process.env['FUZZ_PATH'] !== undefined && process.env['FUZZ_PATH'] !== '' ? process.env['FUZZ_PATH'] : undefined
/** Per-test budget: generous per run, never below the suite default. */
const TIMEOUT_MS = Math.max(20_000, RUNS * 60)

const SECRET = VECTORS.secret
/** Small so that bodies over it are cheap to generate; the code path is the same as at 1 MiB. */
const LIMIT = 16 * 1024
/**
 * Heap plus Buffer memory after the runs and a full GC may exceed the warm baseline by at most this.
 * Measured: 2–3 MiB after `npm test`; 26 MiB when the route kept each raw body (checked once).
 */
const HEAP_GROWTH_BOUND = 16 * 1024 * 1024
/** Near-limit deliveries sent before memory is measured: about 21 MiB of bodies, more than the bound. */
const PRESSURE = 1500

// A full GC before measuring (vitest's workers do not get --expose-gc; V8 can still hand it out).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const FIXTURES: readonly FixtureName[] = [
  'message_created.incoming.whatsapp',
  'message_created.outgoing.agent_bot_self',
  'message_created.private_note.user',
  'conversation_status_changed.pending_to_open_handoff',
  'conversation_updated.custom_attributes_by_bot',
  'webwidget_triggered.first_open',
]
const KNOWN_EVENTS = ['message_created', 'message_updated', 'conversation_opened', 'conversation_resolved', 'conversation_status_changed', 'conversation_updated', 'webwidget_triggered']

/** Own "__proto__" keys, exactly as JSON.parse builds them from a hostile body. */
const POLLUTERS: readonly Json[] = [
  JSON.parse('{"__proto__":{"polluted":"yes","event":"message_created"}}') as Json,
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}') as Json,
  JSON.parse('{"prototype":{"polluted":"yes"}}') as Json,
  JSON.parse('{"__proto__":[1,2,3]}') as Json,
  JSON.parse('{"__proto__":null}') as Json,
]

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'event', 'id', 'content', 'account',
    'conversation', 'status', 'message_type', 'private', 'sender', 'meta', 'submitted_values', 'changed_attributes', 'event_id'),
  fc.string({ maxLength: 12 })
)

const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  // Numbers where strings belong, strings where numbers belong, edge numbers.
  fc.constantFrom<Json>(0, -1, 1.5, -0, 1e21, 2 ** 53 + 2, -(2 ** 31), 1e308, '', '0', '3', '-1', 'NaN', 'pending', 'incoming',
    'message_created', 'agent_bot', 'user', true, false, null, [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...POLLUTERS),
  fc.integer({ min: 0, max: LIMIT }).map((n) => 'x'.repeat(n))
)

type Step = string | number

/** Every container path (objects and arrays) in a value, up to a depth. */
function containers (value: Json, path: Step[] = [], out: Step[][] = [], depth = 0): Step[][] {
  if (value === null || typeof value !== 'object' || depth > 6) return out
  out.push(path)
  const entries: Array<[Step, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  for (const [k, v] of entries) containers(v, [...path, k], out, depth + 1)
  return out
}

function at (root: Json, path: readonly Step[]): Json {
  let v = root
  for (const step of path) v = (v as Record<Step, Json>)[step] as Json
  return v
}

/** Sets an own property, even "__proto__" (plain assignment would change the prototype instead). */
function define (target: Json, key: Step, value: Json): void {
  if (Array.isArray(target) && typeof key === 'number') {
    target[key] = value
    return
  }
  Object.defineProperty(target, String(key), { value, enumerable: true, writable: true, configurable: true })
}

interface Mutation { readonly pick: number, readonly op: 'set' | 'delete' | 'insert', readonly key: string, readonly value: Json }

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'insert'),
  key: hostileKey,
  value: hostileValue,
})

/** A deep copy that keeps own "__proto__" keys (generated values are shared and must stay untouched). */
const clone = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json

function mutate (root: Json, m: Mutation): void {
  const all = containers(root)
  const path = all[m.pick % all.length] ?? []
  const target = at(root, path)
  if (target === null || typeof target !== 'object') return
  const keys = Array.isArray(target) ? target.map((_, i) => i) : Object.keys(target)
  const existing = keys.length > 0 ? keys[m.pick % keys.length] : undefined
  if (m.op === 'insert' || existing === undefined) define(target, Array.isArray(target) ? target.length : m.key, clone(m.value))
  else if (m.op === 'set') define(target, existing, clone(m.value))
  else if (Array.isArray(target)) target.splice(Number(existing), 1)
  else Reflect.deleteProperty(target, existing)
}

/** Chatwoot-like payloads, with a fresh message id (so some are accepted, not duplicates) and hostile edits. */
const mutatedFixture = fc.record({
  fixture: fc.constantFrom(...FIXTURES),
  id: fc.nat({ max: 2 ** 31 }),
  event: fc.option(fc.oneof(fc.constantFrom(...KNOWN_EVENTS), fc.string({ maxLength: 120 })), { freq: 4 }),
  mutations: fc.array(mutation, { maxLength: 6 }),
  pretty: fc.boolean(),
}).map(({ fixture, id, event, mutations, pretty }) => {
  const root = fixtureJson(fixture) as Record<string, Json>
  root['id'] = id
  const conversation = root['conversation']
  if (conversation !== null && typeof conversation === 'object' && !Array.isArray(conversation)) conversation['id'] = id
  if (event !== null) root['event'] = event
  for (const m of mutations) mutate(root, m)
  return JSON.stringify(root, null, pretty ? 2 : undefined)
})

/** The same key twice or more: JSON.parse keeps the last one. */
const duplicateKeys = fc.record({
  fixture: fc.constantFrom(...FIXTURES),
  dups: fc.array(fc.record({ pick: fc.nat(), value: hostileValue, before: fc.boolean() }), { minLength: 1, maxLength: 4 }),
}).map(({ fixture, dups }) => {
  const entries = Object.entries(fixtureJson(fixture)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
  const keys = Object.keys(fixtureJson(fixture))
  for (const d of dups) {
    const key = keys[d.pick % keys.length] ?? 'event'
    const entry = `${JSON.stringify(key)}:${JSON.stringify(d.value)}`
    if (d.before) entries.unshift(entry)
    else entries.push(entry)
  }
  return `{${entries.join(',')}}`
})

/** Nesting from 1 level to far past what fits in the limit, at the top or inside a known event. */
const deepNesting = fc.record({
  depth: fc.integer({ min: 1, max: LIMIT * 2 }),
  kind: fc.constantFrom('array', 'object', 'mixed'),
  where: fc.constantFrom('top', 'content_attributes', 'changed_attributes', 'event', 'content'),
}).map(({ depth, kind, where }) => {
  const open = (i: number) => (kind === 'array' || (kind === 'mixed' && i % 2 === 0) ? '[' : '{"a":')
  const close = (i: number) => (kind === 'array' || (kind === 'mixed' && i % 2 === 0) ? ']' : '}')
  let opens = ''
  let closes = ''
  for (let i = 0; i < depth; i++) opens += open(i)
  for (let i = depth - 1; i >= 0; i--) closes += close(i)
  const nest = `${opens}1${closes}`
  if (where === 'top') return nest
  const base = where === 'changed_attributes'
    ? fixtureJson('conversation_updated.custom_attributes_by_bot')
    : { ...fixtureJson('message_created.incoming.whatsapp'), event: where === 'content_attributes' ? 'message_updated' : 'message_created' }
  const key = where === 'changed_attributes' ? 'changed_attributes' : where
  return JSON.stringify({ ...base, [key]: '@@NEST@@' }).replace('"@@NEST@@"', key === 'changed_attributes' ? `[${nest}]` : nest)
})

/** A lead message whose text is huge: up to half again the limit, in 1- to 4-byte characters. */
const hugeString = fc.record({
  length: fc.integer({ min: 0, max: Math.floor(LIMIT * 1.5) }),
  char: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '"', '\\', '\ud800'),
  id: fc.nat(),
}).map(({ length, char, id }) => {
  const m = fixtureJson('message_created.incoming.whatsapp') as Record<string, Json>
  m['id'] = id
  m['content'] = char.repeat(Math.ceil(length / Buffer.byteLength(char)))
  return JSON.stringify(m)
})

/** Bodies of exactly the limit give or take a few bytes: ≤ limit is read, one byte over is 413. */
const aroundTheLimit = fc.record({ delta: fc.integer({ min: -3, max: 3 }), id: fc.nat() }).map(({ delta, id }) => {
  const shell = `{"event":"message_created","id":${id},"pad":""}`
  return `{"event":"message_created","id":${id},"pad":"${'p'.repeat(LIMIT + delta - shell.length)}"}`
})

const oddBodies = fc.constantFrom('', ' ', '\n', 'null', '[]', '{}', '""', '0', '-', '{', '}', '{"event":null}', '{"event":""}', '{"event":1}',
  `{"event":"${'x'.repeat(101)}"}`, '{"event":["message_created"]}', '{"event":{"toString":1}}', '{"event":"message_created"}',
  '{"event":"__proto__"}', '{"event":"constructor"}', '{"event":"toString"}', '{"event":"hasOwnProperty"}', '{"event":"message_created"} trailing',
  '{"event":"message_created",}', "{'event':'message_created'}", '{"event":"message_created","id":1e400}', '[{"event":"message_created"}]',
  '{"__proto__":{"event":"message_created"}}', '{"event":"message_created","account":{"id":"3"},"id":"90211"}')

/** Anything JSON.stringify can write, under a known or random event. */
const randomJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ event: fc.oneof(fc.constantFrom(...KNOWN_EVENTS), fc.string()) }, { requiredKeys: [] })
    .chain((head) => fc.dictionary(hostileKey, hostileValue, { maxKeys: 8 }).map((rest) => JSON.stringify({ ...rest, ...head })))
)

const BAD_UTF8: readonly number[][] = [[0xff], [0xfe], [0x80], [0xc0, 0xaf], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00]]

/** How the text goes on the wire: UTF-8 as it should, or broken in one of many ways. */
const encoding = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'utf8' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'utf16le' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'latin1' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'gzip' as const }) },
  { weight: 2, arbitrary: fc.array(fc.record({ at: fc.nat(), bytes: fc.constantFrom(...BAD_UTF8) }), { minLength: 1, maxLength: 5 }).map((inserts) => ({ kind: 'invalid_utf8' as const, inserts })) }
)

type Encoding = typeof encoding extends fc.Arbitrary<infer T> ? T : never

function encode (text: string, e: Encoding): Buffer {
  switch (e.kind) {
    case 'utf8': return Buffer.from(text, 'utf8')
    case 'bom': return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
    case 'utf16le': return Buffer.from(text, 'utf16le')
    case 'latin1': return Buffer.from(text, 'latin1')
    case 'gzip': return gzipSync(text)
    case 'invalid_utf8': {
      let bytes = Buffer.from(text, 'utf8')
      for (const { at, bytes: bad } of e.inserts) {
        const i = bytes.length === 0 ? 0 : at % (bytes.length + 1)
        bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)])
      }
      return bytes
    }
  }
}

const body: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(mutatedFixture, encoding).map(([t, e]) => encode(t, e)) },
  { weight: 1, arbitrary: fc.tuple(duplicateKeys, encoding).map(([t, e]) => encode(t, e)) },
  { weight: 1, arbitrary: deepNesting.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(hugeString, encoding).map(([t, e]) => encode(t, e)) },
  { weight: 1, arbitrary: aroundTheLimit.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(oddBodies, encoding).map(([t, e]) => encode(t, e)) },
  { weight: 1, arbitrary: fc.tuple(randomJson, encoding).map(([t, e]) => encode(t, e)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: LIMIT + 1, max: LIMIT * 4 }).map((n) => Buffer.alloc(n, 0x20)) }
)

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON',
  'application/json; charset=latin1', 'application/json; charset=utf-16le', 'application/json ; x=y', 'application/json;',
  'application/jsonx', 'application/json-patch+json', 'application/vnd.api+json', 'text/json', 'text/plain', 'text/html', '',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', ';', 'a/b/c', '*/*',
  'application/json, text/plain', '__proto__/json', 'application/__proto__']

const headerText = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength })
  .map((s) => s.trim())

/** Content-Type, undefined = header absent. */
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: headerText(60) },
  { weight: 1, arbitrary: fc.constant(undefined) }
)

const contentEncoding = fc.option(fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd', 'gzip, gzip', 'x-unknown'), headerText(20)), { freq: 4 })

/** How the request proves (or fails to prove) it is Chatwoot. Only the first two are correctly signed. */
const SIGNINGS = ['chatwoot', 'seed', 'none', 'garbage', 'wrong_secret', 'stale', 'future', 'tampered', 'no_timestamp', 'timestamp_mismatch', 'truncated'] as const
type Signing = typeof SIGNINGS[number]
const signing = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Signing>('chatwoot', 'seed') },
  { weight: 4, arbitrary: fc.constantFrom<Signing>(...SIGNINGS.slice(2)) }
)

/** Extra headers; never ones that would frame the request or its connection differently. */
const FORBIDDEN = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer',
  'content-type', 'content-encoding', 'x-chatwoot-signature', 'x-chatwoot-timestamp', 'proxy-connection', 'http2-settings'])
const extraHeaders = fc.dictionary(
  fc.oneof(fc.constantFrom('x-chatwoot-delivery', 'x-forwarded-for', 'x-real-ip', 'accept', 'user-agent', 'origin', 'cookie', 'authorization',
    'x-http-method-override', '__proto__', 'constructor'), fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)).filter((k) => !FORBIDDEN.has(k)),
  fc.oneof(headerText(80), fc.uuid(), fc.nat({ max: 400 }).map((n) => 'd'.repeat(n))),
  { maxKeys: 4 }
)

const QUERIES = ['', '?a=1', '?__proto__[polluted]=yes', '?constructor[prototype][polluted]=yes', '?__proto__.polluted=yes', '?a=1&a=2', '?%ff', '?']
const target = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...QUERIES).map((q) => ({ method: 'POST', path: `${WEBHOOK_PATH}${q}` })) },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS').map((method) => ({ method, path: WEBHOOK_PATH })) },
  // (A dot-segment path is resolved by the client's URL parser before it is sent: only the raw test sends one.)
  {
    weight: 1,
    arbitrary: fc.constantFrom(`${WEBHOOK_PATH}/`, `${WEBHOOK_PATH}/x`, '/API/V1/WEBHOOKS/AGENTBOT', `${WEBHOOK_PATH}%00`, `${WEBHOOK_PATH}%2F`)
      .map((path) => ({ method: 'POST', path })),
  }
)

interface Case {
  readonly method: string
  readonly path: string
  readonly body: Buffer
  readonly contentType: string | undefined
  readonly contentEncoding: string | null
  readonly signing: Signing
  readonly extra: Record<string, string>
  /** Sent with Transfer-Encoding: chunked, in pieces of this size (0 = Content-Length). */
  readonly chunk: number
}

const requestCase: fc.Arbitrary<Case> = fc.record({
  target,
  body,
  contentType,
  contentEncoding,
  signing,
  extra: extraHeaders,
  chunk: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8192 }) }),
}).map(({ target: { method, path }, ...rest }) => withSummary({ method, path, ...rest }))

/** Counterexamples print as a summary and the body's first bytes, not as a 20 KiB Buffer literal. */
function withSummary<T extends { readonly body: Buffer }> (c: T): T {
  const { body, ...rest } = c
  const head = body.subarray(0, 300).toString('latin1')
  return Object.assign(c, {
    [fc.toStringMethod]: () => `${JSON.stringify(rest)} body(${body.length} bytes)=${JSON.stringify(head)}${body.length > 300 ? '…' : ''}`,
  })
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** The signature headers for a case, over exactly the bytes that will be sent (or deliberately not). */
function signatureHeaders (c: Case): Record<string, string> {
  const ts = nowSeconds()
  switch (c.signing) {
    case 'chatwoot': return { 'x-chatwoot-timestamp': String(ts), 'x-chatwoot-signature': signChatwoot(SECRET, String(ts), c.body) }
    case 'seed': return { 'x-chatwoot-signature': signSeed(SECRET, c.body) }
    case 'none': return {}
    case 'garbage': return { 'x-chatwoot-signature': `sha256=${'ab'.repeat(31)}zz`, 'x-chatwoot-timestamp': String(ts) }
    case 'wrong_secret': return { 'x-chatwoot-timestamp': String(ts), 'x-chatwoot-signature': signChatwoot(`${SECRET}x`, String(ts), c.body) }
    case 'stale': return { 'x-chatwoot-timestamp': String(ts - 301), 'x-chatwoot-signature': signChatwoot(SECRET, String(ts - 301), c.body) }
    case 'future': return { 'x-chatwoot-timestamp': String(ts + 400), 'x-chatwoot-signature': signChatwoot(SECRET, String(ts + 400), c.body) }
    case 'tampered': return { 'x-chatwoot-signature': signSeed(SECRET, Buffer.concat([c.body, Buffer.from(' ')])) }
    case 'no_timestamp': return { 'x-chatwoot-signature': signChatwoot(SECRET, String(ts), c.body) }
    case 'timestamp_mismatch': return { 'x-chatwoot-timestamp': String(ts + 1), 'x-chatwoot-signature': signChatwoot(SECRET, String(ts), c.body) }
    case 'truncated': return { 'x-chatwoot-signature': signSeed(SECRET, c.body).slice(0, 63) }
  }
}

const correctlySigned = (c: Case) => c.signing === 'chatwoot' || c.signing === 'seed'
const isJson = (ct: string | undefined) => ct !== undefined && (ct.split(';')[0] ?? '').trim().toLowerCase() === 'application/json'
const isWebhookPost = (c: Case) => c.method === 'POST' && c.path.split('?')[0] === WEBHOOK_PATH

type Framing = 'length' | 'chunked' | 'chunked_ext' | 'short' | 'both' | 'duplicate_length' | 'none'
const WELL_FRAMED = new Set<Framing>(['length', 'chunked', 'chunked_ext'])

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Bytes undici would refuse to send: framings, versions, raw paths and header bytes as a hostile client writes them. */
interface RawCase extends Case {
  readonly version: string
  readonly eol: string
  readonly framing: Framing
  readonly noise: ReadonlyArray<{ readonly name: string, readonly value: Buffer }>
}

/** Header values: printable ASCII and obs-text (0x80–0xff: legal, but not UTF-8). */
const headerValue = fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) }), { maxLength: 120 })
  .map((b) => Buffer.from(b))

/** At most one defect per request, so most requests are well-formed and reach the webhook's own checks. */
const DEFECTS = ['version', 'eol', 'framing', 'method', 'path', 'header_name', 'header_value'] as const
type Defect = typeof DEFECTS[number]

const rawCase: fc.Arbitrary<RawCase> = fc.record({
  target,
  body,
  contentType,
  contentEncoding,
  signing,
  chunk: fc.integer({ min: 1, max: 8192 }),
  framing: fc.constantFrom<Framing>('length', 'length', 'chunked', 'chunked_ext'),
  http10: fc.boolean(),
  noise: fc.array(fc.record({ name: fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), value: headerValue }), { maxLength: 4 }),
  defect: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom<Defect>(...DEFECTS) }),
  bad: fc.record({
    version: fc.constantFrom('HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1.12', 'HTTP/1', ''),
    eol: fc.constantFrom('\n', '\r'),
    framing: fc.constantFrom<Framing>('short', 'both', 'duplicate_length', 'none'),
    method: fc.constantFrom('post', 'POST ', 'PROPFIND', 'CONNECT', 'FOO', 'P\u00d3ST', ''),
    path: fc.constantFrom(`${WEBHOOK_PATH}/../agentbot`, '/api/v1/webhooks/./agentbot', `http://127.0.0.1${WEBHOOK_PATH}`, '*', `${WEBHOOK_PATH}#frag`,
      `${WEBHOOK_PATH}\t`, `${WEBHOOK_PATH} x`, `${WEBHOOK_PATH}\u00ff`, '', `${WEBHOOK_PATH}?${'q'.repeat(3000)}`),
    headerName: fc.constantFrom('x chatwoot', 'x-a:b', 'x-\u00e9', '', ' x-lead', 'x-(a)', 'x-chatwoot-signature ', '\u0000'),
    ctl: fc.constantFrom(0x00, 0x0b, 0x0d, 0x0a, 0x7f, 0x1b),
  }),
}).map(({ target: { method, path }, framing, http10, noise, defect, bad, ...rest }) => {
  const c = { method, path, extra: {}, ...rest, version: http10 && framing === 'length' ? 'HTTP/1.0' : 'HTTP/1.1', eol: '\r\n', framing, noise: [...noise] }
  switch (defect) {
    case null: break
    case 'version': c.version = bad.version; break
    case 'eol': c.eol = bad.eol; break
    case 'framing': c.framing = bad.framing; break
    case 'method': c.method = bad.method; break
    case 'path': c.path = bad.path; break
    case 'header_name': c.noise.push({ name: bad.headerName, value: Buffer.from('1') }); break
    case 'header_value': c.noise.push({ name: 'x-ctl', value: Buffer.from([0x61, bad.ctl, 0x62]) }); break
  }
  return withSummary(c)
})

/** True when a conforming HTTP/1.1 server must treat the request as an ordinary one. */
function wellFormed (c: RawCase): boolean {
  const ctlFree = (b: Buffer) => b.every((x) => x === 0x09 || (x >= 0x20 && x !== 0x7f))
  const version = c.version === 'HTTP/1.1' || (c.version === 'HTTP/1.0' && c.framing === 'length')
  return version && c.eol === '\r\n' && WELL_FRAMED.has(c.framing) && TOKEN.test(c.method) &&
    /^\/[!-~]*$/.test(c.path) && !c.path.includes('/.') && !c.path.includes('#') &&
    (c.contentType === undefined || ctlFree(Buffer.from(c.contentType, 'latin1'))) &&
    c.noise.every((h) => TOKEN.test(h.name) && ctlFree(h.value) && h.value[0] !== 0x09 && h.value.at(-1) !== 0x09)
}

// ---------------------------------------------------------------------------
// The app and the checks
// ---------------------------------------------------------------------------

interface Answer { readonly status: number, readonly code: string | undefined }

let t: TestApp
const protoNames = (o: object) => Object.getOwnPropertyNames(o).sort()
const pristine = {
  object: protoNames(Object.prototype),
  array: protoNames(Array.prototype),
  func: protoNames(Function.prototype),
}

function expectPrototypesClean (): void {
  expect(protoNames(Object.prototype), 'Object.prototype gained or lost a property').toEqual(pristine.object)
  expect(protoNames(Array.prototype), 'Array.prototype changed').toEqual(pristine.array)
  expect(protoNames(Function.prototype), 'Function.prototype changed').toEqual(pristine.func)
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
}

/**
 * What the app must answer. Any request: never 5xx, 200 only when correctly signed. A POST to the
 * webhook is exact: not JSON → 415; over the limit → 413; not correctly signed → 401 before the
 * body is parsed (never a parse or validation error); correctly signed → 200 or a 400 naming the
 * body's problem (a signature over the exact bytes always verifies, whatever those bytes are).
 */
function expectAnswer (c: Case, a: Answer): void {
  const label = `${c.method} ${c.path} ct=${JSON.stringify(c.contentType)} signing=${c.signing} bytes=${c.body.length} → ${a.status} ${a.code ?? ''}`
  expect(a.status, label).toBeLessThan(500)
  if (a.status === 200) expect(correctlySigned(c), label).toBe(true)
  if (!isWebhookPost(c)) {
    expect(a.status, label).not.toBe(200)
    return
  }
  if (!isJson(c.contentType)) expect(a.status, label).toBe(415)
  else if (c.body.length > LIMIT) expect([a.status, a.code], label).toEqual([413, 'FST_ERR_CTP_BODY_TOO_LARGE'])
  else if (!correctlySigned(c)) expect([a.status, a.code], label).toEqual([401, 'INVALID_SIGNATURE'])
  else if (a.status !== 200) {
    expect(a.status, label).toBe(400)
    expect(['INVALID_JSON', 'INVALID_ENVELOPE', 'INVALID_PAYLOAD'], label).toContain(a.code)
  }
}

async function expectHealthy (): Promise<void> {
  const r = await send(t.url, { path: '/api/v1/health' })
  expect(r.status).toBe(200)
}

const codeOf = (text: string): string | undefined => {
  try {
    const parsed = JSON.parse(text) as { code?: unknown }
    return typeof parsed.code === 'string' ? parsed.code : undefined
  } catch {
    return undefined
  }
}

/** One request through undici, as a real client sends it. */
async function viaUndici (c: Case): Promise<Answer> {
  const headers: Record<string, string> = { ...c.extra, ...signatureHeaders(c) }
  if (c.contentType !== undefined) headers['content-type'] = c.contentType
  if (c.contentEncoding !== null) headers['content-encoding'] = c.contentEncoding
  const payload = c.chunk === 0
    ? c.body
    : Readable.from(Array.from({ length: Math.ceil(c.body.length / c.chunk) }, (_, i) => c.body.subarray(i * c.chunk, (i + 1) * c.chunk)))
  const res = await request(`${t.url}${c.path}`, {
    method: c.method as 'POST',
    headers,
    ...(c.method === 'GET' || c.method === 'OPTIONS' ? {} : { body: payload }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, code: codeOf(text) }
}

/** Writes the request as bytes on a fresh socket (Connection: close) and reads the answer's status and code. */
async function viaSocket (c: RawCase): Promise<Answer> {
  const port = Number(new URL(t.url).port)
  const eol = c.eol
  const lines: Buffer[] = [Buffer.from(`${c.method} ${c.path} ${c.version}`.trimEnd() + eol, 'latin1')]
  const header = (name: string, value: string | Buffer) => lines.push(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from(eol)]))
  header('Host', '127.0.0.1')
  header('Connection', 'close')
  if (c.contentType !== undefined) header('Content-Type', Buffer.from(c.contentType, 'latin1'))
  if (c.contentEncoding !== null) header('Content-Encoding', c.contentEncoding)
  for (const [name, value] of Object.entries(signatureHeaders(c))) header(name, value)
  for (const h of c.noise) header(h.name, h.value)
  let payload = c.body
  const chunked = () => {
    const parts: Buffer[] = []
    for (let i = 0; i < c.body.length; i += c.chunk) {
      const piece = c.body.subarray(i, i + c.chunk)
      parts.push(Buffer.from(`${piece.length.toString(16)}${c.framing === 'chunked_ext' ? ';ext="x"' : ''}\r\n`), piece, Buffer.from('\r\n'))
    }
    parts.push(Buffer.from('0\r\n\r\n'))
    return Buffer.concat(parts)
  }
  switch (c.framing) {
    case 'length': header('Content-Length', String(c.body.length)); break
    case 'chunked': case 'chunked_ext': header('Transfer-Encoding', 'chunked'); payload = chunked(); break
    case 'short': header('Content-Length', String(Math.max(0, c.body.length - 1))); break
    case 'both': header('Content-Length', String(c.body.length)); header('Transfer-Encoding', 'chunked'); payload = chunked(); break
    case 'duplicate_length': header('Content-Length', String(c.body.length)); header('Content-Length', String(c.body.length + 1)); break
    case 'none': break
  }
  const bytes = Buffer.concat([...lines, Buffer.from(eol), payload])

  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    const done = () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received).toString('latin1'))
    }
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${RAW_ANSWER_MS} ms`))
    }, RAW_ANSWER_MS)
    socket.on('data', (d) => received.push(d))
    // A server that answers early and closes may reset the rest of our write (the answer was already
    // read), and one that refuses a tunnel resets it without a word (checked by the caller).
    socket.on('error', done)
    socket.on('close', done)
    socket.on('connect', () => socket.end(bytes))
  })
  if (raw === '') return { status: 0, code: undefined }
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(raw)
  if (status === null) throw new Error(`not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`)
  const headEnd = raw.indexOf('\r\n\r\n')
  return { status: Number(status[1]), code: headEnd < 0 ? undefined : codeOf(raw.slice(headEnd + 4)) }
}

/** The fuzz app's request deadline: a request the server waits on ends in 408 before the client gives up. */
const FUZZ_REQUEST_TIMEOUT_MS = 2000
const RAW_ANSWER_MS = FUZZ_REQUEST_TIMEOUT_MS + 3000

let baselineMemory = 0
/**
 * The JS heap plus Buffer memory, which lives outside it (a kept request body would not show in
 * heapUsed). Not all of `external`: it also holds the HTTP client's WebAssembly parser memory.
 */
const usedMemory = (): number => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * The lowest usedMemory over two seconds of full GCs: sockets just closed still hold buffers for a
 * moment (seen: 6–18 MiB right after a long run, gone a second later), a leak stays.
 */
async function settledMemory (): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY
  for (let i = 0; i < 10; i++) {
    gc()
    lowest = Math.min(lowest, usedMemory())
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return lowest
}

/**
 * Near-limit deliveries, most accepted, some unsigned or not JSON: `count` × 15 KiB through the
 * parser, so an app that kept any part of each body would grow past HEAP_GROWTH_BOUND.
 */
let pressureId = 3_000_000_000
async function pressure (count: number, check = true): Promise<void> {
  const text = 'x'.repeat(LIMIT - 4096)
  for (let i = 0; i < count; i++) {
    const m = fixtureJson('message_created.incoming.whatsapp') as Record<string, Json>
    const id = pressureId++
    m['id'] = id
    ;(m['conversation'] as Record<string, Json>)['id'] = id
    m['content'] = text
    const raw = i % 5 === 4 ? `${JSON.stringify(m)}}` : JSON.stringify(m)
    const c = withSummary({ method: 'POST', path: WEBHOOK_PATH, body: Buffer.from(raw), contentType: 'application/json', contentEncoding: null, signing: i % 7 === 6 ? 'none' : 'chatwoot', extra: {}, chunk: 0 } satisfies Case)
    const answer = await viaUndici(c)
    if (check) expectAnswer(c, answer)
    t.jobs.length = 0
    t.batches.length = 0
  }
}

beforeAll(async () => {
  t = await startTestApp({
    WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT),
    // High enough never to trigger, so an unsigned request must get exactly 401.
    RATE_LIMIT_REQUESTS: '100000000',
    CONVERSATION_RATE_LIMIT_REQUESTS: '100000000',
    // Errors only: a 5xx or a failed job logs one, and none may appear.
    LOG_LEVEL: 'error',
    HTTP_REQUEST_TIMEOUT_MS: String(FUZZ_REQUEST_TIMEOUT_MS),
  }, { captureLogs: true })
  // Warm up (JIT, lazy modules, metric children, the connection pool), then measure the heap.
  for (const c of fc.sample(requestCase, { seed: SEED, numRuns: 60 })) await viaUndici(c)
  await pressure(50, false)
  t.jobs.length = 0
  t.batches.length = 0
  baselineMemory = await settledMemory()
  if (process.env['FUZZ_SEED'] !== undefined) console.info(`[fuzz] FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}${PATH !== undefined ? ` FUZZ_PATH=${PATH}` : ''}`)
})

afterAll(async () => {
  await t?.close()
})

const settings = <T extends [Case]>(numRuns: number): fc.Parameters<T> => ({
  seed: SEED,
  numRuns,
  ...(PATH !== undefined ? { path: PATH } : {}),
  // Stop before vitest's timeout (big bodies make shrinking slow) and say so: never a silently shorter run.
  interruptAfterTimeLimit: TIMEOUT_MS - 5000,
  markInterruptAsFailure: true,
})

describe('POST /api/v1/webhooks/agentbot under arbitrary input (property-based, real sockets)', () => {
  it(`never 5xx, never a crash, 200 only when correctly signed, exact statuses on the webhook (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(requestCase, async (c) => {
      expectAnswer(c, await viaUndici(c))
      await expectHealthy()
      expectPrototypesClean()
      // The helper records every accepted job; drop them so the memory check measures the app only.
      t.jobs.length = 0
      t.batches.length = 0
    }), settings(RUNS))
    expect(t.logs).toEqual([])
  }, TIMEOUT_MS)

  it(`the same over raw sockets: odd framings, versions, paths and header bytes (${Math.ceil(RUNS / 2)} runs)`, async () => {
    await fc.assert(fc.asyncProperty(rawCase, async (c) => {
      const a = await viaSocket(c)
      // Node closes a CONNECT (a tunnel request) without a word when nothing listens for tunnels; anything else gets an answer.
      if (a.status === 0) expect(c.method, 'closed without an answer').toBe('CONNECT')
      expect(a.status, `raw ${c.method} ${JSON.stringify(c.path)} → ${a.status}`).toBeLessThan(500)
      // A shortened body no longer matches its signature: whatever the framing, 200 needs the signed bytes.
      if (a.status === 200) expect(correctlySigned(c) && c.framing !== 'short', `raw ${c.framing} → 200`).toBe(true)
      if (wellFormed(c)) expectAnswer(c, a)
      await expectHealthy()
      expectPrototypesClean()
      t.jobs.length = 0
      t.batches.length = 0
    }), settings<[RawCase]>(Math.ceil(RUNS / 2)))
    expect(t.logs).toEqual([])
  }, TIMEOUT_MS)

  it(`afterwards: memory is bounded (also after ${PRESSURE} near-limit deliveries), metrics labels stay route templates, the app still answers`, async () => {
    await pressure(PRESSURE)
    const grown = await settledMemory() - baselineMemory
    expect(grown, `memory grew by ${(grown / 1048576).toFixed(1)} MiB`).toBeLessThan(HEAP_GROWTH_BOUND)

    // Random paths and queries must not become label values (unbounded series, unbounded memory).
    const metrics = await send(t.url, { path: '/metrics' })
    expect(metrics.status).toBe(200)
    const paths = new Set([...metrics.text.matchAll(/path="([^"]*)"/g)].map((m) => m[1]))
    expect(paths.size).toBeGreaterThan(0)
    for (const p of paths) expect(['unmatched', '/api/v1/health', '/api/v1/readiness', '/metrics', WEBHOOK_PATH, '*']).toContain(p)

    await expectHealthy()
    expectPrototypesClean()
    expect(t.logs).toEqual([])
  })
})

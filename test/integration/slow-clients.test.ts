// Slow and oversized clients on real loopback sockets: a slowloris-style client (headers one byte
// at a time, or the headers then a trickled body) is answered 408 and cut off once its request is
// older than HTTP_REQUEST_TIMEOUT_MS, while signed deliveries on other connections keep being
// answered promptly; a header block over HTTP_MAX_HEADER_BYTES gets 431. Short timeouts keep it fast.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { startTestApp, type TestApp } from '../helpers/app.js'
import { VECTORS, messageVariant } from '../helpers/fixtures.js'
import { WEBHOOK_PATH, postWebhook, send } from '../helpers/http.js'
import { chatwootHeaders } from '../helpers/sign.js'
import { sleep } from '../helpers/wait.js'

const REQUEST_TIMEOUT_MS = 1000
const CONNECTION_TIMEOUT_MS = 5000
const KEEP_ALIVE_TIMEOUT_MS = 1000
const MAX_HEADER_BYTES = 4096
/** Node sweeps for expired requests every quarter of the deadline (src/app.ts), plus loopback scheduling. */
const CUT_OFF_SLACK_MS = REQUEST_TIMEOUT_MS / 4 + 400
/** What "promptly" means for a delivery on loopback while the attack runs (blocked behind it, one would wait ≥ REQUEST_TIMEOUT_MS). */
const PROMPT_MS = 400

interface RawOutcome {
  /** Everything the server wrote back. */
  readonly received: string
  /** From connect to the server closing the socket. */
  readonly closedAfterMs: number
  /** Bytes this client had written when the socket closed. */
  readonly sent: number
}

/**
 * Opens a raw socket and writes `chunks` one every `everyMs` (then keeps writing `tail` forever,
 * one byte at a time); resolves when the server closes the connection, or rejects after `giveUpMs`.
 */
function trickle (port: number, chunks: readonly string[], everyMs: number, tail: string, giveUpMs: number): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket: Socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    let sent = 0
    let i = 0
    let timer: NodeJS.Timeout | undefined
    const giveUp = setTimeout(() => {
      clearInterval(timer)
      socket.destroy()
      reject(new Error(`server still had the slow connection open after ${giveUpMs} ms (${sent} bytes sent)`))
    }, giveUpMs)
    const finish = () => {
      clearInterval(timer)
      clearTimeout(giveUp)
      resolve({ received: Buffer.concat(received).toString('latin1'), closedAfterMs: Date.now() - started, sent })
    }
    socket.on('data', (d) => received.push(d))
    socket.on('error', () => {}) // a reset after the server's close is the expected end
    socket.on('close', finish)
    socket.on('connect', () => {
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return
        const next = i < chunks.length ? chunks[i++] ?? '' : tail
        if (next === '') return // a silent client
        sent += Buffer.byteLength(next)
        socket.write(next)
      }, everyMs)
    })
  })
}

/** Writes one request in a single write and resolves with what the server answered before closing (or within `waitMs`). */
function rawRequest (port: number, head: string, waitMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(Buffer.concat(received).toString('latin1'))
    }, waitMs)
    socket.on('data', (d) => received.push(d))
    socket.on('error', (err) => {
      clearTimeout(timer)
      if (received.length > 0) resolve(Buffer.concat(received).toString('latin1'))
      else reject(err)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received).toString('latin1'))
    })
    socket.on('connect', () => socket.write(head))
  })
}

const statusOf = (raw: string): number | undefined => {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(raw)
  return m === null ? undefined : Number(m[1])
}

let t: TestApp
let port: number
let nextId = 500_000

/** A new lead message (own message and conversation id), signed like Chatwoot at the real time. */
function delivery (): { body: Buffer, headers: Record<string, string> } {
  const id = nextId++
  const body = messageVariant((m) => {
    m.id = id
    m.conversation.id = id
  })
  return { body, headers: chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }) }
}

beforeAll(async () => {
  t = await startTestApp({
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_CONNECTION_TIMEOUT_MS: String(CONNECTION_TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    HTTP_MAX_HEADER_BYTES: String(MAX_HEADER_BYTES),
    LOG_LEVEL: 'error',
  }, { captureLogs: true })
  port = Number(new URL(t.url).port)
})

afterAll(async () => {
  await t.close()
})

describe('HTTP timeouts and limits: configuration', () => {
  it('has deliberate defaults, and the server uses the configured values', () => {
    const d = loadConfig({}).http
    expect({ request: d.requestTimeoutMs, connection: d.connectionTimeoutMs, keepAlive: d.keepAliveTimeoutMs, header: d.maxHeaderBytes })
      .toEqual({ request: 10_000, connection: 20_000, keepAlive: 72_000, header: 16_384 })
    const server = t.app.server
    expect({ request: server.requestTimeout, headers: server.headersTimeout, connection: server.timeout, keepAlive: server.keepAliveTimeout, header: (server as unknown as { maxHeaderSize?: number }).maxHeaderSize })
      .toEqual({ request: REQUEST_TIMEOUT_MS, headers: REQUEST_TIMEOUT_MS, connection: CONNECTION_TIMEOUT_MS, keepAlive: KEEP_ALIVE_TIMEOUT_MS, header: MAX_HEADER_BYTES })
  })

  it.each([
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_REQUEST_TIMEOUT_MS', 'ten'],
    ['HTTP_CONNECTION_TIMEOUT_MS', '50'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '999'],
    ['HTTP_MAX_HEADER_BYTES', '512'],
    ['HTTP_MAX_HEADER_BYTES', '16384.5'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })
})

describe('HTTP timeouts and limits: slow clients (real sockets)', () => {
  it('cuts off slowloris clients (headers byte by byte; headers then a trickled body; silent) with 408 within the deadline, while deliveries on other connections stay prompt', async () => {
    const head = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Chatwoot-Signature: ${'0'.repeat(64)}\r\n`
    const headerTricklers = Array.from({ length: 10 }, () =>
      trickle(port, [...head], 20, 'X', REQUEST_TIMEOUT_MS * 6))
    const bodyTricklers = Array.from({ length: 10 }, () =>
      trickle(port, [`${head}Content-Length: 100000\r\n\r\n`], 20, '{', REQUEST_TIMEOUT_MS * 6))
    const silent = trickle(port, [], 60_000, '', REQUEST_TIMEOUT_MS * 6)

    // Meanwhile Chatwoot keeps delivering, each on a connection of its own (undici's pool).
    const latencies: number[] = []
    const statuses: number[] = []
    const state = { over: false }
    Promise.allSettled([...headerTricklers, ...bodyTricklers, silent]).then(() => { state.over = true }, () => {})
    while (!state.over) {
      const d = delivery()
      const started = Date.now()
      const r = await postWebhook(t.url, d.body, d.headers)
      latencies.push(Date.now() - started)
      statuses.push(r.status)
      await sleep(25)
    }

    const outcomes = await Promise.all([...headerTricklers, ...bodyTricklers, silent])
    for (const o of outcomes) {
      expect(statusOf(o.received), o.received).toBe(408)
      expect(o.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50)
      expect(o.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + CUT_OFF_SLACK_MS)
    }
    // The body tricklers really were mid-body, and the header tricklers never finished their headers.
    for (const o of await Promise.all(bodyTricklers)) expect(o.sent).toBeGreaterThan(head.length + 10)
    for (const o of await Promise.all(headerTricklers)) expect(o.sent).toBeLessThan(head.length)

    expect(statuses.length).toBeGreaterThanOrEqual(10)
    expect(new Set(statuses)).toEqual(new Set([200]))
    expect(Math.max(...latencies)).toBeLessThan(PROMPT_MS)
    expect(t.jobs.length).toBeGreaterThanOrEqual(statuses.length)
    // Nothing went wrong inside: no error was logged (a 5xx or a failed job would be).
    expect(t.logs).toEqual([])
  })

  it('a trickled body that does finish in time is still answered normally', async () => {
    const d = delivery()
    const headers = Object.entries({ ...d.headers, host: '127.0.0.1', 'content-length': String(d.body.length) })
      .map(([k, v]) => `${k}: ${v}\r\n`).join('')
    const half = Math.floor(d.body.length / 2)
    const body = d.body.toString('latin1')
    const o = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      const received: Buffer[] = []
      socket.on('data', (c) => {
        received.push(c)
        if (Buffer.concat(received).includes('\r\n\r\n{')) {
          socket.destroy()
          resolve(Buffer.concat(received).toString('latin1'))
        }
      })
      socket.on('error', reject)
      socket.on('connect', () => {
        socket.write(`POST ${WEBHOOK_PATH} HTTP/1.1\r\n${headers}\r\n`)
        setTimeout(() => socket.write(Buffer.from(body.slice(0, half), 'latin1')), REQUEST_TIMEOUT_MS / 3)
        setTimeout(() => socket.write(Buffer.from(body.slice(half), 'latin1')), (REQUEST_TIMEOUT_MS * 2) / 3)
      })
    })
    expect(statusOf(o)).toBe(200)
  })

  it('answers 431 to a header block over HTTP_MAX_HEADER_BYTES, and accepts a signed delivery just under it', async () => {
    const over = await rawRequest(port, `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(MAX_HEADER_BYTES + 100)}\r\n\r\n`)
    expect(statusOf(over)).toBe(431)
    // Many small headers add up the same way.
    const many = Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'b'.repeat(30)}\r\n`).join('')
    expect(statusOf(await rawRequest(port, `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}\r\n`))).toBe(431)

    const d = delivery()
    const r = await postWebhook(t.url, d.body, { ...d.headers, 'x-padding': 'c'.repeat(MAX_HEADER_BYTES - 1024) })
    expect(r.status).toBe(200)
    expect((await send(t.url, { path: '/api/v1/health' })).status).toBe(200)
  })

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS (advertised; Node adds 1 s of grace)', async () => {
    let answer = ''
    let answeredAt = 0
    const closedAt = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      socket.on('data', (d) => {
        answer += d.toString('latin1')
        answeredAt = Date.now()
      })
      socket.on('error', reject)
      socket.on('close', () => resolve(Date.now()))
      socket.on('connect', () => socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
      setTimeout(() => {
        socket.destroy()
        reject(new Error('keep-alive connection still open after 5 s'))
      }, 5000)
    })
    expect(statusOf(answer)).toBe(200)
    expect(answer.toLowerCase()).toContain(`keep-alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`)
    const idle = closedAt - answeredAt
    expect(idle).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS + 1000 - 50)
    expect(idle).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1000 + 700)
  })
})

describe('HTTP timeouts and limits: HTTP_CONNECTION_TIMEOUT_MS', () => {
  it('destroys a socket silent mid-request after the connection timeout, before the request deadline', async () => {
    const quick = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_CONNECTION_TIMEOUT_MS: '300' })
    try {
      const o = await trickle(Number(new URL(quick.url).port), [`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`], 10, '', 4000)
      expect(o.closedAfterMs).toBeGreaterThanOrEqual(250)
      expect(o.closedAfterMs).toBeLessThan(1500)
      expect(o.received).toBe('') // destroyed without an answer: it was not a slow request, it was a dead one
    } finally {
      await quick.close()
    }
  })
})

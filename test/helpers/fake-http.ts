import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a stand-in server received. */
export interface RecordedRequest {
  method: string
  /** Path without the query string. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Parsed JSON body, or undefined when empty or not JSON (see `raw`). */
  body: unknown
  raw: string
  /** The body was present but not JSON. */
  invalidJson: boolean
}

export interface StandIn {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  requests: RecordedRequest[]
  /** Run `fn` after `ms`, unless the server closes first. */
  later (ms: number, fn: () => void): void
  /** Ends open sockets (hung requests included) and stops listening. Idempotent. */
  close (): Promise<void>
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A real HTTP server on 127.0.0.1, port 0, that records every request before handing it on. */
export async function startStandIn (handler: Handler): Promise<StandIn> {
  const requests: RecordedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  const receive = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    let body: unknown
    let invalidJson = false
    if (raw !== '') {
      try {
        body = JSON.parse(raw)
      } catch {
        invalidJson = true
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, raw, invalidJson }
    requests.push(recorded)
    await handler(recorded, res)
  }
  const server = createServer((req, res) => {
    receive(req, res).catch((err: unknown) => {
      sendJson(res, 500, { error: 'stand-in failure', message: err instanceof Error ? err.message : String(err) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    later (ms, fn) {
      if (closed) return
      const timer = setTimeout(() => {
        timers.delete(timer)
        fn()
      }, ms)
      timers.add(timer)
    },
    async close () {
      if (closed) return
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await done
    },
  }
}

/** Which requests a fault applies to; unset fields match everything. */
export interface Match {
  method?: string
  /** A substring of the path, or a pattern. */
  path?: string | RegExp
}

const matches = (m: Match | undefined, req: RecordedRequest): boolean => {
  if (m === undefined) return true
  if (m.method !== undefined && m.method.toUpperCase() !== req.method) return false
  if (m.path !== undefined && !(typeof m.path === 'string' ? req.path.includes(m.path) : m.path.test(req.path))) return false
  return true
}

/** Armed faults, each used once, by the first request it matches. */
export class FaultQueue<T> {
  private entries: Array<{ value: T, match: Match | undefined }> = []

  arm (n: number, value: T, match?: Match): void {
    for (let i = 0; i < n; i++) this.entries.push({ value, match })
  }

  take (req: RecordedRequest): T | undefined {
    const i = this.entries.findIndex((e) => matches(e.match, req))
    if (i === -1) return undefined
    const [entry] = this.entries.splice(i, 1)
    return entry?.value
  }

  clear (): void {
    this.entries = []
  }

  get pending (): number {
    return this.entries.length
  }
}
